package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/tern-db/tern/proto/errs"
)

// returning.go: the rows of INSERT/UPDATE/DELETE/MERGE ... RETURNING (planner/returning.go).
// The write runs once, through execUpdate like every write, when the statement is planned
// (GetFlightInfo); the returned rows travel in the signed ticket as an Arrow IPC stream, so
// any gateway can serve the DoGet and nothing is held in memory between the two calls. The
// rows are bounded (maxReturningBytes): RETURNING is for keys and a few columns of the rows
// written, not for bulk results.

const maxReturningBytes = 2 << 20

// returned collects returned rows as an IPC stream.
type returned struct {
	schema *arrow.Schema
	buf    bytes.Buffer
	w      *ipc.Writer
	rows   int64
}

type returnedKey struct{}

func withReturned(ctx context.Context, r *returned) context.Context {
	return context.WithValue(ctx, returnedKey{}, r)
}

func returnedFrom(ctx context.Context) *returned {
	r, _ := ctx.Value(returnedKey{}).(*returned)
	return r
}

func newReturned(sc *arrow.Schema) *returned {
	r := &returned{schema: sc}
	r.w = ipc.NewWriter(&r.buf, ipc.WithSchema(sc))
	return r
}

func (r *returned) add(rec arrow.RecordBatch) error {
	if rec.NumRows() == 0 {
		return nil
	}
	if err := r.w.Write(rec); err != nil {
		return errs.Errorf(errs.ErrInternal, "RETURNING: %v", err)
	}
	r.rows += rec.NumRows()
	if r.buf.Len() > maxReturningBytes {
		return errs.Errorf(errs.ErrResourceExhausted,
			"RETURNING produced more than %d bytes; return fewer columns or rows (the statement was not applied)", maxReturningBytes)
	}
	return nil
}

func (r *returned) finish() ([]byte, error) {
	if err := r.w.Close(); err != nil {
		return nil, errs.Errorf(errs.ErrInternal, "RETURNING: %v", err)
	}
	return r.buf.Bytes(), nil
}

// splitReturning wraps sink for batches that carry width written columns followed by the
// RETURNING columns: sink gets the written columns (as schema), the context's collector (if
// any: ExecuteUpdate discards them) the rest.
func splitReturning(ret, schema *arrow.Schema, width int, sink func(context.Context, arrow.RecordBatch) error) func(context.Context, arrow.RecordBatch) error {
	if ret == nil {
		return sink
	}
	return func(ctx context.Context, b arrow.RecordBatch) error {
		if int(b.NumCols()) != width+ret.NumFields() {
			return errs.Errorf(errs.ErrInternal, "RETURNING query has %d columns, want %d", b.NumCols(), width+ret.NumFields())
		}
		if r := returnedFrom(ctx); r != nil {
			rec := array.NewRecordBatch(ret, b.Columns()[width:], b.NumRows())
			err := r.add(rec)
			rec.Release()
			if err != nil {
				return err
			}
		}
		rec := array.NewRecordBatch(schema, b.Columns()[:width], b.NumRows())
		defer rec.Release()
		return sink(ctx, rec)
	}
}

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
