package exec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// collect drains op: it returns every non-empty batch op produces and their total row count.
// It honours ctx between batches; on error it releases what it read and returns none of it.
// The caller owns (and releases) the returned batches.
func collect(ctx context.Context, op Operator) ([]arrow.RecordBatch, int, error) {
	var batches []arrow.RecordBatch
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			releaseBatches(batches)
			return nil, 0, err
		}
		b, err := op.Next(ctx)
		if err == io.EOF {
			return batches, n, nil
		}
		if err != nil {
			releaseBatches(batches)
			return nil, 0, err
		}
		if b.NumRows() == 0 {
			b.Release()
			continue
		}
		batches = append(batches, b)
		n += int(b.NumRows())
	}
}

// concatBatches concatenates batches of schema s column by column: one array per field (a
// single batch's columns are shared, not copied; no batches give empty arrays). The caller
// releases the returned arrays; the batches stay the caller's.
func concatBatches(mem memory.Allocator, s *arrow.Schema, batches []arrow.RecordBatch) ([]arrow.Array, error) {
	cols := make([]arrow.Array, 0, s.NumFields())
	parts := make([]arrow.Array, len(batches))
	for c := 0; c < s.NumFields(); c++ {
		switch len(batches) {
		case 0:
			cols = append(cols, array.MakeArrayOfNull(mem, s.Field(c).Type, 0))
			continue
		case 1:
			a := batches[0].Column(c)
			a.Retain()
			cols = append(cols, a)
			continue
		}
		for i, b := range batches {
			parts[i] = b.Column(c)
		}
		a, err := array.Concatenate(parts, mem)
		if err != nil {
			releaseArrays(cols)
			return nil, err
		}
		cols = append(cols, a)
	}
	return cols, nil
}

// releaseBatches releases every batch of bs.
func releaseBatches(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}
