package gateway

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/proto/errs"
)

// The schema a client is promised (FlightInfo, GetSchema, a prepared statement's dataset
// schema) comes from the planner; the batches come from the executor, which derives its own
// field nullability (conservatively: any computed column is nullable). Rather than keeping two
// computations in step, the gateway makes the promise the only source: each streamed batch is
// re-stamped with the promised schema (zero-copy, the columns are shared). What the stamp
// cannot paper over is checked: the column types must be identical (a difference is a planner
// or executor bug, reported as Internal rather than streamed), and a column promised NOT NULL
// must hold no null (the planner claimed more than it knew: an Internal error, never a lie).

// conformSchema checks that the executor's schema has the promised column types.
func conformSchema(promised, got *arrow.Schema) error {
	if promised.NumFields() != got.NumFields() {
		return errs.Errorf(errs.ErrInternal, "result has %d columns, %d were promised", got.NumFields(), promised.NumFields())
	}
	for i, f := range promised.Fields() {
		if g := got.Field(i).Type; !arrow.TypeEqual(f.Type, g) && !isStorageOf(f.Type, g) {
			return errs.Errorf(errs.ErrInternal, "result column %d (%s) has type %s, %s was promised", i+1, f.Name, g, f.Type)
		}
	}
	return nil
}

// conform returns b stamped with the promised schema, releasing b. It fails (and releases b)
// when a column's type differs or a column promised NOT NULL holds a null.
func conform(promised *arrow.Schema, b arrow.RecordBatch) (arrow.RecordBatch, error) {
	if b.Schema() == promised {
		return b, checkNotNull(promised, b)
	}
	if err := conformSchema(promised, b.Schema()); err != nil {
		b.Release()
		return nil, err
	}
	if err := checkNotNull(promised, b); err != nil {
		b.Release()
		return nil, err
	}
	cols, made := wrapExtensions(promised, b.Columns())
	out := array.NewRecordBatch(promised, cols, b.NumRows())
	for _, m := range made {
		m.Release()
	}
	b.Release()
	return out, nil
}

func checkNotNull(promised *arrow.Schema, b arrow.RecordBatch) error {
	for i, f := range promised.Fields() {
		if !f.Nullable && b.Column(i).NullN() > 0 {
			return errs.Errorf(errs.ErrInternal, "result column %d (%s) was promised NOT NULL but holds a null", i+1, f.Name)
		}
	}
	return nil
}

// promisedSchema decodes the schema a ticket carries (nil when it carries none).
func promisedSchema(raw []byte, alloc memory.Allocator) (*arrow.Schema, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	sc, err := flight.DeserializeSchema(raw, alloc)
	if err != nil {
		return nil, fmt.Errorf("%w: ticket schema: %v", errs.ErrInternal, err)
	}
	return sc, nil
}
