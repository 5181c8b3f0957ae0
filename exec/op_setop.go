package exec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/proto/errs"
)

// SetOpKind is a set operation. NULLs compare equal, as SQL's set operations have it.
type SetOpKind uint8

const (
	UnionAll          SetOpKind = iota // every row of every input
	UnionDistinct                      // distinct rows of all inputs
	IntersectDistinct                  // distinct rows of the first input found in every other input
	IntersectAll                       // each row min(count in every input) times
	ExceptDistinct                     // distinct rows of the first input found in no other input
	ExceptAll                          // each row max(count in first - count in the others, 0) times
)

func (k SetOpKind) String() string {
	return [...]string{"union_all", "union", "intersect", "intersect_all", "except", "except_all"}[k]
}

// setOp runs a set operation. UNION ALL streams its inputs one after the other; UNION
// streams too, emitting each row the first time its value is seen (a groupTable over all
// columns); INTERSECT and EXCEPT count each distinct row per input (the rows of later inputs
// are only looked up, never inserted), then emit every distinct row of the first input with its
// multiplicity.
type setOp struct {
	env    Env
	inputs []Operator
	kind   SetOpKind
	schema *arrow.Schema

	table  *groupTable
	counts []vec[int64] // per input (intersect/except)
	in     int          // current input
	gids   []int32
	sel    []int32
	done   bool
	pos    int // next group to emit
	Lifecycle
	stats OperatorStats
}

var _ Operator = (*setOp)(nil)

// NewSetOp combines inputs (identical column types; names from the first) with kind.
func NewSetOp(env Env, inputs []Operator, kind SetOpKind) (Operator, error) {
	if env.Alloc == nil {
		env.Alloc = memory.DefaultAllocator
	}
	if len(inputs) == 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "set operation without inputs")
	}
	if kind > ExceptAll {
		return nil, errs.Errorf(errs.ErrNotSupported, "set operation %d", kind)
	}
	first := inputs[0].Schema()
	fields := append([]arrow.Field(nil), first.Fields()...)
	for _, in := range inputs[1:] {
		s := in.Schema()
		if s.NumFields() != len(fields) {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "each set operation input must have the same number of columns")
		}
		for i, f := range s.Fields() {
			if !arrow.TypeEqual(f.Type, fields[i].Type) {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "set operation column %d has types %s and %s", i+1, fields[i].Type, f.Type)
			}
			fields[i].Nullable = fields[i].Nullable || f.Nullable
		}
	}
	if kind != UnionAll {
		for _, f := range fields {
			if !keyKindOK(f.Type) {
				return nil, errs.Errorf(errs.ErrNotSupported, "set operation on a column of type %s", f.Type)
			}
		}
	}
	return &setOp{env: env, inputs: inputs, kind: kind, schema: arrow.NewSchema(fields, nil)}, nil
}

func (s *setOp) Schema() *arrow.Schema { return s.schema }
func (s *setOp) Stats() OperatorStats  { return s.stats }
func (s *setOp) Describe() string      { return "SetOp[" + s.kind.String() + "]" }
func (s *setOp) Inputs() []Operator    { return s.inputs }

func (s *setOp) Open(ctx context.Context) error { return s.OpenOnce(ctx, s.open) }

// open opens the inputs and sets up the operator's state (once, through Lifecycle).
func (s *setOp) open(ctx context.Context) error {
	for _, in := range s.inputs {
		if err := in.Open(ctx); err != nil {
			return err
		}
	}
	if s.kind == UnionAll {
		return nil
	}
	types := make([]arrow.DataType, s.schema.NumFields())
	for i, f := range s.schema.Fields() {
		types[i] = f.Type
	}
	t, err := newGroupTable(s.env.Alloc, types)
	if err != nil {
		return err
	}
	s.table = t
	if s.kind != UnionDistinct {
		s.counts = make([]vec[int64], len(s.inputs))
		for i := range s.counts {
			s.counts[i] = newVec[int64](s.env.Alloc)
		}
	}
	return nil
}

func (s *setOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := s.BeforeNext(ctx, s.open); err != nil {
		return nil, err
	}
	switch s.kind {
	case UnionAll, UnionDistinct:
		for s.in < len(s.inputs) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			b, err := s.inputs[s.in].Next(ctx)
			if err == io.EOF {
				s.in++
				continue
			}
			if err != nil {
				return nil, err
			}
			if b.NumRows() == 0 {
				b.Release()
				continue
			}
			if s.kind == UnionAll {
				out := array.NewRecordBatch(s.schema, b.Columns(), b.NumRows())
				b.Release()
				return s.count(out), nil
			}
			out, err := s.distinctRows(b)
			b.Release()
			if err != nil {
				return nil, err
			}
			if out != nil {
				return s.count(out), nil
			}
		}
		return nil, io.EOF
	}
	if !s.done {
		for s.in < len(s.inputs) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			b, err := s.inputs[s.in].Next(ctx)
			if err == io.EOF {
				s.in++
				continue
			}
			if err != nil {
				return nil, err
			}
			s.countRows(b)
			b.Release()
		}
		s.done = true
	}
	return s.emitCounted(ctx)
}

func (s *setOp) count(b arrow.RecordBatch) arrow.RecordBatch {
	s.stats.Rows += b.NumRows()
	s.stats.Batches++
	return b
}

func (s *setOp) lookup(b arrow.RecordBatch, insert bool) []int32 {
	n := int(b.NumRows())
	s.gids = resizeFill(s.gids, n, -1)
	s.sel = s.sel[:0]
	for i := 0; i < n; i++ {
		s.sel = append(s.sel, int32(i))
	}
	s.table.hashBatch(b.Columns(), n)
	s.table.find(s.sel, s.gids, insert)
	return s.gids
}

// distinctRows returns the rows of b whose value was not seen before (nil if none).
func (s *setOp) distinctRows(b arrow.RecordBatch) (arrow.RecordBatch, error) {
	s.lookup(b, true)
	rows := s.table.newRows
	if len(rows) == 0 {
		return nil, nil
	}
	if len(rows) == int(b.NumRows()) {
		return array.NewRecordBatch(s.schema, b.Columns(), b.NumRows()), nil
	}
	cols, err := gatherColumns(s.env.Alloc, b.Columns(), rows, nil)
	if err != nil {
		return nil, err
	}
	out := array.NewRecordBatch(s.schema, cols, int64(len(rows)))
	releaseArrays(cols)
	return out, nil
}

// countRows adds b's rows to the counts of the current input.
func (s *setOp) countRows(b arrow.RecordBatch) {
	if b.NumRows() == 0 {
		return
	}
	gids := s.lookup(b, s.in == 0)
	if s.in == 0 {
		for i := range s.counts {
			s.counts[i].resize(s.table.n)
		}
	}
	c := s.counts[s.in].s
	for _, g := range gids {
		if g >= 0 {
			c[g]++
		}
	}
}

// multiplicity is how many times group g is output.
func (s *setOp) multiplicity(g int) int64 {
	first := s.counts[0].s[g]
	switch s.kind {
	case IntersectDistinct, IntersectAll:
		m := first
		for _, c := range s.counts[1:] {
			m = min(m, c.s[g])
		}
		if s.kind == IntersectDistinct {
			m = min(m, 1)
		}
		return m
	case ExceptDistinct:
		for _, c := range s.counts[1:] {
			if c.s[g] > 0 {
				return 0
			}
		}
		return 1
	}
	m := first
	for _, c := range s.counts[1:] {
		m -= c.s[g]
	}
	return max(m, 0)
}

func (s *setOp) emitCounted(ctx context.Context) (arrow.RecordBatch, error) {
	size := s.env.Size()
	for s.pos < s.table.n {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		from := s.pos
		to := min(from+size, s.table.n)
		s.pos = to
		var idx []int32
		identity := true
		for g := from; g < to; g++ {
			m := s.multiplicity(g)
			identity = identity && m == 1
			for ; m > 0; m-- {
				idx = append(idx, int32(g-from))
			}
		}
		if len(idx) == 0 {
			continue
		}
		keys := make([]arrow.Array, 0, len(s.table.keys))
		for _, k := range s.table.keys {
			keys = append(keys, k.build(s.env.Alloc, from, to))
		}
		if identity {
			out := array.NewRecordBatch(s.schema, keys, int64(len(idx)))
			releaseArrays(keys)
			return s.count(out), nil
		}
		cols, err := gatherColumns(s.env.Alloc, keys, idx, nil)
		releaseArrays(keys)
		if err != nil {
			return nil, err
		}
		out := array.NewRecordBatch(s.schema, cols, int64(len(idx)))
		releaseArrays(cols)
		return s.count(out), nil
	}
	return nil, io.EOF
}

func (s *setOp) Close() error { return s.CloseOnce(s.release) }

// release frees what the operator holds and closes its inputs (once, opened or not).
func (s *setOp) release() error {
	if s.table != nil {
		s.table.release()
		s.table = nil
	}
	for i := range s.counts {
		s.counts[i].release()
	}
	var err error
	for _, in := range s.inputs {
		if e := in.Close(); err == nil {
			err = e
		}
	}
	return err
}
