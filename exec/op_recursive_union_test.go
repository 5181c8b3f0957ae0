package exec_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
)

var recSchema = arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)

// stepOp is a recursive term for tests: each non-NULL n of its input below limit (limit < 0:
// no limit) becomes step(n); NULLs stay NULL.
type stepOp struct {
	in    exec.Operator
	mem   memory.Allocator
	limit int64
	step  func(int64) int64
}

func (s *stepOp) Schema() *arrow.Schema          { return recSchema }
func (s *stepOp) Open(ctx context.Context) error { return s.in.Open(ctx) }
func (s *stepOp) Close() error                   { return s.in.Close() }
func (s *stepOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	b, err := s.in.Next(ctx)
	if err != nil {
		return nil, err
	}
	defer b.Release()
	col := b.Column(0).(*array.Int64)
	bld := array.NewInt64Builder(s.mem)
	defer bld.Release()
	for i := 0; i < col.Len(); i++ {
		switch v := col.Value(i); {
		case col.IsNull(i):
			bld.AppendNull()
		case s.limit < 0 || v < s.limit:
			bld.Append(s.step(v))
		}
	}
	arr := bld.NewArray()
	defer arr.Release()
	return array.NewRecordBatch(recSchema, []arrow.Array{arr}, int64(arr.Len())), nil
}

func stepTerm(mem memory.Allocator, limit int64, step func(int64) int64) exec.RecursiveTerm {
	return func(_ context.Context, work []arrow.RecordBatch) (exec.Operator, error) {
		return &stepOp{in: exec.NewSource(recSchema, work...), mem: mem, limit: limit, step: step}, nil
	}
}

func recursiveUnion(t *testing.T, mem memory.Allocator, anchor string, term exec.RecursiveTerm, distinct bool) exec.Operator {
	t.Helper()
	rec := exectest.Record(t, mem, recSchema, anchor)
	defer rec.Release()
	op, err := exec.NewRecursiveUnion(exec.Env{Alloc: mem, BatchSize: 2}, exectest.SourceOf(rec, 2), term, distinct)
	if err != nil {
		t.Fatal(err)
	}
	return op
}

func TestRecursiveUnionAll(t *testing.T) {
	mem := exectest.Alloc(t)
	op := recursiveUnion(t, mem, `[{"n":1},{"n":5}]`, stepTerm(mem, 4, func(v int64) int64 { return v + 1 }), false)
	got := exectest.Rows(t, op)
	want := []string{"1", "5", "2", "3", "4"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// UNION drops rows seen in any earlier iteration (and repeated ones of the anchor, NULLs
// equal), so a cycle ends the recursion.
func TestRecursiveUnionDistinctEndsCycles(t *testing.T) {
	mem := exectest.Alloc(t)
	op := recursiveUnion(t, mem, `[{"n":1},{"n":1},{"n":null},{"n":null}]`, stepTerm(mem, -1, func(v int64) int64 { return v%3 + 1 }), true)
	got := exectest.Rows(t, op)
	want := []string{"1", "NULL", "2", "3"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestRecursiveUnionEmptyAnchor(t *testing.T) {
	mem := exectest.Alloc(t)
	calls := 0
	term := func(context.Context, []arrow.RecordBatch) (exec.Operator, error) {
		calls++
		return exec.NewSource(recSchema), nil
	}
	op := recursiveUnion(t, mem, `[]`, term, false)
	if got := exectest.Rows(t, op); len(got) != 0 || calls != 0 {
		t.Fatalf("rows %v, term built %d times; want none and 0", got, calls)
	}
}

// An endless recursion (UNION ALL over a growing counter) stops with its context, whether
// the query's deadline passes or the client cancels, and frees every buffer on Close.
func TestRecursiveUnionEndlessStopsWithContext(t *testing.T) {
	for _, how := range []string{"deadline", "cancel"} {
		t.Run(how, func(t *testing.T) {
			mem := exectest.Alloc(t)
			op := recursiveUnion(t, mem, `[{"n":1}]`, stepTerm(mem, -1, func(v int64) int64 { return v + 1 }), false)
			var ctx context.Context
			var cancel context.CancelFunc
			if how == "deadline" {
				ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
			} else {
				ctx, cancel = context.WithCancel(context.Background())
			}
			defer cancel()
			if err := op.Open(ctx); err != nil {
				t.Fatal(err)
			}
			rows := 0
			start := time.Now()
			var err error
			for {
				var b arrow.RecordBatch
				b, err = op.Next(ctx)
				if err != nil {
					break
				}
				rows += int(b.NumRows())
				b.Release()
				if how == "cancel" && rows == 1000 {
					cancel()
				}
				if time.Since(start) > 10*time.Second {
					t.Fatal("the recursion did not stop")
				}
			}
			want := context.DeadlineExceeded
			if how == "cancel" {
				want = context.Canceled
			}
			if !errors.Is(err, want) {
				t.Fatalf("Next ended with %v, want %v", err, want)
			}
			if rows < 1000 {
				t.Errorf("only %d rows before the stop", rows)
			}
			if mem.CurrentAlloc() == 0 {
				t.Error("nothing held while running: the test proves nothing")
			}
			if err := op.Close(); err != nil {
				t.Fatal(err)
			}
			if mem.CurrentAlloc() != 0 {
				t.Fatalf("%d bytes held after Close", mem.CurrentAlloc())
			}
		})
	}
}

func TestRecursiveUnionTermErrorAndTypes(t *testing.T) {
	mem := exectest.Alloc(t)
	boom := errors.New("boom")
	op := recursiveUnion(t, mem, `[{"n":1}]`, func(context.Context, []arrow.RecordBatch) (exec.Operator, error) { return nil, boom }, false)
	defer op.Close()
	b, err := op.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b.Release()
	if _, err := op.Next(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("got %v, want the term's error", err)
	}
	if _, err := exec.NewRecursiveUnion(exec.Env{}, nil, nil, false); err == nil {
		t.Fatal("a union without inputs was accepted")
	}
}

func init() {
	lifecycleOps = append(lifecycleOps, struct {
		name   string
		inputs int
		build  func(env exec.Env, in []exec.Operator) (exec.Operator, error)
	}{"RecursiveUnion", 1, func(env exec.Env, in []exec.Operator) (exec.Operator, error) {
		term := func(context.Context, []arrow.RecordBatch) (exec.Operator, error) {
			return exec.NewSource(in[0].Schema()), nil
		}
		return exec.NewRecursiveUnion(env, in[0], term, true)
	}})
}
