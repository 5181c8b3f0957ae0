package exec_test

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
)

// closeSpy records whether Close was called.
type closeSpy struct {
	exec.Operator
	closed bool
}

func (c *closeSpy) Close() error { c.closed = true; return c.Operator.Close() }

// ForEachBatch counts every row, hands fn each batch, stops at fn's error and always closes op
// (the checked allocator fails the test if a batch is left unreleased).
func TestForEachBatch(t *testing.T) {
	mem := exectest.Alloc(t)
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rec := exectest.Record(t, mem, schema, `[{"a":1},{"a":2},{"a":3},{"a":4},{"a":5}]`)
	defer rec.Release()
	ctx := context.Background()

	op := &closeSpy{Operator: exectest.SourceOf(rec, 2)}
	calls := 0
	n, err := exec.ForEachBatch(ctx, op, func(b arrow.RecordBatch) error { calls++; return nil })
	if err != nil || n != 5 || calls != 3 || !op.closed {
		t.Fatalf("ForEachBatch: n=%d calls=%d closed=%v err=%v", n, calls, op.closed, err)
	}

	stop := errors.New("stop")
	op = &closeSpy{Operator: exectest.SourceOf(rec, 2)}
	calls = 0
	n, err = exec.ForEachBatch(ctx, op, func(b arrow.RecordBatch) error { calls++; return stop })
	if !errors.Is(err, stop) || n != 2 || calls != 1 || !op.closed {
		t.Fatalf("ForEachBatch with a failing fn: n=%d calls=%d closed=%v err=%v", n, calls, op.closed, err)
	}
}
