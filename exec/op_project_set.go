package exec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/proto/errs"
)

// SetFunc is a set-returning function's implementation (generate_series, ...): Start begins
// the set one input row's arguments produce.
type SetFunc interface {
	Start(args []arrow.Array, row int) (SetIter, error)
}

// SetIter walks one set: More reports whether an element is left, Append appends it to b
// (a builder of the call's output type) and moves on.
type SetIter interface {
	More() bool
	Append(b array.Builder)
}

// SetCall is one set-returning function over input columns.
type SetCall struct {
	Fn   SetFunc
	Args []int
	Out  arrow.DataType
	Name string
}

// projectSet evaluates set-returning functions per input row with PostgreSQL 10's ProjectSet
// rules: the calls of one row run in lockstep, the row repeats once per element of its
// longest set and shorter sets are padded with NULLs; a row whose sets are all empty yields
// nothing. Sets stream: an iterator is kept across batches, so a long series never
// materialises. Output: the input columns, one column per call, then the element's ordinal
// (bigint, from 1) with ordinality.
type projectSet struct {
	env        Env
	input      Operator
	calls      []SetCall
	ordinality bool
	schema     *arrow.Schema

	cur   arrow.RecordBatch
	row   int
	iters []SetIter // of row; nil before it starts
	ord   int64
	eof   bool
	Lifecycle
	stats OperatorStats
}

var _ Operator = (*projectSet)(nil)

// NewProjectSet evaluates calls over input.
func NewProjectSet(env Env, input Operator, calls []SetCall, ordinality bool) (Operator, error) {
	if env.Alloc == nil {
		env.Alloc = memory.DefaultAllocator
	}
	s := input.Schema()
	fields := append([]arrow.Field(nil), s.Fields()...)
	if len(calls) == 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "project set without functions")
	}
	for _, c := range calls {
		if c.Fn == nil || c.Out == nil {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "set-returning function %q without implementation or type", c.Name)
		}
		for _, a := range c.Args {
			if a < 0 || a >= s.NumFields() {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "set-returning function argument %d out of range", a)
			}
		}
		fields = append(fields, arrow.Field{Name: c.Name, Type: c.Out, Nullable: true})
	}
	if ordinality {
		fields = append(fields, arrow.Field{Name: "ordinality", Type: arrow.PrimitiveTypes.Int64})
	}
	return &projectSet{env: env, input: input, calls: calls, ordinality: ordinality, schema: arrow.NewSchema(fields, nil)}, nil
}

func (p *projectSet) Schema() *arrow.Schema { return p.schema }
func (p *projectSet) Stats() OperatorStats  { return p.stats }
func (p *projectSet) Describe() string      { return "ProjectSet" }
func (p *projectSet) Inputs() []Operator    { return []Operator{p.input} }

func (p *projectSet) Open(ctx context.Context) error { return p.OpenOnce(ctx, p.open) }

func (p *projectSet) open(ctx context.Context) error { return p.input.Open(ctx) }

func (p *projectSet) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := p.BeforeNext(ctx, p.open); err != nil {
		return nil, err
	}
	size := p.env.Size()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if p.cur == nil {
			if p.eof {
				return nil, io.EOF
			}
			b, err := p.input.Next(ctx)
			if err == io.EOF {
				p.eof = true
				return nil, io.EOF
			}
			if err != nil {
				return nil, err
			}
			if b.NumRows() == 0 {
				b.Release()
				continue
			}
			p.cur, p.row, p.iters = b, 0, nil
		}
		rec, err := p.fill(size)
		if err != nil || rec != nil {
			return rec, err
		}
	}
}

// fill emits up to size rows from the current input batch; nil when the batch ended without
// a row to emit (then the next batch is read).
func (p *projectSet) fill(size int) (arrow.RecordBatch, error) {
	mem := p.env.Alloc
	bs := make([]array.Builder, len(p.calls))
	for i, c := range p.calls {
		bs[i] = array.NewBuilder(mem, c.Out)
	}
	defer func() {
		for _, b := range bs {
			b.Release()
		}
	}()
	var ords []int64
	var idx []int32
	cols := p.cur.Columns()
	n := int(p.cur.NumRows())
	args := make([]arrow.Array, 0, 4)
	for len(idx) < size && p.row < n {
		if p.iters == nil {
			p.iters = make([]SetIter, len(p.calls))
			for i, c := range p.calls {
				args = args[:0]
				for _, a := range c.Args {
					args = append(args, cols[a])
				}
				it, err := c.Fn.Start(args, p.row)
				if err != nil {
					return nil, err
				}
				p.iters[i] = it
			}
			p.ord = 0
		}
		any := false
		for _, it := range p.iters {
			if it.More() {
				any = true
				break
			}
		}
		if !any {
			p.row++
			p.iters = nil
			continue
		}
		for i, it := range p.iters {
			if it.More() {
				it.Append(bs[i])
			} else {
				bs[i].AppendNull()
			}
		}
		p.ord++
		ords = append(ords, p.ord)
		idx = append(idx, int32(p.row))
	}
	cur := p.cur
	if p.row >= n {
		p.cur = nil
		defer cur.Release()
	}
	if len(idx) == 0 {
		return nil, nil
	}
	out, err := gatherColumns(mem, cols, idx, make([]arrow.Array, 0, p.schema.NumFields()))
	if err != nil {
		return nil, err
	}
	for _, b := range bs {
		out = append(out, b.NewArray())
	}
	if p.ordinality {
		ob := array.NewInt64Builder(mem)
		ob.AppendValues(ords, nil)
		out = append(out, ob.NewArray())
		ob.Release()
	}
	rec := array.NewRecordBatch(p.schema, out, int64(len(idx)))
	releaseArrays(out)
	p.stats.Rows += int64(len(idx))
	p.stats.Batches++
	return rec, nil
}

func (p *projectSet) Close() error { return p.CloseOnce(p.release) }

func (p *projectSet) release() error {
	if p.cur != nil {
		p.cur.Release()
		p.cur = nil
	}
	return p.input.Close()
}
