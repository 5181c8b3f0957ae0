package exec_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
)

// countingOp counts how many batches were pulled from it.
type countingOp struct {
	exec.Operator
	pulls int
}

func (c *countingOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	c.pulls++
	return c.Operator.Next(ctx)
}

func TestLimit(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, {Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	const n = 100
	for _, size := range exectest.BatchSizes {
		for _, tc := range []struct{ offset, count int64 }{
			{0, -1}, {0, 0}, {0, 1}, {0, 10}, {5, 10}, {7, 7}, {99, 5}, {100, 5}, {150, 1}, {0, 100}, {0, 1000}, {13, -1},
		} {
			t.Run(fmt.Sprintf("size%d/off%d/count%d", size, tc.offset, tc.count), func(t *testing.T) {
				mem := exectest.Alloc(t)
				rec := randRecord(mem, schema, n, []int{50, 50}, 0.2, rand.New(rand.NewPCG(1, 1)))
				defer rec.Release()
				src := &countingOp{Operator: exectest.SourceOf(rec, size)}
				op, err := exec.NewLimit(exec.Env{Alloc: mem, BatchSize: size}, src, tc.offset, tc.count)
				if err != nil {
					t.Fatal(err)
				}
				var want []string
				for i := int64(0); i < n; i++ {
					if i >= tc.offset && (tc.count < 0 || i < tc.offset+tc.count) {
						want = append(want, rowOf(rec.Columns(), int(i)))
					}
				}
				diffRows(t, drainRows(t, op), want)
				// It must not pull beyond the batch holding the last row it needs.
				if tc.count >= 0 {
					need := tc.offset + tc.count
					maxPulls := int((need+int64(size)-1)/int64(size)) + 0
					if tc.count == 0 {
						maxPulls = 0
					}
					if need > n {
						maxPulls = (n+size-1)/size + 1
					}
					if src.pulls > maxPulls {
						t.Fatalf("pulled %d batches, want at most %d", src.pulls, maxPulls)
					}
				}
			})
		}
	}
}

func TestLimitLifecycle(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	mem := exectest.Alloc(t)
	rec := randRecord(mem, schema, 50, []int{10}, 0, rand.New(rand.NewPCG(1, 1)))
	defer rec.Release()
	op, _ := exec.NewLimit(exec.Env{Alloc: mem}, exectest.SourceOf(rec, 7), 3, 10)
	op.Close()
	op.Close()
	op, _ = exec.NewLimit(exec.Env{Alloc: mem}, exectest.SourceOf(rec, 7), 3, 10)
	pullOne(t, op)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	op, _ = exec.NewLimit(exec.Env{Alloc: mem}, exectest.SourceOf(rec, 7), 0, 10)
	if err := op.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := op.Next(ctx); err != context.Canceled {
		t.Fatalf("got %v", err)
	}
	op.Close()
	if _, err := op.Next(context.Background()); !errors.Is(err, exec.ErrClosed) {
		t.Fatalf("after close: %v, want exec.ErrClosed", err)
	}
}
