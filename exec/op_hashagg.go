package exec

import (
	"context"
	"io"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/proto/errs"
)

// hashAggregate groups rows through a groupTable (dense group ids in order of first
// appearance) and keeps each aggregate's state in typed slices indexed by group id. It reads
// its whole input on the first Next, then emits groups in batches of env.Size() rows.
type hashAggregate struct {
	env       Env
	input     Operator
	groupCols []int
	aggs      []AggSpec
	schema    *arrow.Schema

	table    *groupTable // nil without group columns
	funcs    []aggFunc
	distinct []*groupTable // per aggregate; nil unless DISTINCT
	ngroups  int
	gids     []int32
	dgids    []int32
	sel      []int32
	dscratch []int32

	Lifecycle
	consumed bool
	pos      int
	stats    OperatorStats
}

var _ Operator = (*hashAggregate)(nil)

// NewHashAggregate groups input by the columns groupCols and computes aggs. Output: the group
// columns (same types, in order) then one column per AggSpec. With no group columns it emits
// exactly one row, even for empty input (COUNT 0, others NULL). NULL group keys form one group.
func NewHashAggregate(env Env, input Operator, groupCols []int, aggs []AggSpec) (Operator, error) {
	if env.Alloc == nil {
		env.Alloc = memory.DefaultAllocator
	}
	in := input.Schema()
	var fields []arrow.Field
	for _, c := range groupCols {
		if c < 0 || c >= in.NumFields() {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "hash aggregate: group column %d out of range", c)
		}
		f := in.Field(c)
		if !keyKindOK(f.Type) {
			return nil, errs.Errorf(errs.ErrNotSupported, "group key of type %s", f.Type)
		}
		fields = append(fields, arrow.Field{Name: f.Name, Type: f.Type, Nullable: f.Nullable, Metadata: f.Metadata})
	}
	for _, a := range aggs {
		if a.Func != AggCountStar && (a.Arg < 0 || a.Arg >= in.NumFields()) {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "hash aggregate: argument column %d out of range", a.Arg)
		}
		if a.Func == AggStringAgg && (a.Arg2 < 0 || a.Arg2 >= in.NumFields()) {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "hash aggregate: delimiter column %d out of range", a.Arg2)
		}
		if a.Out == nil {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "hash aggregate: %q has no output type", a.Name)
		}
		if a.Filter && (a.FilterCol < 0 || a.FilterCol >= in.NumFields() || in.Field(a.FilterCol).Type.ID() != arrow.BOOL) {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "hash aggregate: filter column %d is not a boolean input column", a.FilterCol)
		}
		for _, k := range a.Order {
			if k.Col < 0 || k.Col >= in.NumFields() {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "hash aggregate: order column %d out of range", k.Col)
			}
			if !sortKeyOK(in.Field(k.Col).Type) {
				return nil, errs.Errorf(errs.ErrNotSupported, "aggregate ORDER BY key of type %s", in.Field(k.Col).Type)
			}
		}
		nullable := a.Func != AggCountStar && a.Func != AggCount
		fields = append(fields, arrow.Field{Name: a.Name, Type: a.Out, Nullable: nullable})
	}
	h := &hashAggregate{env: env, input: input, groupCols: groupCols, aggs: aggs, schema: arrow.NewSchema(fields, nil)}
	// Validate the aggregate types now, so that planning errors surface at construction.
	for _, a := range aggs {
		var dt arrow.DataType = arrow.PrimitiveTypes.Int64
		if a.Func != AggCountStar {
			dt = in.Field(a.Arg).Type
		}
		f, err := newAggFunc(memory.DefaultAllocator, a, dt)
		if err != nil {
			return nil, err
		}
		f.release()
		if a.Distinct && a.Func != AggCountStar && !keyKindOK(dt) {
			return nil, errs.Errorf(errs.ErrNotSupported, "DISTINCT aggregate over %s", dt)
		}
	}
	return h, nil
}

func (h *hashAggregate) Schema() *arrow.Schema { return h.schema }
func (h *hashAggregate) Stats() OperatorStats  { return h.stats }

func (h *hashAggregate) Open(ctx context.Context) error { return h.OpenOnce(ctx, h.open) }

// open opens the inputs and sets up the operator's state (once, through Lifecycle).
func (h *hashAggregate) open(ctx context.Context) error {
	if err := h.input.Open(ctx); err != nil {
		return err
	}
	mem := h.env.Alloc
	in := h.input.Schema()
	if len(h.groupCols) > 0 {
		types := make([]arrow.DataType, len(h.groupCols))
		for i, c := range h.groupCols {
			types[i] = in.Field(c).Type
		}
		t, err := newGroupTable(mem, types)
		if err != nil {
			return err
		}
		h.table = t
	} else {
		h.ngroups = 1
	}
	h.distinct = make([]*groupTable, len(h.aggs))
	for i, a := range h.aggs {
		var dt arrow.DataType = arrow.PrimitiveTypes.Int64
		if a.Func != AggCountStar {
			dt = in.Field(a.Arg).Type
		}
		f, err := newAggFunc(mem, a, dt)
		if err != nil {
			return err
		}
		h.funcs = append(h.funcs, f)
		f.resize(h.ngroups)
		if a.Distinct && a.Func != AggCountStar && a.Func != AggMin && a.Func != AggMax && a.Func != AggBoolAnd && a.Func != AggBoolOr {
			t, err := newGroupTable(mem, []arrow.DataType{arrow.PrimitiveTypes.Int32, dt})
			if err != nil {
				return err
			}
			h.distinct[i] = t
		}
	}
	return nil
}

func (h *hashAggregate) consume(ctx context.Context, b arrow.RecordBatch) error {
	n := int(b.NumRows())
	if cap(h.gids) < n {
		h.gids = make([]int32, n)
		h.dgids = make([]int32, n)
		h.sel = make([]int32, n)
	}
	gids := h.gids[:n]
	if h.table != nil {
		cols := make([]arrow.Array, len(h.groupCols))
		for i, c := range h.groupCols {
			cols[i] = b.Column(c)
		}
		sel := h.sel[:n]
		for i := range sel {
			sel[i] = int32(i)
		}
		h.table.hashBatch(cols, n)
		h.table.find(sel, gids, true)
		if h.table.n > h.ngroups {
			h.ngroups = h.table.n
			for _, f := range h.funcs {
				f.resize(h.ngroups)
			}
		}
	} else {
		clear(gids)
	}
	for i, a := range h.aggs {
		var arg arrow.Array
		if a.Func == AggCountStar {
			if b.NumCols() > 0 {
				arg = b.Column(0)
			}
		} else {
			arg = b.Column(a.Arg)
		}
		g := gids
		if t := h.distinct[i]; t != nil {
			g = h.dedupe(t, gids, arg, a.Func == AggArrayAgg)
		}
		if a.Filter {
			g = filterGids(g, b.Column(a.FilterCol))
		}
		if arg == nil {
			// COUNT(*) over a batch without columns.
			c := h.funcs[i].(*countAgg)
			for _, x := range g {
				c.n.s[x]++
			}
			continue
		}
		var arg2 arrow.Array
		if a.Func == AggStringAgg {
			arg2 = b.Column(a.Arg2)
		}
		if o, ok := h.funcs[i].(*orderedAgg); ok {
			keys := make([]arrow.Array, len(a.Order))
			for k, sk := range a.Order {
				keys[k] = b.Column(sk.Col)
			}
			o.add(arg, arg2, keys, g)
			continue
		}
		if err := feedAgg(h.funcs[i], a.Func, arg, arg2, g); err != nil {
			return err
		}
	}
	return nil
}

// dedupe returns group ids where rows whose (group, value) pair was seen before are -1.
// keepNull keeps one NULL per group (array_agg(DISTINCT x) collects NULL too; the other
// aggregates ignore NULLs).
func (h *hashAggregate) dedupe(t *groupTable, gids []int32, arg arrow.Array, keepNull bool) []int32 {
	n := len(gids)
	gbytes := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(gids))), 4*n)
	ga := array.NewInt32Data(array.NewData(arrow.PrimitiveTypes.Int32, n,
		[]*memory.Buffer{nil, memory.NewBufferBytes(gbytes)}, nil, 0, 0))
	defer ga.Release()
	t.hashBatch([]arrow.Array{ga, arg}, n)
	sel := h.sel[:0]
	nb, off := nullBitmap(arg), arg.Data().Offset()
	for i := 0; i < n; i++ {
		if keepNull || validBit(nb, off, i) {
			sel = append(sel, int32(i))
		}
	}
	if cap(h.dscratch) < n {
		h.dscratch = make([]int32, n)
	}
	t.find(sel, h.dscratch[:n], true) // group ids in the distinct table: unused
	d := h.dgids[:n]
	for i := range d {
		d[i] = -1
	}
	for _, r := range t.newRows {
		d[r] = gids[r]
	}
	return d
}

func (h *hashAggregate) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := h.BeforeNext(ctx, h.open); err != nil {
		return nil, err
	}
	if !h.consumed {
		for {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			b, err := h.input.Next(ctx)
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
			err = h.consume(ctx, b)
			b.Release()
			if err != nil {
				return nil, err
			}
		}
		h.consumed = true
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if h.pos >= h.ngroups {
		return nil, io.EOF
	}
	from := h.pos
	to := from + h.env.Size()
	if to > h.ngroups {
		to = h.ngroups
	}
	cols := make([]arrow.Array, 0, h.schema.NumFields())
	if h.table != nil {
		for _, k := range h.table.keys {
			cols = append(cols, k.build(h.env.Alloc, from, to))
		}
	}
	for _, f := range h.funcs {
		a, err := f.build(h.env.Alloc, from, to)
		if err != nil {
			releaseArrays(cols)
			return nil, err
		}
		cols = append(cols, a)
	}
	h.pos = to
	rec := array.NewRecordBatch(h.schema, cols, int64(to-from))
	releaseArrays(cols)
	h.stats.Rows += int64(to - from)
	h.stats.Batches++
	return rec, nil
}

func (h *hashAggregate) Close() error { return h.CloseOnce(h.release) }

// release frees what the operator holds and closes its inputs (once, opened or not).
func (h *hashAggregate) release() error {
	if h.table != nil {
		h.table.release()
		h.table = nil
	}
	for _, f := range h.funcs {
		f.release()
	}
	h.funcs = nil
	for _, t := range h.distinct {
		if t != nil {
			t.release()
		}
	}
	h.distinct = nil
	return h.input.Close()
}

// Describe names the operator for EXPLAIN ANALYZE.
func (h *hashAggregate) Describe() string { return "HashAggregate" }
