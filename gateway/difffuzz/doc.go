// Package difffuzz is the differential fuzzer's engine-free half: a grammar-based generator
// of valid PostgreSQL queries over the TPC-H tables (deterministic from a seed), the
// comparison of two engines' canonical results (float tolerance, order-insensitive unless the
// query's ORDER BY fixes the order), and a minimizer that drops parts of a failing query while
// the disagreement stays. gateway's TestDiffFuzz runs the queries on an in-process Tern and on
// PostgreSQL.
//
// It must not import any Tern package: it only produces SQL text and compares text rows.
package difffuzz
