package exec

import (
	"context"
	"io"
	"math"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/proto/errs"
)

// WinKind is a window function.
type WinKind uint8

const (
	WinRowNumber WinKind = iota
	WinRank
	WinDenseRank
	WinPercentRank
	WinCumeDist
	WinNtile      // Args: buckets
	WinLag        // Args: value [, offset [, default]]
	WinLead       // Args: value [, offset [, default]]
	WinFirstValue // Args: value
	WinLastValue  // Args: value
	WinNthValue   // Args: value, n
	WinAgg        // Agg over Args[0] (none for COUNT(*))
)

// BoundKind is one end of a window frame.
type BoundKind uint8

const (
	BoundUnbounded BoundKind = iota // UNBOUNDED PRECEDING (start) or FOLLOWING (end)
	BoundPreceding                  // Offset PRECEDING
	BoundCurrent                    // CURRENT ROW (RANGE: the row's peers)
	BoundFollowing                  // Offset FOLLOWING
)

// Frame is a window frame: ROWS counts rows, GROUPS counts peer groups, RANGE compares the
// (single) ORDER BY key. A RANGE offset is StartOffset/EndOff in the key's units (days for
// dates, microseconds for timestamps, whole units for numbers) unless StartNum/EndNum
// (NumOffset: float and numeric keys) or StartSpan/EndSpan (intervals over date and
// timestamp keys) is set. Exclude removes the current row, its peers, or its peers but
// itself from every frame.
type Frame struct {
	Rows, Groups        bool
	Start, End          BoundKind
	StartOffset, EndOff int64
	NumOffset           bool
	StartNum, EndNum    float64
	StartSpan, EndSpan  *arrow.MonthDayNanoInterval
	Exclude             Exclude
}

// Exclude is a frame's EXCLUDE clause.
type Exclude uint8

const (
	ExcludeNoOthers Exclude = iota
	ExcludeCurrentRow
	ExcludeGroup // the current row and its peers
	ExcludeTies  // the current row's peers, not the row itself
)

// hasOffset reports whether either bound is n PRECEDING/FOLLOWING.
func (f Frame) hasOffset() bool {
	return f.Start == BoundPreceding || f.Start == BoundFollowing || f.End == BoundPreceding || f.End == BoundFollowing
}

// WindowFunc is one window function over input columns.
type WindowFunc struct {
	Kind  WinKind
	Agg   AggFunc // WinAgg: AggCountStar, AggCount, AggSum, AggAvg, AggMin, AggMax
	Args  []int
	Out   arrow.DataType
	Frame Frame
	Name  string
}

// window reads its whole input, sorts it by the partition columns then the order keys
// (sort_keys.go), and computes every function per partition in one pass: ranks from peer
// boundaries, frame-based functions from monotone frame bounds — sums, counts and averages
// from per-partition prefix sums, MIN/MAX with a sliding-window deque, value functions by
// index — so every frame costs O(n) (RANGE offsets O(n log n)). Output: the input columns in
// partition/order order, then one column per function.
type window struct {
	env       Env
	input     Operator
	partCols  []int
	orderKeys []SortKey
	funcs     []WindowFunc
	schema    *arrow.Schema

	cols    []arrow.Array
	results []arrow.Array
	perm    vec[int32]
	n, pos  int
	Lifecycle
	done  bool
	stats OperatorStats
}

var _ Operator = (*window)(nil)

// NewWindow computes funcs over input partitioned by partCols and ordered by orderKeys.
func NewWindow(env Env, input Operator, partCols []int, orderKeys []SortKey, funcs []WindowFunc) (Operator, error) {
	if env.Alloc == nil {
		env.Alloc = memory.DefaultAllocator
	}
	s := input.Schema()
	fields := append([]arrow.Field(nil), s.Fields()...)
	for _, c := range partCols {
		if c < 0 || c >= s.NumFields() || !sortKeyOK(s.Field(c).Type) {
			return nil, errs.Errorf(errs.ErrNotSupported, "window partition by column %d", c)
		}
	}
	for _, k := range orderKeys {
		if k.Col < 0 || k.Col >= s.NumFields() || !sortKeyOK(s.Field(k.Col).Type) {
			return nil, errs.Errorf(errs.ErrNotSupported, "window order by column %d", k.Col)
		}
	}
	for _, f := range funcs {
		for _, a := range f.Args {
			if a < 0 || a >= s.NumFields() {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "window function argument %d out of range", a)
			}
		}
		if f.Out == nil {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "window function %q without output type", f.Name)
		}
		if f.Frame.Rows && f.Frame.Groups {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "window frame is both ROWS and GROUPS")
		}
		if f.Frame.Groups && len(orderKeys) == 0 && f.Frame.hasOffset() {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "GROUPS mode requires an ORDER BY clause")
		}
		if !f.Frame.Rows && !f.Frame.Groups && f.Frame.hasOffset() {
			if len(orderKeys) != 1 {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column")
			}
			span := f.Frame.StartSpan != nil || f.Frame.EndSpan != nil
			switch id := s.Field(orderKeys[0].Col).Type.ID(); id {
			case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128:
				if span || (f.Frame.NumOffset && arrow.IsInteger(id)) {
					return nil, errs.Errorf(errs.ErrNotSupported, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s and this offset type", s.Field(orderKeys[0].Col).Type)
				}
			case arrow.DATE32, arrow.TIMESTAMP:
				if f.Frame.NumOffset {
					return nil, errs.Errorf(errs.ErrNotSupported, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s and offset type numeric", s.Field(orderKeys[0].Col).Type)
				}
			default:
				return nil, errs.Errorf(errs.ErrNotSupported, "RANGE with offset over %s", s.Field(orderKeys[0].Col).Type)
			}
		}
		switch f.Kind {
		case WinAgg:
			want := 1
			switch f.Agg {
			case AggCountStar:
				want = 0
			case AggStringAgg:
				want = 2
			}
			if len(f.Args) != want {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "window aggregate with %d arguments", len(f.Args))
			}
			var dt arrow.DataType = arrow.PrimitiveTypes.Int64
			if want > 0 {
				dt = s.Field(f.Args[0]).Type
			}
			a, err := newAggFunc(memory.DefaultAllocator, AggSpec{Func: f.Agg, Out: f.Out}, dt)
			if err != nil {
				return nil, err
			}
			a.release()
		case WinNtile, WinFirstValue, WinLastValue:
			if len(f.Args) != 1 {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "window function %q needs one argument", f.Name)
			}
		case WinNthValue:
			if len(f.Args) != 2 {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "nth_value needs two arguments")
			}
		case WinLag, WinLead:
			if len(f.Args) < 1 || len(f.Args) > 3 {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "lag/lead need one to three arguments")
			}
		}
		fields = append(fields, arrow.Field{Name: f.Name, Type: f.Out, Nullable: true})
	}
	return &window{env: env, input: input, partCols: partCols, orderKeys: orderKeys, funcs: funcs,
		schema: arrow.NewSchema(fields, nil)}, nil
}

func (w *window) Schema() *arrow.Schema { return w.schema }
func (w *window) Stats() OperatorStats  { return w.stats }
func (w *window) Describe() string      { return "Window" }
func (w *window) Inputs() []Operator    { return []Operator{w.input} }

func (w *window) Open(ctx context.Context) error { return w.OpenOnce(ctx, w.open) }

// open opens the inputs and sets up the operator's state (once, through Lifecycle).
func (w *window) open(ctx context.Context) error {
	return w.input.Open(ctx)
}

func (w *window) load(ctx context.Context) error {
	batches, n, err := collect(ctx, w.input)
	if err != nil {
		return err
	}
	w.n = n
	if w.n == 0 {
		return nil
	}
	w.cols, err = concatBatches(w.env.Alloc, w.input.Schema(), batches)
	releaseBatches(batches)
	if err != nil {
		return err
	}
	var keys []SortKey
	for _, c := range w.partCols {
		keys = append(keys, SortKey{Col: c})
	}
	keys = append(keys, w.orderKeys...)
	if len(keys) == 0 {
		w.perm = newVec[int32](w.env.Alloc)
		w.perm.resize(w.n)
		for i := range w.perm.s {
			w.perm.s[i] = int32(i)
		}
	} else {
		perm, err := sortPermutation(w.env.Alloc, w.cols, keys, w.n)
		w.perm = perm
		if err != nil {
			return err
		}
	}
	// partition and peer boundaries, in sorted positions
	perm := w.perm.s
	partCmp := make([]rowCmp, len(w.partCols))
	for i, c := range w.partCols {
		partCmp[i] = keyCmp(w.cols[c], SortKey{Col: c})
	}
	ordCmp := make([]rowCmp, len(w.orderKeys))
	for i, k := range w.orderKeys {
		ordCmp[i] = keyCmp(w.cols[k.Col], k)
	}
	same := func(cmps []rowCmp, a, b int32) bool {
		for _, c := range cmps {
			if c(a, b) != 0 {
				return false
			}
		}
		return true
	}
	var parts [][2]int
	peerStart := make([]int32, w.n)
	peerEnd := make([]int32, w.n)
	ps := 0
	for k := 1; k <= w.n; k++ {
		if k == w.n || !same(partCmp, perm[k-1], perm[k]) {
			parts = append(parts, [2]int{ps, k})
			ps = k
		}
	}
	for _, p := range parts {
		s := p[0]
		for k := p[0] + 1; k <= p[1]; k++ {
			if k == p[1] || !same(ordCmp, perm[k-1], perm[k]) {
				for x := s; x < k; x++ {
					peerStart[x], peerEnd[x] = int32(s), int32(k)
				}
				s = k
			}
		}
	}
	for _, f := range w.funcs {
		if err := ctx.Err(); err != nil {
			return err
		}
		a, err := w.compute(f, parts, peerStart, peerEnd)
		if err != nil {
			return err
		}
		w.results = append(w.results, a)
	}
	return nil
}

// frames returns each sorted position's frame [fs, fe). ROWS and GROUPS bounds are index
// arithmetic (GROUPS over the peer groups' start positions); RANGE offsets binary-search the
// partition's non-NULL run of the order key, so every frame costs O(n log n) at most.
func (w *window) frames(f Frame, parts [][2]int, peerStart, peerEnd []int32) ([]int32, []int32) {
	fs, fe := make([]int32, w.n), make([]int32, w.n)
	var rb *rangeBounds
	if !f.Rows && !f.Groups && f.hasOffset() && len(w.orderKeys) == 1 {
		rb = newRangeBounds(w.cols[w.orderKeys[0].Col], w.perm.s, w.orderKeys[0].Desc)
	}
	// GROUPS: the start position of every peer group, groups numbered across partitions
	var gstart []int32
	var gid []int32
	if f.Groups {
		gid = make([]int32, w.n)
		for k := 0; k < w.n; k++ {
			if int(peerStart[k]) == k {
				gstart = append(gstart, int32(k))
			}
			gid[k] = int32(len(gstart) - 1)
		}
		gstart = append(gstart, int32(w.n))
	}
	for _, p := range parts {
		ps, pe := int32(p[0]), int32(p[1])
		var g0, gN int64 // the partition's groups [g0, gN)
		if f.Groups {
			g0, gN = int64(gid[ps]), int64(gid[pe-1])+1
		}
		if rb != nil {
			rb.partition(int(ps), int(pe))
		}
		for k := ps; k < pe; k++ {
			var s, e int32
			switch f.Start {
			case BoundUnbounded:
				s = ps
			case BoundCurrent:
				s = k
				if !f.Rows {
					s = peerStart[k]
				}
			case BoundPreceding, BoundFollowing:
				off := f.StartOffset
				if f.Start == BoundPreceding {
					off = -off
				}
				switch {
				case f.Rows:
					s = int32(max(int64(ps), min(int64(pe), satAdd(int64(k), off))))
				case f.Groups:
					g := satAdd(int64(gid[k]), off)
					switch {
					case g < g0:
						s = ps
					case g >= gN:
						s = pe
					default:
						s = gstart[g]
					}
				default:
					s = rb.bound(int(k), f, true, peerStart, peerEnd)
				}
			}
			switch f.End {
			case BoundUnbounded:
				e = pe
			case BoundCurrent:
				e = k + 1
				if !f.Rows {
					e = peerEnd[k]
				}
			case BoundPreceding, BoundFollowing:
				off := f.EndOff
				if f.End == BoundPreceding {
					off = -off
				}
				switch {
				case f.Rows:
					e = int32(max(int64(ps), min(int64(pe), satAdd(satAdd(int64(k), off), 1))))
				case f.Groups:
					g := satAdd(int64(gid[k]), off)
					switch {
					case g < g0:
						e = ps
					case g >= gN:
						e = pe
					default:
						e = gstart[g+1]
					}
				default:
					e = rb.bound(int(k), f, false, peerStart, peerEnd)
				}
			}
			if e < s {
				e = s
			}
			fs[k], fe[k] = s, e
		}
	}
	return fs, fe
}

// satAdd adds without wrapping around (offsets may be as large as int64 allows).
func satAdd(a, b int64) int64 {
	c := a + b
	if (b > 0 && c < a) || (b < 0 && c > a) {
		if b > 0 {
			return math.MaxInt64
		}
		return math.MinInt64
	}
	return c
}

// rangeBounds finds RANGE frame bounds with offsets over the single order key: integers,
// dates (as microseconds when the offset is an interval) and timestamps compare as int64,
// floats and numerics as float64.
type rangeBounds struct {
	arr    arrow.Array
	perm   []int32
	desc   bool
	ints   func(int) int64
	floats func(int) float64
	date   bool
	lo, hi int // the current partition's non-NULL run
}

func newRangeBounds(arr arrow.Array, perm []int32, desc bool) *rangeBounds {
	rb := &rangeBounds{arr: arr, perm: perm, desc: desc}
	switch arr.DataType().ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		rb.ints = intGetter(arr)
	case arrow.DATE32:
		v := fixedValues[int32](arr)
		rb.ints, rb.date = func(i int) int64 { return int64(v[i]) }, true
	case arrow.TIMESTAMP:
		v := fixedValues[int64](arr)
		rb.ints = func(i int) int64 { return v[i] }
	default:
		rb.floats = floatGetter(arr)
	}
	return rb
}

func (rb *rangeBounds) null(pos int) bool { return rb.arr.IsNull(int(rb.perm[pos])) }

// partition finds the non-NULL run of the partition [ps, pe) (NULLs sort to one end).
func (rb *rangeBounds) partition(ps, pe int) {
	lo, hi := ps, pe
	for lo < hi && rb.null(lo) {
		lo++
	}
	for hi > lo && rb.null(hi-1) {
		hi--
	}
	rb.lo, rb.hi = lo, hi
}

// bound returns the frame start (the first position whose key is not before the current key
// moved by the offset, in the order's direction) or end (the first position beyond it). A row
// with a NULL key frames its NULL peers; NULL rows are never in a non-NULL row's frame.
func (rb *rangeBounds) bound(k int, f Frame, start bool, peerStart, peerEnd []int32) int32 {
	if rb.null(k) {
		if start {
			return peerStart[k]
		}
		return peerEnd[k]
	}
	kind, off, num, span := f.End, f.EndOff, f.EndNum, f.EndSpan
	if start {
		kind, off, num, span = f.Start, f.StartOffset, f.StartNum, f.StartSpan
	}
	// the target moves towards earlier rows for PRECEDING: down for ASC, up for DESC
	sign := int64(1)
	if kind == BoundPreceding {
		sign = -1
	}
	if rb.desc {
		sign = -sign
	}
	r := int(rb.perm[k])
	var cmp func(pos int) int // key at pos compared with the target, in ascending terms
	if rb.floats != nil {
		d := float64(off)
		if f.NumOffset {
			d = num
		}
		t := rb.floats(r) + float64(sign)*d
		cmp = func(pos int) int {
			x := rb.floats(int(rb.perm[pos]))
			switch {
			case x < t:
				return -1
			case x > t:
				return 1
			}
			return 0
		}
	} else {
		v := rb.ints(r)
		key := func(pos int) int64 { return rb.ints(int(rb.perm[pos])) }
		var t int64
		if span != nil {
			if rb.date {
				v *= usPerDay
				key = func(pos int) int64 { return rb.ints(int(rb.perm[pos])) * usPerDay }
			}
			t = addInterval(v, *span, sign)
		} else {
			t = satAdd(v, sign*off)
		}
		cmp = func(pos int) int {
			x := key(pos)
			switch {
			case x < t:
				return -1
			case x > t:
				return 1
			}
			return 0
		}
	}
	dir := 1
	if rb.desc {
		dir = -1
	}
	lo, hi := rb.lo, rb.hi
	if start {
		return int32(lo + sort.Search(hi-lo, func(i int) bool { return dir*cmp(lo+i) >= 0 }))
	}
	return int32(lo + sort.Search(hi-lo, func(i int) bool { return dir*cmp(lo+i) > 0 }))
}

// framePieces is a frame after its EXCLUDE clause: up to three disjoint runs of sorted
// positions, in order.
type framePieces struct {
	n   int
	run [3][2]int32
}

// pieces cuts [s, e) of position k by f's exclusion.
func pieces(f Frame, k, s, e int32, peerStart, peerEnd []int32) framePieces {
	var p framePieces
	add := func(a, b int32) {
		if a < b {
			p.run[p.n] = [2]int32{a, b}
			p.n++
		}
	}
	var xs, xe int32
	switch f.Exclude {
	case ExcludeNoOthers:
		add(s, e)
		return p
	case ExcludeCurrentRow:
		xs, xe = k, k+1
	default:
		xs, xe = peerStart[k], peerEnd[k]
	}
	add(s, min(e, xs))
	if f.Exclude == ExcludeTies && k >= s && k < e {
		add(k, k+1)
	}
	add(max(s, xe), e)
	return p
}

func (w *window) compute(f WindowFunc, parts [][2]int, peerStart, peerEnd []int32) (arrow.Array, error) {
	mem := w.env.Alloc
	n := w.n
	perm := w.perm.s
	switch f.Kind {
	case WinRowNumber, WinRank, WinDenseRank, WinPercentRank, WinCumeDist, WinNtile:
		res := make([]float64, n)
		for _, p := range parts {
			ps, pe := p[0], p[1]
			cnt := pe - ps
			dense := 0
			var buckets int64
			if f.Kind == WinNtile {
				arr := w.cols[f.Args[0]]
				r := int(perm[ps])
				if arr.IsNull(r) {
					for k := ps; k < pe; k++ {
						res[k] = math.NaN()
					}
					continue
				}
				buckets = int64(floatGetter(arr)(r))
				if buckets <= 0 {
					return nil, invalidf("argument of ntile must be greater than zero")
				}
			}
			for k := ps; k < pe; k++ {
				if int(peerStart[k]) == k {
					dense++
				}
				rank := float64(int(peerStart[k]) - ps + 1)
				switch f.Kind {
				case WinRowNumber:
					res[k] = float64(k - ps + 1)
				case WinRank:
					res[k] = rank
				case WinDenseRank:
					res[k] = float64(dense)
				case WinPercentRank:
					if cnt > 1 {
						res[k] = (rank - 1) / float64(cnt-1)
					}
				case WinCumeDist:
					res[k] = float64(int(peerEnd[k])-ps) / float64(cnt)
				case WinNtile:
					i := int64(k - ps)
					size, extra := int64(cnt)/buckets, int64(cnt)%buckets
					var b int64
					if size == 0 {
						b = i + 1
					} else if i < extra*(size+1) {
						b = i/(size+1) + 1
					} else {
						b = extra + (i-extra*(size+1))/size + 1
					}
					res[k] = float64(b)
				}
			}
		}
		wr := newRowWriter(f.Out, n)
		for k, v := range res {
			if v != v {
				wr.endRow()
				continue
			}
			if wr.flts != nil {
				wr.float(k, v)
			} else if wr.decs != nil {
				wr.decimal(k, decimal128.FromI64(int64(v)))
			} else {
				wr.int(k, int64(v))
			}
			wr.endRow()
		}
		return wr.finish(mem), nil
	case WinLag, WinLead:
		val := w.cols[f.Args[0]]
		var offs func(int) int64
		if len(f.Args) > 1 {
			oa := w.cols[f.Args[1]]
			g := floatGetter(oa)
			offs = func(r int) int64 {
				if oa.IsNull(r) {
					return math.MinInt64
				}
				return int64(g(r))
			}
		}
		src := val
		if len(f.Args) > 2 {
			c, err := array.Concatenate([]arrow.Array{val, w.cols[f.Args[2]]}, mem)
			if err != nil {
				return nil, err
			}
			defer c.Release()
			src = c
		}
		idx := make([]int32, n)
		for _, p := range parts {
			for k := p[0]; k < p[1]; k++ {
				r := int(perm[k])
				off := int64(1)
				if offs != nil {
					off = offs(r)
				}
				if off == math.MinInt64 {
					idx[k] = -1
					continue
				}
				if f.Kind == WinLag {
					off = -off
				}
				t := int64(k) + off
				switch {
				case t >= int64(p[0]) && t < int64(p[1]):
					idx[k] = perm[t]
				case len(f.Args) > 2:
					idx[k] = int32(n + r)
				default:
					idx[k] = -1
				}
			}
		}
		return gatherArray(mem, src, idx)
	}
	fs, fe := w.frames(f.Frame, parts, peerStart, peerEnd)
	switch f.Kind {
	case WinFirstValue, WinLastValue, WinNthValue:
		idx := make([]int32, n)
		var nth func(int) int64
		if f.Kind == WinNthValue {
			na := w.cols[f.Args[1]]
			g := floatGetter(na)
			nth = func(r int) int64 {
				if na.IsNull(r) {
					return -1
				}
				return int64(g(r))
			}
		}
		for k := 0; k < n; k++ {
			idx[k] = -1
			if f.Kind == WinNthValue {
				if x := nth(int(perm[k])); x == 0 || x < -1 {
					return nil, invalidf("argument of nth_value must be greater than zero")
				}
			}
			fp := pieces(f.Frame, int32(k), fs[k], fe[k], peerStart, peerEnd)
			if fp.n == 0 {
				continue
			}
			switch f.Kind {
			case WinFirstValue:
				idx[k] = perm[fp.run[0][0]]
			case WinLastValue:
				idx[k] = perm[fp.run[fp.n-1][1]-1]
			case WinNthValue:
				x := nth(int(perm[k]))
				for i := 0; i < fp.n && x > 0; i++ {
					l := int64(fp.run[i][1] - fp.run[i][0])
					if x <= l {
						idx[k] = perm[int64(fp.run[i][0])+x-1]
						break
					}
					x -= l
				}
			}
		}
		return gatherArray(mem, w.cols[f.Args[0]], idx)
	case WinAgg:
		return w.aggregate(f, parts, fs, fe, peerStart, peerEnd)
	}
	return nil, errs.Errorf(errs.ErrNotSupported, "window function %d", f.Kind)
}

// aggregate computes an aggregate over each row's frame.
// With EXCLUDE, sums and counts subtract the excluded runs' prefix sums; MIN/MAX fall back to
// the O(frame) generic path.
func (w *window) aggregate(f WindowFunc, parts [][2]int, fs, fe, peerStart, peerEnd []int32) (arrow.Array, error) {
	mem := w.env.Alloc
	n := w.n
	perm := w.perm.s
	var arg arrow.Array
	if f.Agg != AggCountStar {
		arg = w.cols[f.Args[0]]
	}
	valid := func(r int32) bool { return arg == nil || arg.IsValid(int(r)) }
	switch f.Agg {
	case AggCountStar, AggCount, AggSum, AggAvg:
	case AggMin, AggMax:
		if f.Frame.Exclude != ExcludeNoOthers {
			return w.aggregateGeneric(f, fs, fe, peerStart, peerEnd)
		}
	default:
		return w.aggregateGeneric(f, fs, fe, peerStart, peerEnd)
	}
	// over computes sum(pre) over k's frame runs
	over := func(k int) (framePieces, bool) {
		fp := pieces(f.Frame, int32(k), fs[k], fe[k], peerStart, peerEnd)
		return fp, fp.n > 0
	}
	switch f.Agg {
	case AggMin, AggMax:
		// sliding window over monotone frames with a deque of candidate positions
		cmp := valueCmp(arg)
		idx := make([]int32, n)
		dq := make([]int32, 0, 64)
		for _, p := range parts {
			dq = dq[:0]
			next := int32(p[0]) // next position to push
			for k := p[0]; k < p[1]; k++ {
				for next < fe[k] {
					r := perm[next]
					if valid(r) {
						for len(dq) > 0 {
							c := cmp(perm[dq[len(dq)-1]], r)
							if (f.Agg == AggMax && c <= 0) || (f.Agg == AggMin && c >= 0) {
								dq = dq[:len(dq)-1]
								continue
							}
							break
						}
						dq = append(dq, next)
					}
					next++
				}
				for len(dq) > 0 && dq[0] < fs[k] {
					dq = dq[1:]
				}
				if len(dq) > 0 && dq[0] < fe[k] {
					idx[k] = perm[dq[0]]
				} else {
					idx[k] = -1
				}
			}
		}
		out, err := gatherArray(mem, arg, idx)
		if err != nil {
			return nil, err
		}
		if !arrow.TypeEqual(out.DataType(), f.Out) {
			out.Release()
			return nil, errs.Errorf(errs.ErrNotSupported, "window min/max of %s as %s", arg.DataType(), f.Out)
		}
		return out, nil
	}
	// prefix counts over all sorted positions (frames never cross partitions)
	cnt := make([]int64, n+1)
	for k := 0; k < n; k++ {
		c := int64(0)
		if valid(perm[k]) {
			c = 1
		}
		cnt[k+1] = cnt[k] + c
	}
	if f.Agg == AggCountStar || f.Agg == AggCount {
		c := &countAgg{n: newVec[int64](mem)}
		defer c.release()
		c.resize(n)
		for k := 0; k < n; k++ {
			fp, _ := over(k)
			c.n.s[k] = 0
			for _, r := range fp.run[:fp.n] {
				c.n.s[k] += cnt[r[1]] - cnt[r[0]]
			}
		}
		return c.build(mem, 0, n)
	}
	if f.Out == nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "window sum without output type")
	}
	// partition-relative prefix: position p[0] holds 0 for its partition
	switch arg.DataType().ID() {
	case arrow.FLOAT32, arrow.FLOAT64:
		get := floatGetter(arg)
		pre := make([]float64, n+1)
		a := &sumFloatAgg{avg: f.Agg == AggAvg, out: f.Out, sum: newVec[float64](mem), cnt: newVec[int64](mem)}
		defer a.release()
		a.resize(n)
		for _, p := range parts {
			pre[p[0]] = 0
			for k := p[0]; k < p[1]; k++ {
				x := 0.0
				if valid(perm[k]) {
					x = get(int(perm[k]))
				}
				pre[k+1] = pre[k] + x
			}
			for k := p[0]; k < p[1]; k++ {
				fp, ok := over(k)
				if !ok {
					continue
				}
				for _, r := range fp.run[:fp.n] {
					a.sum.s[k] += pre[r[1]] - pre[r[0]] // pre[base] is 0: running sums are exact
					a.cnt.s[k] += cnt[r[1]] - cnt[r[0]]
				}
			}
		}
		return a.build(mem, 0, n)
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.DECIMAL128:
		var scale int32
		var get func(int) decimal128.Num
		if d, ok := arg.(*array.Decimal128); ok {
			scale = d.DataType().(*arrow.Decimal128Type).Scale
			get = func(r int) decimal128.Num { return d.Value(r) }
		} else {
			g := intGetter(arg)
			get = func(r int) decimal128.Num { return decimal128.FromI64(g(r)) }
		}
		a := &sum128Agg{avg: f.Agg == AggAvg, scale: scale, out: f.Out, sum: newVec[decimal128.Num](mem), cnt: newVec[int64](mem)}
		defer a.release()
		a.resize(n)
		pre := make([]decimal128.Num, n+1)
		for _, p := range parts {
			pre[p[0]] = decimal128.Num{}
			for k := p[0]; k < p[1]; k++ {
				x := decimal128.Num{}
				if valid(perm[k]) {
					x = get(int(perm[k]))
				}
				pre[k+1] = pre[k].Add(x)
			}
			for k := p[0]; k < p[1]; k++ {
				fp, ok := over(k)
				if !ok {
					continue
				}
				for _, r := range fp.run[:fp.n] {
					a.sum.s[k] = a.sum.s[k].Add(pre[r[1]].Sub(pre[r[0]]))
					a.cnt.s[k] += cnt[r[1]] - cnt[r[0]]
				}
			}
		}
		return a.build(mem, 0, n)
	}
	return nil, errs.Errorf(errs.ErrNotSupported, "window sum/avg of %s", arg.DataType())
}

// intGetter reads an integer array's values as int64.
func intGetter(arr arrow.Array) func(int) int64 {
	switch arr.DataType().ID() {
	case arrow.INT8:
		v := fixedValues[int8](arr)
		return func(i int) int64 { return int64(v[i]) }
	case arrow.INT16:
		v := fixedValues[int16](arr)
		return func(i int) int64 { return int64(v[i]) }
	case arrow.INT32:
		v := fixedValues[int32](arr)
		return func(i int) int64 { return int64(v[i]) }
	}
	v := fixedValues[int64](arr)
	return func(i int) int64 { return v[i] }
}

func (w *window) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := w.BeforeNext(ctx, w.open); err != nil {
		return nil, err
	}
	if !w.done {
		w.done = true
		if err := w.load(ctx); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if w.pos >= w.n {
		return nil, io.EOF
	}
	end := min(w.pos+w.env.Size(), w.n)
	cols, err := gatherColumns(w.env.Alloc, w.cols, w.perm.s[w.pos:end], make([]arrow.Array, 0, w.schema.NumFields()))
	if err != nil {
		return nil, err
	}
	for _, r := range w.results {
		cols = append(cols, array.NewSlice(r, int64(w.pos), int64(end)))
	}
	rec := array.NewRecordBatch(w.schema, cols, int64(end-w.pos))
	releaseArrays(cols)
	w.stats.Rows += int64(end - w.pos)
	w.stats.Batches++
	w.pos = end
	return rec, nil
}

func (w *window) Close() error { return w.CloseOnce(w.release) }

// release frees what the operator holds and closes its inputs (once, opened or not).
func (w *window) release() error {
	releaseArrays(w.cols)
	releaseArrays(w.results)
	w.cols, w.results = nil, nil
	w.perm.release()
	return w.input.Close()
}

// aggregateGeneric computes any hash-aggregate function over frames by treating every output
// row as a group fed with its frame's rows: O(total frame size), used for the aggregates
// without a sliding form (bool_and, string_agg, variance, ...).
func (w *window) aggregateGeneric(f WindowFunc, fs, fe, peerStart, peerEnd []int32) (arrow.Array, error) {
	mem := w.env.Alloc
	n := w.n
	perm := w.perm.s
	in := w.cols[f.Args[0]]
	a, err := newAggFunc(mem, AggSpec{Func: f.Agg, Out: f.Out}, in.DataType())
	if err != nil {
		return nil, err
	}
	defer a.release()
	a.resize(n)
	const chunk = 1 << 16
	var idx, gids []int32
	flush := func() error {
		if len(idx) == 0 {
			return nil
		}
		v, err := gatherArray(mem, in, idx)
		if err != nil {
			return err
		}
		defer v.Release()
		if f.Agg == AggStringAgg {
			d, err := gatherArray(mem, w.cols[f.Args[1]], idx)
			if err != nil {
				return err
			}
			defer d.Release()
			err = a.(*stringAgg).updateDelim(v, d, gids)
			idx, gids = idx[:0], gids[:0]
			return err
		}
		err = a.update(v, gids)
		idx, gids = idx[:0], gids[:0]
		return err
	}
	for k := 0; k < n; k++ {
		fp := pieces(f.Frame, int32(k), fs[k], fe[k], peerStart, peerEnd)
		for _, r := range fp.run[:fp.n] {
			for p := r[0]; p < r[1]; p++ {
				idx = append(idx, perm[p])
				gids = append(gids, int32(k))
				if len(idx) >= chunk {
					if err := flush(); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return a.build(mem, 0, n)
}
