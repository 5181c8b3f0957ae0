package exec_test

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
)

// countedInput records how often an operator opens and closes its input.
type countedInput struct {
	exec.Operator
	opens, closes int
}

func (c *countedInput) Open(ctx context.Context) error { c.opens++; return c.Operator.Open(ctx) }
func (c *countedInput) Close() error                   { c.closes++; return c.Operator.Close() }

var lifeSchema = arrow.NewSchema([]arrow.Field{
	{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "b", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

// lifecycleOps builds one of every operator over inputs (the number each needs).
var lifecycleOps = []struct {
	name   string
	inputs int
	build  func(env exec.Env, in []exec.Operator) (exec.Operator, error)
}{
	{"Source", 0, nil},
	{"Filter", 1, func(env exec.Env, in []exec.Operator) (exec.Operator, error) {
		pred, err := exec.Compare("gt")([]exec.Expr{exec.NewColumnRef(0, arrow.PrimitiveTypes.Int64), exec.NewColumnRef(1, arrow.PrimitiveTypes.Int64)}, arrow.FixedWidthTypes.Boolean)
		if err != nil {
			return nil, err
		}
		return exec.NewFilter(env, in[0], pred)
	}},
	{"Project", 1, func(env exec.Env, in []exec.Operator) (exec.Operator, error) {
		return exec.NewProject(env, in[0], []exec.Expr{exec.NewColumnRef(1, arrow.PrimitiveTypes.Int64)}, nil)
	}},
	{"Expand", 1, func(env exec.Env, in []exec.Operator) (exec.Operator, error) {
		c := exec.NewColumnRef(0, arrow.PrimitiveTypes.Int64)
		return exec.NewExpand(env, in[0], [][]exec.Expr{{c}, {c}}, nil)
	}},
	{"HashAggregate", 1, func(env exec.Env, in []exec.Operator) (exec.Operator, error) {
		return exec.NewHashAggregate(env, in[0], []int{0}, []exec.AggSpec{{Func: exec.AggCountStar, Out: arrow.PrimitiveTypes.Int64, Name: "n"}})
	}},
	{"HashJoin", 2, func(env exec.Env, in []exec.Operator) (exec.Operator, error) {
		return exec.NewHashJoin(env, in[0], in[1], []int{0}, []int{0}, exec.JoinInner)
	}},
	{"NestedLoopJoin", 2, func(env exec.Env, in []exec.Operator) (exec.Operator, error) {
		return exec.NewNestedLoopJoin(env, in[0], in[1], exec.JoinLeft, nil)
	}},
	{"Limit", 1, func(env exec.Env, in []exec.Operator) (exec.Operator, error) {
		return exec.NewLimit(env, in[0], 1, 1)
	}},
	{"OnEmpty", 2, func(env exec.Env, in []exec.Operator) (exec.Operator, error) {
		return exec.NewOnEmpty(in[0], in[1])
	}},
	{"SetOp", 2, func(env exec.Env, in []exec.Operator) (exec.Operator, error) {
		return exec.NewSetOp(env, in, exec.IntersectAll)
	}},
	{"Sort", 1, func(env exec.Env, in []exec.Operator) (exec.Operator, error) {
		return exec.NewSort(env, in[0], []exec.SortKey{{Col: 1, Desc: true}})
	}},
	{"TopN", 1, func(env exec.Env, in []exec.Operator) (exec.Operator, error) {
		return exec.NewTopN(env, in[0], []exec.SortKey{{Col: 1}}, 0, 2)
	}},
	{"Window", 1, func(env exec.Env, in []exec.Operator) (exec.Operator, error) {
		return exec.NewWindow(env, in[0], []int{0}, []exec.SortKey{{Col: 1}},
			[]exec.WindowFunc{{Kind: exec.WinRowNumber, Out: arrow.PrimitiveTypes.Int64, Name: "rn"}})
	}},
}

// TestOperatorLifecycle holds every operator to the Operator contract's state rules: Close
// without Open releases everything and closes the inputs; Open is idempotent and opens each
// input once; Next opens an unopened operator; Close is idempotent; Open and Next after
// Close fail with ErrClosed. The checked allocator must be back to zero each time.
func TestOperatorLifecycle(t *testing.T) {
	ctx := context.Background()
	for _, tc := range lifecycleOps {
		t.Run(tc.name, func(t *testing.T) {
			build := func(mem memory.Allocator) (exec.Operator, []*countedInput) {
				rec := exectest.Record(t, mem, lifeSchema, `[{"a":1,"b":10},{"a":2,"b":1},{"a":2,"b":30},{"a":null,"b":null}]`)
				defer rec.Release()
				if tc.build == nil {
					return exectest.SourceOf(rec, 2), nil
				}
				var ins []*countedInput
				var ops []exec.Operator
				for range tc.inputs {
					c := &countedInput{Operator: exectest.SourceOf(rec, 2)}
					ins = append(ins, c)
					ops = append(ops, c)
				}
				op, err := tc.build(exec.Env{Alloc: mem, BatchSize: 2}, ops)
				if err != nil {
					t.Fatal(err)
				}
				return op, ins
			}
			t.Run("CloseWithoutOpen", func(t *testing.T) {
				mem := exectest.Alloc(t)
				op, ins := build(mem)
				if err := op.Close(); err != nil {
					t.Fatal(err)
				}
				for i, in := range ins {
					if in.opens != 0 || in.closes == 0 {
						t.Errorf("input %d: opened %d times, closed %d times; want 0 and at least 1", i, in.opens, in.closes)
					}
				}
				if mem.CurrentAlloc() != 0 {
					t.Errorf("%d bytes held after Close", mem.CurrentAlloc())
				}
				if _, err := op.Next(ctx); !errors.Is(err, exec.ErrClosed) {
					t.Errorf("Next after Close: %v, want ErrClosed", err)
				}
			})
			t.Run("OpenTwiceCloseTwice", func(t *testing.T) {
				mem := exectest.Alloc(t)
				op, ins := build(mem)
				defer op.Close() // a third Close, after the checks
				for range 2 {
					if err := op.Open(ctx); err != nil {
						t.Fatal(err)
					}
				}
				b, err := op.Next(ctx)
				if err != nil {
					t.Fatalf("first Next: %v", err)
				}
				b.Release()
				for i, in := range ins {
					if in.opens > 1 {
						t.Errorf("input %d opened %d times", i, in.opens)
					}
				}
				for range 2 {
					if err := op.Close(); err != nil {
						t.Fatalf("Close: %v", err)
					}
				}
				if mem.CurrentAlloc() != 0 {
					t.Errorf("%d bytes held after Close", mem.CurrentAlloc())
				}
				if _, err := op.Next(ctx); !errors.Is(err, exec.ErrClosed) {
					t.Errorf("Next after Close: %v, want ErrClosed", err)
				}
				if err := op.Open(ctx); !errors.Is(err, exec.ErrClosed) {
					t.Errorf("Open after Close: %v, want ErrClosed", err)
				}
			})
			t.Run("NextWithoutOpen", func(t *testing.T) {
				mem := exectest.Alloc(t)
				op, ins := build(mem)
				defer op.Close()
				b, err := op.Next(ctx)
				if err != nil {
					t.Fatalf("Next without Open: %v", err)
				}
				b.Release()
				for i, in := range ins {
					if in.opens > 1 {
						t.Errorf("input %d opened %d times", i, in.opens)
					}
				}
			})
			t.Run("Cancelled", func(t *testing.T) {
				mem := exectest.Alloc(t)
				op, _ := build(mem)
				defer op.Close()
				cctx, cancel := context.WithCancel(ctx)
				cancel()
				if _, err := op.Next(cctx); !errors.Is(err, context.Canceled) {
					t.Errorf("Next under a cancelled context: %v", err)
				}
			})
		})
	}
}
