package exec

import (
	"context"
	"errors"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

// ForEachBatch opens op, runs it to the end handing each batch to fn (which must not keep
// it: the batch is released after fn returns), closes op and returns the row count. It stops
// at fn's first error. The gateway and the coordinator run whole plans through it; Drain
// (op_source.go) instead keeps the batches.
func ForEachBatch(ctx context.Context, op Operator, fn func(arrow.RecordBatch) error) (int64, error) {
	defer op.Close()
	if err := op.Open(ctx); err != nil {
		return 0, err
	}
	var n int64
	for {
		b, err := op.Next(ctx)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n += b.NumRows()
		err = fn(b)
		b.Release()
		if err != nil {
			return n, err
		}
	}
}
