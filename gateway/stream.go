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
// owned by the stream: it stops when the query's context ends (client gone, CancelFlightInfo,
// deadline) or op is exhausted, and it always closes op, so the operator's memory is released
// in every case. streamCtx is the RPC's context (where errors are still delivered while the
// client listens); queryCtx is the query's, derived from it; done runs when the producer ends.
// The channel holds at most two batches, so a slow reader holds the producer back (gRPC flow
// control reaches the operators): server memory stays bounded whatever the result's size.
func streamOperator(streamCtx, queryCtx context.Context, op exec.Operator, done func()) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	if err := op.Open(queryCtx); err != nil {
		op.Close()
		done()
		return nil, nil, queryErr(queryCtx, err)
	}
	ch := make(chan flight.StreamChunk, 2)
	go func() {
		defer close(ch)
		defer done()
		defer op.Close()
		defer func() {
			if r := recover(); r != nil {
				sendErr(streamCtx, ch, fmt.Errorf("%w: panic while executing: %v", errs.ErrInternal, r))
			}
		}()
		for {
			b, err := op.Next(queryCtx)
			if errors.Is(err, io.EOF) {
				if err := queryCtx.Err(); err != nil {
					sendErr(streamCtx, ch, queryErr(queryCtx, err))
				}
				return
			}
			if err != nil {
				sendErr(streamCtx, ch, queryErr(queryCtx, err))
				return
			}
			select {
			case ch <- flight.StreamChunk{Data: b}:
			case <-queryCtx.Done():
				b.Release()
				sendErr(streamCtx, ch, queryErr(queryCtx, queryCtx.Err()))
				return
			}
		}
	}()
	return op.Schema(), ch, nil
}

// queryErr reports why a query stopped: the cause of its context's end when it ended (e.g.
// "query cancelled"), else err.
func queryErr(queryCtx context.Context, err error) error {
	if queryCtx.Err() != nil {
		if c := context.Cause(queryCtx); c != nil {
			return c
		}
	}
	return err
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
