package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/exec"
)

// microScan decodes TPC-H lineitem (all 16 columns) with Tern's Parquet scan operator
// (connectors/files, the operator a query's scan runs) and with arrow-go's pqarrow alone
// (parallel column decoding), in this process.
func microScan(ctx context.Context, o *options) (string, error) {
	dir, err := tpchDataDir(ctx, o.scanSF, o.shared, o.data, o.log)
	if err != nil {
		return "", err
	}
	path := dir + "/lineitem.parquet"
	var b strings.Builder
	fmt.Fprintf(&b, "#### Parquet scan: lineitem SF%v (%s file), all 16 columns, best of 3\n\n", o.scanSF, fmtBytes(fileSize(path)))
	b.WriteString("| reader | time (s) | rows/s | decoded Arrow bytes/s |\n| --- | ---: | ---: | ---: |\n")
	type reader struct {
		name string
		fn   func() (int64, int64, error)
	}
	readers := []reader{
		{"Tern connectors/files scan (batch 8192)", func() (int64, int64, error) { return ternScan(ctx, path) }},
		{"arrow-go pqarrow, Parallel, batch 65536", func() (int64, int64, error) { return pqarrowScan(ctx, path, true, 1<<16) }},
		{"arrow-go pqarrow, 1 goroutine, batch 8192", func() (int64, int64, error) { return pqarrowScan(ctx, path, false, 8192) }},
	}
	for _, r := range readers {
		var best time.Duration
		var rows, bytes int64
		for i := 0; i < 3; i++ {
			t0 := time.Now()
			n, by, err := r.fn()
			d := time.Since(t0)
			if err != nil {
				return "", fmt.Errorf("%s: %w", r.name, err)
			}
			if best == 0 || d < best {
				best, rows, bytes = d, n, by
			}
		}
		rs, gs := throughput(rows, bytes, best)
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.name, fmtSecs(best), rs, gs)
	}
	b.WriteString("\n")
	return b.String(), nil
}

func ternScan(ctx context.Context, path string) (rows, bytes int64, err error) {
	sc, err := files.InferSchema(ctx, path, files.Parquet)
	if err != nil {
		return 0, 0, err
	}
	op, err := files.NewScan(files.ScanOptions{Env: exec.Env{Alloc: memory.DefaultAllocator}, Format: files.Parquet, Paths: []string{path}, Schema: sc})
	if err != nil {
		return 0, 0, err
	}
	defer op.Close()
	if err := op.Open(ctx); err != nil {
		return 0, 0, err
	}
	for {
		rec, err := op.Next(ctx)
		if errors.Is(err, io.EOF) {
			return rows, bytes, nil
		}
		if err != nil {
			return rows, bytes, err
		}
		rows += rec.NumRows()
		bytes += logicalBytes(rec)
		rec.Release()
	}
}

func pqarrowScan(ctx context.Context, path string, parallel bool, batch int64) (rows, bytes int64, err error) {
	pr, err := file.OpenParquetFile(path, false)
	if err != nil {
		return 0, 0, err
	}
	defer pr.Close()
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{Parallel: parallel, BatchSize: batch}, memory.DefaultAllocator)
	if err != nil {
		return 0, 0, err
	}
	rr, err := fr.GetRecordReader(ctx, nil, nil)
	if err != nil {
		return 0, 0, err
	}
	defer rr.Release()
	for rr.Next() {
		rec := rr.RecordBatch()
		rows += rec.NumRows()
		bytes += logicalBytes(rec)
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return rows, bytes, err
	}
	return rows, bytes, nil
}
