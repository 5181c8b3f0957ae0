// Package exectest holds helpers for operator tests: building batches from JSON, slicing them
// into the batch sizes every operator test runs with (1, 7, 1024), and draining operators
// under a checked allocator.
package exectest

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/exec"
)

// BatchSizes are the sizes every operator test is run with.
var BatchSizes = []int{1, 7, 1024}

// Alloc returns a checked allocator that fails t if any bytes are left when the test ends.
func Alloc(t testing.TB) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// Record builds one batch from a JSON array of row objects, e.g. `[{"a":1,"b":null}]`.
func Record(t testing.TB, mem memory.Allocator, schema *arrow.Schema, rowsJSON string) arrow.RecordBatch {
	t.Helper()
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(rowsJSON))
	if err != nil {
		t.Fatalf("exectest.Record: %v", err)
	}
	return rec
}

// Slice cuts rec into batches of at most size rows (each retained separately).
func Slice(rec arrow.RecordBatch, size int) []arrow.RecordBatch {
	var out []arrow.RecordBatch
	for off := int64(0); off < rec.NumRows(); off += int64(size) {
		end := off + int64(size)
		if end > rec.NumRows() {
			end = rec.NumRows()
		}
		out = append(out, rec.NewSlice(off, end))
	}
	return out
}

// SourceOf returns a Source streaming rec in batches of size rows.
func SourceOf(rec arrow.RecordBatch, size int) exec.Operator {
	parts := Slice(rec, size)
	src := exec.NewSource(rec.Schema(), parts...)
	for _, p := range parts {
		p.Release()
	}
	return src
}

// Rows drains op and renders every row as a string "v1|v2|..." (NULL for nulls), in order.
func Rows(t testing.TB, op exec.Operator) []string {
	t.Helper()
	batches, err := exec.Drain(context.Background(), op)
	if err != nil {
		t.Fatalf("drain: %v", err)
	}
	var out []string
	for _, b := range batches {
		for r := 0; r < int(b.NumRows()); r++ {
			var sb strings.Builder
			for c := 0; c < int(b.NumCols()); c++ {
				if c > 0 {
					sb.WriteByte('|')
				}
				col := b.Column(c)
				if col.IsNull(r) {
					sb.WriteString("NULL")
				} else {
					sb.WriteString(col.ValueStr(r))
				}
			}
			out = append(out, sb.String())
		}
		b.Release()
	}
	return out
}
