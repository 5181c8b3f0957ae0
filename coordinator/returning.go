package coordinator

import (
	"bytes"
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/tern-db/tern/proto/errs"
)

// returning.go: the rows of INSERT/UPDATE/DELETE/MERGE ... RETURNING (planner/returning.go).
// The write runs once, through execUpdate like every write; ExecuteReturning collects the
// returned rows as an Arrow IPC stream (the gateway carries it in the signed ticket, so any
// gateway can serve the DoGet and nothing is held in memory between the two calls),
// ExecuteUpdate discards them. The rows are bounded (maxReturningBytes): RETURNING is for
// keys and a few columns of the rows written, not for bulk results.

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
