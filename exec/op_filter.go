package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Filter passes the rows of its input for which a boolean predicate is TRUE (NULL and FALSE
// rows are dropped). Batches left empty are skipped; batches that pass whole are forwarded
// without copying.
type Filter struct {
	env   Env
	input Operator
	pred  Expr
	stats OperatorStats
	Lifecycle
}

var _ Operator = (*Filter)(nil)

// NewFilter returns a filter of input by pred, a boolean expression over input's columns.
func NewFilter(env Env, input Operator, pred Expr) (*Filter, error) {
	if id := pred.Type().ID(); id != arrow.BOOL && id != arrow.NULL {
		return nil, invalidf("argument of WHERE must be type boolean, not type %s", pred.Type())
	}
	return &Filter{env: env, input: input, pred: pred}, nil
}

func allocOf(env Env) memory.Allocator {
	if env.Alloc == nil {
		return memory.DefaultAllocator
	}
	return env.Alloc
}

func (f *Filter) Schema() *arrow.Schema          { return f.input.Schema() }
func (f *Filter) Open(ctx context.Context) error { return f.OpenOnce(ctx, f.input.Open) }
func (f *Filter) Close() error                   { return f.CloseOnce(f.input.Close) }
func (f *Filter) Stats() OperatorStats           { return f.stats }

func (f *Filter) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := f.BeforeNext(ctx, f.input.Open); err != nil {
		return nil, err
	}
	mem := allocOf(f.env)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, err := f.input.Next(ctx)
		if err != nil {
			return nil, err
		}
		out, err := f.apply(ctx, b, mem)
		b.Release()
		if err != nil {
			return nil, err
		}
		if out == nil {
			continue
		}
		f.stats.Rows += out.NumRows()
		f.stats.Batches++
		return out, nil
	}
}

// apply returns the kept rows of b (a new reference) or nil when none are kept.
//
// A top-level AND is evaluated one conjunct at a time (filtering drops FALSE and NULL alike,
// so this is the same as the Kleene AND): the selection is kept as a bitmap and, once fewer
// than half of the current rows remain, the batch is narrowed to them so that later conjuncts
// only see surviving rows. Rows are copied with the typed gather of rows_gather.go.
func (f *Filter) apply(ctx context.Context, b arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	n := int(b.NumRows())
	if n == 0 {
		return nil, nil
	}
	conjs := []Expr{f.pred}
	if c, ok := f.pred.(*Call); ok && c.Name() == "and" {
		conjs = c.Args()
	}
	cur := b
	cur.Retain()
	defer func() { cur.Release() }()
	var sel []byte // rows of cur still selected (nil: all)
	kept := n
	for _, e := range conjs {
		cn := int(cur.NumRows())
		mask, err := e.Eval(ctx, cur, mem)
		if err != nil {
			return nil, err
		}
		if mask.DataType().ID() != arrow.BOOL {
			mask.Release()
			return nil, nil // NULL predicate
		}
		bits := selectedBits(mask) // TRUE and not NULL, offset 0
		mask.Release()
		if sel != nil {
			for i := range bits {
				bits[i] &= sel[i]
			}
		}
		sel = bits
		kept = bitutil.CountSetBits(sel, 0, cn)
		if kept == 0 {
			return nil, nil
		}
		if kept == cn {
			sel = nil
			continue
		}
		if kept < cn/2 {
			next, err := gatherSelected(cur, sel, kept, mem)
			if err != nil {
				return nil, err
			}
			cur.Release()
			cur, sel = next, nil
		}
	}
	if sel == nil {
		cur.Retain()
		return cur, nil
	}
	return gatherSelected(cur, sel, kept, mem)
}

// gatherSelected copies the rows of b whose bit is set in sel (kept of them).
func gatherSelected(b arrow.RecordBatch, sel []byte, kept int, mem memory.Allocator) (arrow.RecordBatch, error) {
	idx := make([]int32, 0, kept)
	n := int(b.NumRows())
	for i := 0; i < n; i++ {
		if sel[i>>3]&(1<<(i&7)) != 0 {
			idx = append(idx, int32(i))
		}
	}
	cols, err := gatherColumns(mem, b.Columns(), idx, make([]arrow.Array, 0, b.NumCols()))
	if err != nil {
		return nil, err
	}
	out := array.NewRecordBatch(b.Schema(), cols, int64(kept))
	releaseArrays(cols)
	return out, nil
}

// Describe names the operator for EXPLAIN ANALYZE.
func (f *Filter) Describe() string { return "Filter" }
