package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/tern-db/tern/flightnodes/exec"
	"github.com/tern-db/tern/proto/errs"
)

// streamOperator opens op and streams its batches as Flight chunks. The producer goroutine is
// owned by the stream: it stops when ctx ends (client gone, cancel) or op is exhausted, and it
// always closes op, so the operator's memory is released in every case.
func streamOperator(ctx context.Context, op exec.Operator) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	if err := op.Open(ctx); err != nil {
		op.Close()
		return nil, nil, err
	}
	ch := make(chan flight.StreamChunk, 2)
	go func() {
		defer close(ch)
		defer op.Close()
		defer func() {
			if r := recover(); r != nil {
				sendErr(ctx, ch, fmt.Errorf("%w: panic while executing: %v", errs.ErrInternal, r))
			}
		}()
		for {
			b, err := op.Next(ctx)
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				sendErr(ctx, ch, err)
				return
			}
			select {
			case ch <- flight.StreamChunk{Data: b}:
			case <-ctx.Done():
				b.Release()
				return
			}
		}
	}()
	return op.Schema(), ch, nil
}

func sendErr(ctx context.Context, ch chan<- flight.StreamChunk, err error) {
	select {
	case ch <- flight.StreamChunk{Err: errs.ToStatus(err)}:
	case <-ctx.Done():
	}
}

// drain runs op to the end, handing each batch to fn (which must not keep it), and returns
// the row count.
func drain(ctx context.Context, op exec.Operator, fn func(arrow.RecordBatch) error) (int64, error) {
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
