package gateway

import (
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/proto/errs"
)

// A batch is stamped with the promised schema (zero-copy); a null in a column promised NOT
// NULL, or a column of another type, is an Internal error and never reaches the client.
func TestConformStampsPromisedSchema(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	batch := func(valid bool) arrow.RecordBatch {
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.AppendValues([]int64{1, 2}, []bool{true, valid})
		col := b.NewArray()
		defer col.Release()
		sc := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
		return array.NewRecordBatch(sc, []arrow.Array{col}, 2)
	}
	notNull := arrow.NewSchema([]arrow.Field{{Name: "count", Type: arrow.PrimitiveTypes.Int64}}, nil)

	out, err := conform(notNull, batch(true))
	if err != nil {
		t.Fatal(err)
	}
	if !out.Schema().Equal(notNull) {
		t.Errorf("stamped schema %v, want %v", out.Schema(), notNull)
	}
	out.Release()

	if _, err := conform(notNull, batch(false)); !errors.Is(err, errs.ErrInternal) {
		t.Errorf("null in a NOT NULL column: %v, want an Internal error", err)
	}
	other := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int32, Nullable: true}}, nil)
	if _, err := conform(other, batch(true)); !errors.Is(err, errs.ErrInternal) {
		t.Errorf("type mismatch: %v, want an Internal error", err)
	}
}
