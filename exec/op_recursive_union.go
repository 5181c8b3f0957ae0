package exec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tern-db/tern/proto/errs"
)

// RecursiveTerm builds the operator tree of a recursive term over one working table (the
// previous iteration's rows). It takes its own references to the batches it keeps.
type RecursiveTerm func(ctx context.Context, work []arrow.RecordBatch) (Operator, error)

// recursiveUnion is WITH RECURSIVE's fixpoint. It streams: the anchor's rows, then each
// iteration's, as they come. Every row output also goes into the next working table; when
// an input ends, the recursive term is built over that table and run, until an iteration
// outputs nothing. With distinct (UNION), a row seen before in any iteration (NULLs equal)
// is dropped, so a cycle in a graph ends the recursion instead of looping.
//
// Only one working table and one running term are held at a time, so a recursion that
// never ends (UNION ALL over a growing counter) holds bounded memory per iteration and stops
// when its context does (the client's cancel or the query's deadline): Next checks ctx
// between batches and iterations.
type recursiveUnion struct {
	env      Env
	anchor   Operator
	term     RecursiveTerm
	distinct bool
	schema   *arrow.Schema

	cur        Operator // running input: the anchor, then each iteration's term
	work       []arrow.RecordBatch
	table      *groupTable
	gids, sel  []int32
	iterations int64
	done       bool
	Lifecycle
	stats OperatorStats
}

var _ Operator = (*recursiveUnion)(nil)

// NewRecursiveUnion returns the fixpoint of anchor and term. schema is the output (the
// anchor's column types; the term must produce the same types).
func NewRecursiveUnion(env Env, anchor Operator, term RecursiveTerm, distinct bool) (Operator, error) {
	if env.Alloc == nil {
		env.Alloc = memory.DefaultAllocator
	}
	if anchor == nil || term == nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "recursive union needs an anchor and a recursive term")
	}
	fields := append([]arrow.Field(nil), anchor.Schema().Fields()...)
	for i := range fields {
		fields[i].Nullable = true
		if distinct && !keyKindOK(fields[i].Type) {
			return nil, errs.Errorf(errs.ErrNotSupported, "UNION in a recursive query on a column of type %s", fields[i].Type)
		}
	}
	return &recursiveUnion{env: env, anchor: anchor, term: term, distinct: distinct, schema: arrow.NewSchema(fields, nil)}, nil
}

func (o *recursiveUnion) Schema() *arrow.Schema { return o.schema }
func (o *recursiveUnion) Stats() OperatorStats  { return o.stats }
func (o *recursiveUnion) Describe() string {
	if o.distinct {
		return "RecursiveUnion"
	}
	return "RecursiveUnion[all]"
}
func (o *recursiveUnion) Inputs() []Operator { return []Operator{o.anchor} }

// Iterations is how many times the recursive term ran (for tests and profiles).
func (o *recursiveUnion) Iterations() int64 { return o.iterations }

func (o *recursiveUnion) Open(ctx context.Context) error { return o.OpenOnce(ctx, o.open) }

func (o *recursiveUnion) open(ctx context.Context) error {
	if err := o.anchor.Open(ctx); err != nil {
		return err
	}
	o.cur = o.anchor
	if o.distinct {
		types := make([]arrow.DataType, o.schema.NumFields())
		for i, f := range o.schema.Fields() {
			types[i] = f.Type
		}
		t, err := newGroupTable(o.env.Alloc, types)
		if err != nil {
			return err
		}
		o.table = t
	}
	return nil
}

func (o *recursiveUnion) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := o.BeforeNext(ctx, o.open); err != nil {
		return nil, err
	}
	for !o.done {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, err := o.cur.Next(ctx)
		if err == io.EOF {
			if err := o.nextIteration(ctx); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if b.NumRows() == 0 {
			b.Release()
			continue
		}
		if !sameColumnTypes(b.Schema(), o.schema) {
			b.Release()
			return nil, errs.Errorf(errs.ErrInternal, "recursive term produced %s, the union's columns are %s", b.Schema(), o.schema)
		}
		var out arrow.RecordBatch
		if o.distinct {
			out, err = o.newRows(b)
		} else {
			out = array.NewRecordBatch(o.schema, b.Columns(), b.NumRows())
		}
		b.Release()
		if err != nil {
			return nil, err
		}
		if out == nil {
			continue
		}
		out.Retain()
		o.work = append(o.work, out)
		o.stats.Rows += out.NumRows()
		o.stats.Batches++
		return out, nil
	}
	return nil, io.EOF
}

// nextIteration ends the running input and starts the recursive term over the rows it
// produced (or ends the union when there were none).
func (o *recursiveUnion) nextIteration(ctx context.Context) error {
	if o.cur != o.anchor {
		err := o.cur.Close()
		o.cur = nil
		if err != nil {
			return err
		}
	}
	if len(o.work) == 0 {
		o.done = true
		return nil
	}
	work := o.work
	o.work = nil
	op, err := o.term(ctx, work)
	for _, b := range work {
		b.Release()
	}
	if err != nil {
		return err
	}
	o.iterations++
	o.cur = op
	return op.Open(ctx)
}

// newRows keeps the rows of b not seen before (nil if none).
func (o *recursiveUnion) newRows(b arrow.RecordBatch) (arrow.RecordBatch, error) {
	n := int(b.NumRows())
	o.gids = resizeFill(o.gids, n, -1)
	o.sel = o.sel[:0]
	for i := 0; i < n; i++ {
		o.sel = append(o.sel, int32(i))
	}
	o.table.hashBatch(b.Columns(), n)
	o.table.find(o.sel, o.gids, true)
	rows := o.table.newRows
	if len(rows) == 0 {
		return nil, nil
	}
	if len(rows) == n {
		return array.NewRecordBatch(o.schema, b.Columns(), b.NumRows()), nil
	}
	cols, err := gatherColumns(o.env.Alloc, b.Columns(), rows, nil)
	if err != nil {
		return nil, err
	}
	out := array.NewRecordBatch(o.schema, cols, int64(len(rows)))
	releaseArrays(cols)
	return out, nil
}

func sameColumnTypes(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.Fields() {
		if !arrow.TypeEqual(a.Field(i).Type, b.Field(i).Type) {
			return false
		}
	}
	return true
}

func (o *recursiveUnion) Close() error { return o.CloseOnce(o.release) }

// release closes the running term and the anchor and frees the working table and the
// distinct rows (once, opened or not).
func (o *recursiveUnion) release() error {
	var first error
	if o.cur != nil && o.cur != o.anchor {
		first = o.cur.Close()
	}
	o.cur = nil
	if err := o.anchor.Close(); err != nil && first == nil {
		first = err
	}
	for _, b := range o.work {
		b.Release()
	}
	o.work = nil
	if o.table != nil {
		o.table.release()
		o.table = nil
	}
	return first
}
