package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/tern-db/tern/proto/errs"
)

// returning.go: the rows of a write with RETURNING are collected by the coordinator when the
// statement is planned (GetFlightInfo: coordinator.ExecuteReturning) and travel in the signed
// ticket as an Arrow IPC stream, so any gateway can serve the DoGet and nothing is held in
// memory between the two calls.

// streamReturned streams the IPC rows a ticket carries.
func (s *Server) streamReturned(ctx context.Context, data []byte) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	rdr, err := ipc.NewReader(bytes.NewReader(data), ipc.WithAllocator(s.alloc))
	if err != nil {
		return nil, nil, errs.Errorf(errs.ErrInvalidArgument, "ticket rows: %v", err)
	}
	sc := rdr.Schema()
	ch := make(chan flight.StreamChunk, 1)
	go func() {
		defer close(ch)
		defer rdr.Release()
		for rdr.Next() {
			rec := rdr.RecordBatch()
			rec.Retain()
			select {
			case ch <- flight.StreamChunk{Data: rec}:
			case <-ctx.Done(): // the client went away: nobody reads ch any more
				rec.Release()
				return
			}
		}
		if err := rdr.Err(); err != nil && !errors.Is(err, io.EOF) {
			sendErr(ctx, ch, err)
		}
	}()
	return sc, ch, nil
}
