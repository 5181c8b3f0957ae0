package exec

import (
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/tern-db/tern/proto/errs"
)

// Ordered aggregates: an aggregate with AggSpec.Order (string_agg(x, ',' ORDER BY y), and
// whatever aggregate is declared later: the mechanism knows none of them) and the ordered-set
// aggregates (percentile_cont/percentile_disc/mode and the hypothetical-set rank family).
//
// The hash aggregate hands every row (group id, arguments, order keys) to orderedAgg, which
// keeps the input columns (retained, not copied) and the group ids. When the first output
// batch is built it sorts all rows once by (group id, keys...) — stable, so ties keep input
// order — and then either replays them, group by group in that order, into the plain
// aggregate (whose result depends on the order it sees rows in), or computes the ordered-set
// function over each group's sorted run. One sort for all groups keeps the cost n log n
// whatever the number of groups. The whole input of the aggregate is held until then, as
// PostgreSQL's tuplesort of an ordered aggregate holds it.

type orderedAgg struct {
	mem     memory.Allocator
	spec    AggSpec
	inner   aggFunc // the plain aggregate fed in order; nil for ordered-set aggregates
	ngroups int

	gids  []int32
	args  []arrow.Array   // Arg column chunks
	args2 []arrow.Array   // Arg2 column chunks (string_agg's delimiter)
	keys  [][]arrow.Array // per order key, its column chunks
	// keyTypes are the order keys' types where known before any row (ordered-set
	// aggregates: the first is the argument's, the hypothetical ones the direct arguments').
	keyTypes []arrow.DataType

	done bool
	out  arrow.Array // ordered-set results, one per group
}

func newOrderedAgg(mem memory.Allocator, spec AggSpec, in arrow.DataType) (aggFunc, error) {
	o := &orderedAgg{mem: mem, spec: spec, keys: make([][]arrow.Array, len(spec.Order)), keyTypes: make([]arrow.DataType, len(spec.Order))}
	for i := range o.keyTypes {
		switch {
		case i < len(spec.Direct) && spec.Func.Hypothetical() && spec.Direct[i] != nil:
			o.keyTypes[i] = spec.Direct[i].DataType()
		case i == 0 && spec.Func.OrderedSet():
			o.keyTypes[i] = in
		default:
			o.keyTypes[i] = arrow.Null
		}
	}
	if spec.Func.OrderedSet() {
		if err := checkOrderedSet(spec, in); err != nil {
			return nil, err
		}
		return o, nil
	}
	plain := spec
	plain.Order = nil
	inner, err := newAggFunc(mem, plain, in)
	if err != nil {
		return nil, err
	}
	o.inner = inner
	return o, nil
}

// checkOrderedSet validates an ordered-set aggregate's types at construction.
func checkOrderedSet(spec AggSpec, in arrow.DataType) error {
	f := spec.Func
	switch {
	case f == AggPercentileCont:
		if len(spec.Direct) != 1 || len(spec.Order) != 1 {
			return errs.Errorf(errs.ErrInvalidArgument, "percentile_cont takes one fraction and one ordering column")
		}
		if in.ID() != arrow.FLOAT64 && in.ID() != arrow.INTERVAL_MONTH_DAY_NANO {
			return errs.Errorf(errs.ErrNotSupported, "percentile_cont of %s", in)
		}
	case f == AggPercentileDisc || f == AggMode:
		want := 1
		if f == AggMode {
			want = 0
		}
		if len(spec.Direct) != want || len(spec.Order) != 1 {
			return errs.Errorf(errs.ErrInvalidArgument, "ordered-set aggregate with %d direct arguments and %d ordering columns", len(spec.Direct), len(spec.Order))
		}
		if !arrow.TypeEqual(in, spec.Out) {
			return errs.Errorf(errs.ErrInvalidArgument, "ordered-set aggregate of %s as %s", in, spec.Out)
		}
	case f.Hypothetical():
		if len(spec.Direct) != len(spec.Order) || len(spec.Order) == 0 {
			return errs.Errorf(errs.ErrInvalidArgument, "hypothetical-set aggregate with %d direct arguments and %d ordering columns", len(spec.Direct), len(spec.Order))
		}
	}
	if !sortKeyOK(in) {
		return errs.Errorf(errs.ErrNotSupported, "ordered aggregate over %s", in)
	}
	return nil
}

func (o *orderedAgg) resize(n int) {
	o.ngroups = n
	if o.inner != nil {
		o.inner.resize(n)
	}
}

func (o *orderedAgg) update(arrow.Array, []int32) error {
	return errs.Errorf(errs.ErrInternal, "ordered aggregate updated without its order keys")
}

// add keeps one batch's rows: arg (and arg2) and the order key columns, with group ids g
// (below zero: skip the row).
func (o *orderedAgg) add(arg, arg2 arrow.Array, keys []arrow.Array, g []int32) {
	o.gids = append(o.gids, g...)
	arg.Retain()
	o.args = append(o.args, arg)
	if arg2 != nil {
		arg2.Retain()
		o.args2 = append(o.args2, arg2)
	}
	for i, k := range keys {
		k.Retain()
		o.keys[i] = append(o.keys[i], k)
	}
}

// concatChunks makes one array of chunks (retained when there is one).
func concatChunks(mem memory.Allocator, chunks []arrow.Array, dt arrow.DataType) (arrow.Array, error) {
	switch len(chunks) {
	case 0:
		return array.MakeArrayOfNull(mem, dt, 0), nil
	case 1:
		chunks[0].Retain()
		return chunks[0], nil
	}
	return array.Concatenate(chunks, mem)
}

// finish sorts the kept rows and computes the results (once).
func (o *orderedAgg) finish() error {
	o.done = true
	n := len(o.gids)
	var cols []arrow.Array
	defer func() { releaseArrays(cols) }()
	gidArr := buildFixed(o.mem, arrow.PrimitiveTypes.Int32, o.gids, nil)
	cols = append(cols, gidArr)
	sk := []SortKey{{Col: 0}}
	for i, k := range o.spec.Order {
		c, err := concatChunks(o.mem, o.keys[i], o.keyTypes[i])
		if err != nil {
			return err
		}
		cols = append(cols, c)
		k.Col = i + 1
		sk = append(sk, k)
	}
	perm, err := sortPermutation(o.mem, cols, sk, n)
	if err != nil {
		return err
	}
	defer perm.release()
	start := 0
	for start < n && o.gids[perm.s[start]] < 0 {
		start++
	}
	idx := perm.s[start:]
	g := make([]int32, len(idx))
	for i, r := range idx {
		g[i] = o.gids[r]
	}
	if o.inner == nil {
		sorted, err := gatherColumns(o.mem, cols[1:], idx, nil)
		if err != nil {
			return err
		}
		defer releaseArrays(sorted)
		o.out, err = o.orderedSet(sorted, g)
		return err
	}
	if len(o.args) == 0 {
		return nil
	}
	arg, err := concatChunks(o.mem, o.args, nil)
	if err != nil {
		return err
	}
	cols = append(cols, arg)
	sarg, err := gatherArray(o.mem, arg, idx)
	if err != nil {
		return err
	}
	defer sarg.Release()
	var sarg2 arrow.Array
	if len(o.args2) > 0 {
		arg2, err := concatChunks(o.mem, o.args2, nil)
		if err != nil {
			return err
		}
		cols = append(cols, arg2)
		if sarg2, err = gatherArray(o.mem, arg2, idx); err != nil {
			return err
		}
		defer sarg2.Release()
	}
	return feedAgg(o.inner, o.spec.Func, sarg, sarg2, g)
}

// feedAgg hands rows to an aggregate's state: the one place that knows which aggregates
// take a second argument column.
func feedAgg(f aggFunc, fn AggFunc, arg, arg2 arrow.Array, g []int32) error {
	if fn == AggStringAgg {
		return f.(*stringAgg).updateDelim(arg, arg2, g)
	}
	return f.update(arg, g)
}

func (o *orderedAgg) build(mem memory.Allocator, from, to int) (arrow.Array, error) {
	if !o.done {
		if err := o.finish(); err != nil {
			return nil, err
		}
	}
	if o.inner != nil {
		return o.inner.build(mem, from, to)
	}
	return array.NewSlice(o.out, int64(from), int64(to)), nil
}

func (o *orderedAgg) release() {
	if o.inner != nil {
		o.inner.release()
	}
	releaseArrays(o.args)
	releaseArrays(o.args2)
	for _, k := range o.keys {
		releaseArrays(k)
	}
	o.args, o.args2, o.keys, o.gids = nil, nil, nil, nil
	if o.out != nil {
		o.out.Release()
		o.out = nil
	}
}

// groupRuns returns, per group id below ngroups, the [start, end) of its rows in g (sorted).
func groupRuns(g []int32, ngroups int) [][2]int {
	runs := make([][2]int, ngroups)
	for i := 0; i < len(g); {
		j := i
		for j < len(g) && g[j] == g[i] {
			j++
		}
		if int(g[i]) < ngroups {
			runs[g[i]] = [2]int{i, j}
		}
		i = j
	}
	return runs
}

// orderedSet computes an ordered-set aggregate per group over keys sorted by (group, keys).
func (o *orderedAgg) orderedSet(keys []arrow.Array, g []int32) (arrow.Array, error) {
	runs := groupRuns(g, o.ngroups)
	switch f := o.spec.Func; {
	case f.Hypothetical():
		return o.hypothetical(keys, runs)
	case f == AggPercentileCont, f == AggPercentileDisc:
		frac, ok, err := fraction(o.spec.Direct[0])
		if err != nil {
			return nil, err
		}
		if f == AggPercentileDisc {
			return o.pick(keys[0], runs, func(valid []int32) int32 {
				if !ok || len(valid) == 0 {
					return -1
				}
				r := int(math.Ceil(frac * float64(len(valid))))
				if r < 1 {
					r = 1
				}
				return valid[min(r, len(valid))-1]
			})
		}
		return o.percentileCont(keys[0], runs, frac, ok)
	case f == AggMode:
		vc := valueCmp(keys[0])
		return o.pick(keys[0], runs, func(valid []int32) int32 {
			best, bestN := int32(-1), 0
			for i := 0; i < len(valid); {
				j := i + 1
				for j < len(valid) && vc(valid[i], valid[j]) == 0 {
					j++
				}
				if j-i > bestN {
					best, bestN = valid[i], j-i
				}
				i = j
			}
			return best
		})
	}
	return nil, errs.Errorf(errs.ErrInternal, "ordered-set aggregate %d", o.spec.Func)
}

// fraction reads percentile's direct argument: ok false for NULL (the result is NULL);
// outside [0, 1] is PostgreSQL's error.
func fraction(s scalar.Scalar) (float64, bool, error) {
	if s == nil || !s.IsValid() {
		return 0, false, nil
	}
	var f float64
	switch v := s.(type) {
	case *scalar.Float64:
		f = v.Value
	case *scalar.Float32:
		f = float64(v.Value)
	default:
		return 0, false, errs.Errorf(errs.ErrInvalidArgument, "percentile fraction of type %s", s.DataType())
	}
	if f < 0 || f > 1 || math.IsNaN(f) {
		return 0, false, errs.Errorf(errs.ErrInvalidArgument, "percentile value %s is not between 0 and 1", formatFloat8(f))
	}
	return f, true, nil
}

// formatFloat8 prints f as PostgreSQL's %g does in the percentile message.
func formatFloat8(f float64) string {
	if math.IsNaN(f) {
		return "nan"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// validRows lists the non-NULL rows of arr in [r[0], r[1]).
func validRows(arr arrow.Array, r [2]int, buf []int32) []int32 {
	buf = buf[:0]
	nb, off := nullBitmap(arr), arr.Data().Offset()
	for i := r[0]; i < r[1]; i++ {
		if nb == nil || validBit(nb, off, i) {
			buf = append(buf, int32(i))
		}
	}
	return buf
}

// pick builds the result of aggregates that return one of the group's values: choose gets
// the group's non-NULL rows in order and answers a row (-1: NULL).
func (o *orderedAgg) pick(vals arrow.Array, runs [][2]int, choose func(valid []int32) int32) (arrow.Array, error) {
	idx := make([]int32, len(runs))
	var buf []int32
	for gid, r := range runs {
		buf = validRows(vals, r, buf)
		idx[gid] = choose(buf)
	}
	return gatherArray(o.mem, vals, idx)
}

// percentileCont interpolates between the two values around fraction frac of each group,
// as PostgreSQL: rows floor and ceil of frac*(n-1), lo + (hi-lo)*(pos-floor).
func (o *orderedAgg) percentileCont(vals arrow.Array, runs [][2]int, frac float64, ok bool) (arrow.Array, error) {
	n := len(runs)
	valid := make([]uint8, n)
	var buf []int32
	at := func(valid []int32) (int32, int32, float64) {
		pos := frac * float64(len(valid)-1)
		lo, hi := math.Floor(pos), math.Ceil(pos)
		return valid[int(lo)], valid[int(hi)], pos - lo
	}
	switch v := vals.(type) {
	case *array.Float64:
		res := make([]float64, n)
		for gid, r := range runs {
			buf = validRows(vals, r, buf)
			if !ok || len(buf) == 0 {
				continue
			}
			a, b, p := at(buf)
			lo, hi := v.Value(int(a)), v.Value(int(b))
			res[gid], valid[gid] = lo, 1
			if a != b {
				res[gid] = lo + (hi-lo)*p
			}
		}
		return buildFixed(o.mem, arrow.PrimitiveTypes.Float64, res, valid), nil
	case *array.MonthDayNanoInterval:
		res := make([]arrow.MonthDayNanoInterval, n)
		for gid, r := range runs {
			buf = validRows(vals, r, buf)
			if !ok || len(buf) == 0 {
				continue
			}
			a, b, p := at(buf)
			lo, hi := v.Value(int(a)), v.Value(int(b))
			res[gid], valid[gid] = lo, 1
			if a == b {
				continue
			}
			diff := arrow.MonthDayNanoInterval{Months: hi.Months - lo.Months, Days: hi.Days - lo.Days, Nanoseconds: hi.Nanoseconds - lo.Nanoseconds}
			d, err := scaleInterval(diff, p)
			if err != nil {
				return nil, err
			}
			res[gid] = arrow.MonthDayNanoInterval{Months: lo.Months + d.Months, Days: lo.Days + d.Days, Nanoseconds: lo.Nanoseconds + d.Nanoseconds}
		}
		return buildFixed(o.mem, arrow.FixedWidthTypes.MonthDayNanoInterval, res, valid), nil
	}
	return nil, errs.Errorf(errs.ErrNotSupported, "percentile_cont of %s", vals.DataType())
}

// hypothetical computes rank/dense_rank/percent_rank/cume_dist of the direct arguments' row
// among each group's rows (NULLs included, placed as the ordering says).
func (o *orderedAgg) hypothetical(keys []arrow.Array, runs [][2]int) (arrow.Array, error) {
	// each key column with the hypothetical value appended as its last row
	ext := make([]arrow.Array, len(keys))
	defer func() { releaseArrays(ext) }()
	cmps := make([]rowCmp, len(keys))
	h := int32(0)
	for i, k := range keys {
		d := o.spec.Direct[i]
		if !arrow.TypeEqual(d.DataType(), k.DataType()) {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "hypothetical argument of type %s for a key of type %s", d.DataType(), k.DataType())
		}
		one, err := scalar.MakeArrayFromScalar(d, 1, o.mem)
		if err != nil {
			return nil, err
		}
		e, err := array.Concatenate([]arrow.Array{k, one}, o.mem)
		one.Release()
		if err != nil {
			return nil, err
		}
		ext[i] = e
		cmps[i] = keyCmp(e, o.spec.Order[i])
		h = int32(k.Len())
	}
	cmp := func(a, b int32) int {
		for _, c := range cmps {
			if r := c(a, b); r != 0 {
				return r
			}
		}
		return 0
	}
	n := len(runs)
	switch o.spec.Func {
	case AggHypRank, AggHypDenseRank:
		res := make([]int64, n)
		for gid, r := range runs {
			rank := int64(1)
			for i := r[0]; i < r[1]; i++ {
				if cmp(int32(i), h) >= 0 {
					break
				}
				if o.spec.Func == AggHypRank || i == r[0] || cmp(int32(i-1), int32(i)) != 0 {
					rank++
				}
			}
			res[gid] = rank
		}
		return buildFixed(o.mem, arrow.PrimitiveTypes.Int64, res, nil), nil
	}
	res := make([]float64, n)
	for gid, r := range runs {
		total := r[1] - r[0]
		before, upto := 0, 0
		for i := r[0]; i < r[1]; i++ {
			c := cmp(int32(i), h)
			if c < 0 {
				before++
			}
			if c <= 0 {
				upto++
			}
		}
		if o.spec.Func == AggHypPercentRank {
			if total > 0 {
				res[gid] = float64(before) / float64(total)
			}
		} else {
			res[gid] = float64(upto+1) / float64(total+1)
		}
	}
	return buildFixed(o.mem, arrow.PrimitiveTypes.Float64, res, nil), nil
}

// filterGids returns g with rows whose filter is not true set to -1 (a copy).
func filterGids(g []int32, filter arrow.Array) []int32 {
	f := filter.(*array.Boolean)
	out := make([]int32, len(g))
	for i, x := range g {
		if f.IsValid(i) && f.Value(i) {
			out[i] = x
		} else {
			out[i] = -1
		}
	}
	return out
}
