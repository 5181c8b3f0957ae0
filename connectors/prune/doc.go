// Package prune decides from statistics which partitions, files and row groups of a native
// table a scan can skip. It owns the encoding of statistic values (Value, stored as strings in
// catalog.ColumnStats), the computation of a column's min/max/nulls from Arrow arrays, and
// predicates (=, <, <=, >, >=, BETWEEN, IN, IS [NOT] NULL, conjunctions) over column
// statistics. A predicate answers "may any row match?": false only when no row can.
//
// prune imports catalog, Arrow and proto/errs only.
package prune
