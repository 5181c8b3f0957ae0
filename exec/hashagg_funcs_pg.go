package exec

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/proto/errs"
)

// PostgreSQL's other aggregates: bool_and, bool_or, string_agg and the variance family.

// newPGAggFunc builds the aggregates beyond count/sum/avg/min/max (PostgreSQL's
// bool_and, bool_or, string_agg, the variance family, interval avg).
func newPGAggFunc(mem memory.Allocator, spec AggSpec, in arrow.DataType) (aggFunc, error) {
	out := spec.Out
	switch spec.Func {
	case AggBoolAnd, AggBoolOr:
		if in.ID() != arrow.BOOL || out.ID() != arrow.BOOL {
			return nil, errs.Errorf(errs.ErrNotSupported, "bool_and/bool_or of %s as %s", in, out)
		}
		return &boolAgg{and: spec.Func == AggBoolAnd, val: newVec[uint8](mem), has: newVec[uint8](mem)}, nil
	case AggStringAgg:
		if (in.ID() != arrow.STRING && in.ID() != arrow.BINARY) || !arrow.TypeEqual(in, out) {
			return nil, errs.Errorf(errs.ErrNotSupported, "string_agg of %s as %s", in, out)
		}
		return &stringAgg{dt: out}, nil
	case AggArrayAgg:
		return newArrayAgg(in, out, spec.Distinct)
	case AggVarSamp, AggVarPop, AggStddevSamp, AggStddevPop:
		switch in.ID() {
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128:
		default:
			return nil, errs.Errorf(errs.ErrNotSupported, "variance of %s", in)
		}
		switch out.ID() {
		case arrow.FLOAT64, arrow.FLOAT32, arrow.DECIMAL128:
		default:
			return nil, errs.Errorf(errs.ErrNotSupported, "variance as %s", out)
		}
		return &varAgg{fn: spec.Func, out: out, n: newVec[int64](mem), mean: newVec[float64](mem), m2: newVec[float64](mem)}, nil
	}
	return nil, errs.Errorf(errs.ErrNotSupported, "aggregate function %d", spec.Func)
}

// boolAgg: bool_and / bool_or of non-NULL values (NULL when there are none).
type boolAgg struct {
	and      bool
	val, has vec[uint8]
}

func (a *boolAgg) resize(n int) { a.val.resize(n); a.has.resize(n) }
func (a *boolAgg) release()     { a.val.release(); a.has.release() }

func (a *boolAgg) update(arr arrow.Array, gids []int32) error {
	b := arr.(*array.Boolean)
	nb, off := nullBitmap(arr), arr.Data().Offset()
	val, has := a.val.s, a.has.s
	for i, g := range gids {
		if g < 0 || (nb != nil && !bitutil.BitIsSet(nb, off+i)) {
			continue
		}
		v := b.Value(i)
		if has[g] == 0 {
			has[g] = 1
			val[g] = b2byte(v)
		} else if a.and {
			val[g] &= b2byte(v)
		} else {
			val[g] |= b2byte(v)
		}
	}
	return nil
}

func b2byte(v bool) uint8 {
	if v {
		return 1
	}
	return 0
}

func (a *boolAgg) build(mem memory.Allocator, from, to int) (arrow.Array, error) {
	return buildBools(mem, a.val.s[from:to], a.has.s[from:to]), nil
}

// stringAgg: string_agg(value, delimiter) in input order; each value after the first is
// preceded by its row's delimiter (a NULL delimiter adds nothing). NULL values are skipped.
type stringAgg struct {
	dt   arrow.DataType
	vals [][]byte
	has  []bool
}

func (a *stringAgg) resize(n int) {
	for len(a.vals) < n {
		a.vals = append(a.vals, nil)
		a.has = append(a.has, false)
	}
}
func (a *stringAgg) release() { a.vals, a.has = nil, nil }

func (a *stringAgg) update(arr arrow.Array, gids []int32) error { return a.updateDelim(arr, nil, gids) }

func (a *stringAgg) updateDelim(arr, delim arrow.Array, gids []int32) error {
	offs, data := strOffsData(arr)
	nb, off := nullBitmap(arr), arr.Data().Offset()
	var doffs []int32
	var ddata []byte
	var dnb []byte
	doff := 0
	if delim != nil {
		doffs, ddata = strOffsData(delim)
		dnb, doff = nullBitmap(delim), delim.Data().Offset()
	}
	base := offs[0]
	for i, g := range gids {
		if g < 0 || (nb != nil && !bitutil.BitIsSet(nb, off+i)) {
			continue
		}
		if a.has[g] && delim != nil && (dnb == nil || bitutil.BitIsSet(dnb, doff+i)) {
			a.vals[g] = append(a.vals[g], ddata[doffs[i]-doffs[0]:doffs[i+1]-doffs[0]]...)
		}
		a.has[g] = true
		a.vals[g] = append(a.vals[g], data[offs[i]-base:offs[i+1]-base]...)
	}
	return nil
}

// strOffsData returns a string or binary array's offsets (its own slice) and value bytes.
func strOffsData(arr arrow.Array) ([]int32, []byte) {
	switch s := arr.(type) {
	case *array.String:
		return s.ValueOffsets(), s.ValueBytes()
	case *array.Binary:
		return s.ValueOffsets(), s.ValueBytes()
	}
	return []int32{0}, nil
}

func (a *stringAgg) build(mem memory.Allocator, from, to int) (arrow.Array, error) {
	offs := make([]int64, 0, to-from+1)
	valid := make([]uint8, to-from)
	var data []byte
	offs = append(offs, 0)
	for i := from; i < to; i++ {
		if a.has[i] {
			valid[i-from] = 1
		}
		data = append(data, a.vals[i]...)
		offs = append(offs, int64(len(data)))
	}
	return buildStrings(mem, a.dt, offs, data, valid), nil
}

// varAgg: the variance family with Welford's online algorithm in float64. var_samp/stddev_samp
// of fewer than two values are NULL, var_pop/stddev_pop of none are NULL. Decimal outputs are
// rounded from the float result (about 15 significant digits).
type varAgg struct {
	fn   AggFunc
	out  arrow.DataType
	n    vec[int64]
	mean vec[float64]
	m2   vec[float64]
}

func (a *varAgg) resize(n int) { a.n.resize(n); a.mean.resize(n); a.m2.resize(n) }
func (a *varAgg) release()     { a.n.release(); a.mean.release(); a.m2.release() }

func (a *varAgg) update(arr arrow.Array, gids []int32) error {
	nb, off := nullBitmap(arr), arr.Data().Offset()
	get := floatGetter(arr)
	cnt, mean, m2 := a.n.s, a.mean.s, a.m2.s
	for i, g := range gids {
		if g < 0 || (nb != nil && !bitutil.BitIsSet(nb, off+i)) {
			continue
		}
		x := get(i)
		cnt[g]++
		d := x - mean[g]
		mean[g] += d / float64(cnt[g])
		m2[g] += d * (x - mean[g])
	}
	return nil
}

// floatGetter reads a numeric array's values as float64.
func floatGetter(arr arrow.Array) func(int) float64 {
	switch a := arr.(type) {
	case *array.Int8:
		return func(i int) float64 { return float64(a.Value(i)) }
	case *array.Int16:
		return func(i int) float64 { return float64(a.Value(i)) }
	case *array.Int32:
		return func(i int) float64 { return float64(a.Value(i)) }
	case *array.Int64:
		return func(i int) float64 { return float64(a.Value(i)) }
	case *array.Float32:
		return func(i int) float64 { return float64(a.Value(i)) }
	case *array.Float64:
		return func(i int) float64 { return a.Value(i) }
	case *array.Decimal128:
		sc := a.DataType().(*arrow.Decimal128Type).Scale
		return func(i int) float64 { return a.Value(i).ToFloat64(sc) }
	}
	return func(int) float64 { return math.NaN() }
}

func (a *varAgg) build(mem memory.Allocator, from, to int) (arrow.Array, error) {
	n := to - from
	res := make([]float64, n)
	valid := make([]uint8, n)
	samp := a.fn == AggVarSamp || a.fn == AggStddevSamp
	for i := range res {
		c := a.n.s[from+i]
		if c == 0 || (samp && c < 2) {
			continue
		}
		valid[i] = 1
		d := float64(c)
		if samp {
			d--
		}
		v := a.m2.s[from+i] / d
		if v < 0 {
			v = 0
		}
		if a.fn == AggStddevSamp || a.fn == AggStddevPop {
			v = math.Sqrt(v)
		}
		res[i] = v
	}
	switch o := a.out.(type) {
	case *arrow.Float32Type:
		f := make([]float32, n)
		for i, v := range res {
			f[i] = float32(v)
		}
		return buildFixed(mem, o, f, valid), nil
	case *arrow.Decimal128Type:
		d := make([]decimal128.Num, n)
		for i, v := range res {
			if valid[i] == 0 {
				continue
			}
			x, err := decimal128.FromFloat64(v, o.Precision, o.Scale)
			if err != nil {
				return nil, errOverflow()
			}
			d[i] = x
		}
		return buildFixed(mem, o, d, valid), nil
	}
	return buildFixed(mem, a.out, res, valid), nil
}

// intervalAgg: sum, avg, min and max of intervals. Sums add months, days and time separately
// (as PostgreSQL); avg divides the sum with fractional months and days cascading down; min and
// max compare with a month as 30 days and a day as 24 hours.
type intervalAgg struct {
	fn  AggFunc
	sum vec[arrow.MonthDayNanoInterval]
	cnt vec[int64]
}

func (a *intervalAgg) resize(n int) { a.sum.resize(n); a.cnt.resize(n) }
func (a *intervalAgg) release()     { a.sum.release(); a.cnt.release() }

func (a *intervalAgg) update(arr arrow.Array, gids []int32) error {
	vals := fixedValues[arrow.MonthDayNanoInterval](arr)
	nb, off := nullBitmap(arr), arr.Data().Offset()
	sum, cnt := a.sum.s, a.cnt.s
	for i, g := range gids {
		if g < 0 || (nb != nil && !bitutil.BitIsSet(nb, off+i)) {
			continue
		}
		v := vals[i]
		switch {
		case cnt[g] == 0:
			sum[g] = v
		case a.fn == AggMin:
			if intervalCmp(v, sum[g]) < 0 {
				sum[g] = v
			}
		case a.fn == AggMax:
			if intervalCmp(v, sum[g]) > 0 {
				sum[g] = v
			}
		default:
			s := sum[g]
			m, d := int64(s.Months)+int64(v.Months), int64(s.Days)+int64(v.Days)
			if m > math.MaxInt32 || m < math.MinInt32 || d > math.MaxInt32 || d < math.MinInt32 {
				return invalidf("interval out of range")
			}
			sum[g] = arrow.MonthDayNanoInterval{Months: int32(m), Days: int32(d), Nanoseconds: s.Nanoseconds + v.Nanoseconds}
		}
		cnt[g]++
	}
	return nil
}

func (a *intervalAgg) build(mem memory.Allocator, from, to int) (arrow.Array, error) {
	n := to - from
	res := make([]arrow.MonthDayNanoInterval, n)
	valid := make([]uint8, n)
	for i := range res {
		c := a.cnt.s[from+i]
		if c == 0 {
			continue
		}
		valid[i] = 1
		res[i] = a.sum.s[from+i]
		if a.fn == AggAvg {
			r, err := scaleInterval(res[i], 1/float64(c))
			if err != nil {
				return nil, err
			}
			res[i] = r
		}
	}
	return buildFixed(mem, arrow.FixedWidthTypes.MonthDayNanoInterval, res, valid), nil
}
