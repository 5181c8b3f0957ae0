package exec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
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
func (f *Filter) Open(ctx context.Context) error { return f.input.Open(ctx) }
func (f *Filter) Close() error                   { return f.input.Close() }
func (f *Filter) Stats() OperatorStats           { return f.stats }

func (f *Filter) Next(ctx context.Context) (arrow.RecordBatch, error) {
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
func (f *Filter) apply(ctx context.Context, b arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	n := int(b.NumRows())
	if n == 0 {
		return nil, nil
	}
	mask, err := f.pred.Eval(ctx, b, mem)
	if err != nil {
		return nil, err
	}
	defer mask.Release()
	if mask.DataType().ID() != arrow.BOOL {
		return nil, nil // NULL predicate
	}
	bits, off := boolBits(mask)
	var kept int
	if mask.NullN() == 0 {
		kept = bitutil.CountSetBits(bits, off, n)
	} else if mask.NullN() < n {
		kept = countAnd(bits, mask.NullBitmapBytes(), off, n)
	}
	switch kept {
	case 0:
		return nil, nil
	case n:
		b.Retain()
		return b, nil
	}
	out, err := compute.FilterRecordBatch(compute.WithAllocator(ctx, mem), b, mask, compute.DefaultFilterOptions())
	if err != nil {
		return nil, err
	}
	return out, nil
}

// countAnd counts rows whose value and validity bits are both set.
func countAnd(values, valid []byte, off, n int) int {
	c := 0
	for i := 0; i < n; i++ {
		if bitutil.BitIsSet(values, off+i) && bitutil.BitIsSet(valid, off+i) {
			c++
		}
	}
	return c
}

var _ = io.EOF

// Describe names the operator for EXPLAIN ANALYZE.
func (f *Filter) Describe() string { return "Filter" }
