package exec

import (
	"math"
	"math/big"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/proto/errs"
)

// Aggregate states for the hash aggregate: one typed slice per state, indexed by group id,
// updated a whole batch at a time. A group id below zero means "skip this row" (used by
// DISTINCT aggregates for values already seen in the group).

type aggFunc interface {
	resize(n int)
	update(arr arrow.Array, gids []int32) error
	build(mem memory.Allocator, from, to int) (arrow.Array, error)
	release()
}

func errOverflow() error { return errs.Errorf(errs.ErrInvalidArgument, "numeric field overflow") }

func newAggFunc(mem memory.Allocator, spec AggSpec, in arrow.DataType) (aggFunc, error) {
	if (len(spec.Order) > 0 && spec.Func != AggCountStar) || spec.Func.OrderedSet() {
		// (count(*) reads no value: an order cannot change it)
		return newOrderedAgg(mem, spec, in) // hashagg_ordered.go
	}
	out := spec.Out
	switch spec.Func {
	case AggCountStar, AggCount:
		if out.ID() != arrow.INT64 {
			return nil, errs.Errorf(errs.ErrNotSupported, "count with output type %s", out)
		}
		return &countAgg{star: spec.Func == AggCountStar, n: newVec[int64](mem)}, nil
	case AggSum, AggAvg, AggMin, AggMax:
		if in.ID() == arrow.LIST && (spec.Func == AggMin || spec.Func == AggMax) {
			return newListMinMax(in, spec.Func == AggMax) // hashagg_arrayagg.go
		}
		if in.ID() == arrow.INTERVAL_MONTH_DAY_NANO {
			return &intervalAgg{fn: spec.Func, sum: newVec[arrow.MonthDayNanoInterval](mem), cnt: newVec[int64](mem)}, nil
		}
	}
	switch spec.Func {
	case AggSum, AggAvg:
		avg := spec.Func == AggAvg
		switch in.ID() {
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.DECIMAL128:
			var scale int32
			if d, ok := in.(*arrow.Decimal128Type); ok {
				scale = d.Scale
			}
			switch out.ID() {
			case arrow.INT64, arrow.DECIMAL128, arrow.FLOAT64, arrow.FLOAT32:
			default:
				return nil, errs.Errorf(errs.ErrNotSupported, "sum/avg of %s as %s", in, out)
			}
			return &sum128Agg{avg: avg, scale: scale, out: out, sum: newVec[decimal128.Num](mem), cnt: newVec[int64](mem)}, nil
		case arrow.FLOAT32, arrow.FLOAT64:
			switch out.ID() {
			case arrow.FLOAT64, arrow.FLOAT32:
			default:
				return nil, errs.Errorf(errs.ErrNotSupported, "sum/avg of %s as %s", in, out)
			}
			return &sumFloatAgg{avg: avg, out: out, sum: newVec[float64](mem), cnt: newVec[int64](mem)}, nil
		}
		return nil, errs.Errorf(errs.ErrNotSupported, "sum/avg of %s", in)
	case AggMin, AggMax:
		if !arrow.TypeEqual(in, out) {
			return nil, errs.Errorf(errs.ErrNotSupported, "min/max of %s as %s", in, out)
		}
		m := &minMaxAgg{max: spec.Func == AggMax, dt: in, has: newVec[uint8](mem)}
		switch in.ID() {
		case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.DATE32, arrow.DATE64,
			arrow.TIMESTAMP, arrow.TIME32, arrow.TIME64, arrow.DURATION:
			m.ints = newVec[int64](mem)
		case arrow.FLOAT32, arrow.FLOAT64:
			m.floats = newVec[float64](mem)
		case arrow.DECIMAL128:
			m.decs = newVec[decimal128.Num](mem)
		case arrow.STRING, arrow.BINARY:
		default:
			return nil, errs.Errorf(errs.ErrNotSupported, "min/max of %s", in)
		}
		return m, nil
	}
	return newPGAggFunc(mem, spec, in)
}

// countAgg: COUNT(*) and COUNT(x).
type countAgg struct {
	star bool
	n    vec[int64]
}

func (a *countAgg) resize(n int) { a.n.resize(n) }
func (a *countAgg) release()     { a.n.release() }

func (a *countAgg) update(arr arrow.Array, gids []int32) error {
	c := a.n.s
	var nb []byte
	off := 0
	if !a.star {
		nb, off = nullBitmap(arr), arr.Data().Offset()
	}
	if nb == nil {
		for _, g := range gids {
			if g >= 0 {
				c[g]++
			}
		}
		return nil
	}
	for i, g := range gids {
		if g >= 0 && bitutil.BitIsSet(nb, off+i) {
			c[g]++
		}
	}
	return nil
}

func (a *countAgg) build(mem memory.Allocator, from, to int) (arrow.Array, error) {
	return buildFixed(mem, arrow.PrimitiveTypes.Int64, a.n.s[from:to], nil), nil
}

// sum128Agg: SUM and AVG of integers and decimals, accumulated exactly in 128 bits at the
// input's scale.
type sum128Agg struct {
	avg   bool
	scale int32
	out   arrow.DataType
	sum   vec[decimal128.Num]
	cnt   vec[int64]
}

func (a *sum128Agg) resize(n int) { a.sum.resize(n); a.cnt.resize(n) }
func (a *sum128Agg) release()     { a.sum.release(); a.cnt.release() }

func sumInts[T int8 | int16 | int32 | int64](vals []T, nb []byte, off int, gids []int32, sum []decimal128.Num, cnt []int64) {
	for i, g := range gids {
		if g < 0 || (nb != nil && !bitutil.BitIsSet(nb, off+i)) {
			continue
		}
		v := int64(vals[i])
		s := sum[g]
		lo, carry := bits.Add64(s.LowBits(), uint64(v), 0)
		sum[g] = decimal128.New(s.HighBits()+int64(carry)+(v>>63), lo)
		cnt[g]++
	}
}

func (a *sum128Agg) update(arr arrow.Array, gids []int32) error {
	nb, off := nullBitmap(arr), arr.Data().Offset()
	sum, cnt := a.sum.s, a.cnt.s
	switch x := arr.(type) {
	case *array.Int8:
		sumInts(x.Int8Values(), nb, off, gids, sum, cnt)
	case *array.Int16:
		sumInts(x.Int16Values(), nb, off, gids, sum, cnt)
	case *array.Int32:
		sumInts(x.Int32Values(), nb, off, gids, sum, cnt)
	case *array.Int64:
		sumInts(x.Int64Values(), nb, off, gids, sum, cnt)
	case *array.Decimal128:
		vals := x.Values()
		for i, g := range gids {
			if g < 0 || (nb != nil && !bitutil.BitIsSet(nb, off+i)) {
				continue
			}
			s, v := sum[g], vals[i]
			r := s.Add(v)
			if (s.HighBits() < 0) == (v.HighBits() < 0) && (r.HighBits() < 0) != (s.HighBits() < 0) {
				return errOverflow()
			}
			sum[g] = r
			cnt[g]++
		}
	default:
		return errs.Errorf(errs.ErrNotSupported, "sum of %s", arr.DataType())
	}
	return nil
}

func (a *sum128Agg) build(mem memory.Allocator, from, to int) (arrow.Array, error) {
	n := to - from
	valid := make([]uint8, n)
	for i := range valid {
		if a.cnt.s[from+i] > 0 {
			valid[i] = 1
		}
	}
	switch o := a.out.(type) {
	case *arrow.Decimal128Type:
		res := make([]decimal128.Num, n)
		var bw bigWork
		for i := range res {
			c := a.cnt.s[from+i]
			if c == 0 {
				continue
			}
			if !a.avg {
				c = 1
			}
			v, ok := divRound(a.sum.s[from+i], o.Scale-a.scale, uint64(c), &bw)
			if !ok || !v.FitsInPrecision(o.Precision) {
				return nil, errOverflow()
			}
			res[i] = v
		}
		return buildFixed(mem, o, res, valid), nil
	case *arrow.Int64Type:
		res := make([]int64, n)
		var bw bigWork
		for i := range res {
			c := a.cnt.s[from+i]
			if c == 0 {
				continue
			}
			if !a.avg {
				c = 1
			}
			v, ok := divRound(a.sum.s[from+i], -a.scale, uint64(c), &bw)
			if !ok || !(v.HighBits() == 0 && v.LowBits() <= math.MaxInt64) && !(v.HighBits() == -1 && v.LowBits() >= 1<<63) {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "bigint out of range")
			}
			res[i] = int64(v.LowBits())
		}
		return buildFixed(mem, o, res, valid), nil
	case *arrow.Float64Type, *arrow.Float32Type:
		res := make([]float64, n)
		for i := range res {
			c := a.cnt.s[from+i]
			if c == 0 {
				continue
			}
			res[i] = a.sum.s[from+i].ToFloat64(a.scale)
			if a.avg {
				res[i] /= float64(c)
			}
		}
		if o.ID() == arrow.FLOAT32 {
			f := make([]float32, n)
			for i, v := range res {
				f[i] = float32(v)
			}
			return buildFixed(mem, o, f, valid), nil
		}
		return buildFixed(mem, o, res, valid), nil
	}
	return nil, errs.Errorf(errs.ErrNotSupported, "sum output %s", a.out)
}

var pow10u64 = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < 20; i++ {
		p[i] = p[i-1] * 10
	}
	return
}()

type bigWork struct{ a, b, q, r big.Int }

// divRound returns round_half_away_from_zero(v * 10^k / c) for k in [-38, 38] and c > 0; ok
// is false if the result does not fit in 128 bits.
func divRound(v decimal128.Num, k int32, c uint64, bw *bigWork) (decimal128.Num, bool) {
	if k == 0 && c == 1 {
		return v, true
	}
	neg := v.Sign() < 0
	abs := v
	if neg {
		abs = v.Negate()
	}
	if k >= 0 && k <= 19 && abs.HighBits() == 0 {
		hi, lo := bits.Mul64(abs.LowBits(), pow10u64[k])
		qhi, r := hi/c, hi%c
		qlo, rem := bits.Div64(r, lo, c)
		if rem >= c-rem {
			var carry uint64
			qlo, carry = bits.Add64(qlo, 1, 0)
			qhi += carry
		}
		if qhi>>63 != 0 {
			return v, false
		}
		res := decimal128.New(int64(qhi), qlo)
		if neg {
			res = res.Negate()
		}
		return res, true
	}
	bw.a.Set(abs.BigInt())
	bw.b.SetUint64(c)
	if k > 0 {
		bw.a.Mul(&bw.a, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil))
	} else if k < 0 {
		bw.b.Mul(&bw.b, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-k)), nil))
	}
	bw.q.QuoRem(&bw.a, &bw.b, &bw.r)
	bw.r.Lsh(&bw.r, 1)
	if bw.r.Cmp(&bw.b) >= 0 {
		bw.q.Add(&bw.q, big.NewInt(1))
	}
	if bw.q.BitLen() > 127 {
		return v, false
	}
	res := decimal128.FromBigInt(&bw.q)
	if neg {
		res = res.Negate()
	}
	return res, true
}

// sumFloatAgg: SUM and AVG of floats, accumulated in float64.
type sumFloatAgg struct {
	avg bool
	out arrow.DataType
	sum vec[float64]
	cnt vec[int64]
}

func (a *sumFloatAgg) resize(n int) { a.sum.resize(n); a.cnt.resize(n) }
func (a *sumFloatAgg) release()     { a.sum.release(); a.cnt.release() }

func sumFloats[T float32 | float64](vals []T, nb []byte, off int, gids []int32, sum []float64, cnt []int64) {
	if nb == nil {
		for i, g := range gids {
			if g >= 0 {
				sum[g] += float64(vals[i])
				cnt[g]++
			}
		}
		return
	}
	for i, g := range gids {
		if g >= 0 && bitutil.BitIsSet(nb, off+i) {
			sum[g] += float64(vals[i])
			cnt[g]++
		}
	}
}

func (a *sumFloatAgg) update(arr arrow.Array, gids []int32) error {
	nb, off := nullBitmap(arr), arr.Data().Offset()
	switch x := arr.(type) {
	case *array.Float32:
		sumFloats(x.Float32Values(), nb, off, gids, a.sum.s, a.cnt.s)
	case *array.Float64:
		sumFloats(x.Float64Values(), nb, off, gids, a.sum.s, a.cnt.s)
	default:
		return errs.Errorf(errs.ErrNotSupported, "sum of %s", arr.DataType())
	}
	return nil
}

func (a *sumFloatAgg) build(mem memory.Allocator, from, to int) (arrow.Array, error) {
	n := to - from
	valid := make([]uint8, n)
	res := make([]float64, n)
	for i := range res {
		c := a.cnt.s[from+i]
		if c == 0 {
			continue
		}
		valid[i] = 1
		res[i] = a.sum.s[from+i]
		if a.avg {
			res[i] /= float64(c)
		}
	}
	if a.out.ID() == arrow.FLOAT32 {
		f := make([]float32, n)
		for i, v := range res {
			f[i] = float32(v)
		}
		return buildFixed(mem, a.out, f, valid), nil
	}
	return buildFixed(mem, a.out, res, valid), nil
}

// minMaxAgg: MIN and MAX. Integers, dates, times and booleans are kept as int64, floats as
// float64 (NaN above every number), decimals as 128-bit, strings as Go strings.
type minMaxAgg struct {
	max    bool
	dt     arrow.DataType
	has    vec[uint8]
	ints   vec[int64]
	floats vec[float64]
	decs   vec[decimal128.Num]
	strs   []string
}

func (a *minMaxAgg) resize(n int) {
	a.has.resize(n)
	switch {
	case a.ints.mem != nil:
		a.ints.resize(n)
	case a.floats.mem != nil:
		a.floats.resize(n)
	case a.decs.mem != nil:
		a.decs.resize(n)
	default:
		for len(a.strs) < n {
			a.strs = append(a.strs, "")
		}
	}
}

func (a *minMaxAgg) release() {
	a.has.release()
	a.ints.release()
	a.floats.release()
	a.decs.release()
	a.strs = nil
}

func minMaxInts[T int8 | int16 | int32 | int64](vals []T, nb []byte, off int, gids []int32, st []int64, has []uint8, max bool) {
	for i, g := range gids {
		if g < 0 || (nb != nil && !bitutil.BitIsSet(nb, off+i)) {
			continue
		}
		v := int64(vals[i])
		if has[g] == 0 {
			st[g], has[g] = v, 1
		} else if max {
			if v > st[g] {
				st[g] = v
			}
		} else if v < st[g] {
			st[g] = v
		}
	}
}

// floatLess orders floats with NaN above every number.
func floatLess(a, b float64) bool { return a < b || (b != b && a == a) }

func minMaxFloats[T float32 | float64](vals []T, nb []byte, off int, gids []int32, st []float64, has []uint8, max bool) {
	for i, g := range gids {
		if g < 0 || (nb != nil && !bitutil.BitIsSet(nb, off+i)) {
			continue
		}
		v := float64(vals[i])
		if has[g] == 0 {
			st[g], has[g] = v, 1
		} else if max {
			if floatLess(st[g], v) {
				st[g] = v
			}
		} else if floatLess(v, st[g]) {
			st[g] = v
		}
	}
}

func (a *minMaxAgg) update(arr arrow.Array, gids []int32) error {
	nb, off := nullBitmap(arr), arr.Data().Offset()
	has := a.has.s
	switch a.dt.ID() {
	case arrow.BOOL:
		x := arr.(*array.Boolean)
		st := a.ints.s
		for i, g := range gids {
			if g < 0 || (nb != nil && !bitutil.BitIsSet(nb, off+i)) {
				continue
			}
			var v int64
			if x.Value(i) {
				v = 1
			}
			if has[g] == 0 || (a.max && v > st[g]) || (!a.max && v < st[g]) {
				st[g], has[g] = v, 1
			}
		}
	case arrow.INT8:
		minMaxInts(fixedValues[int8](arr), nb, off, gids, a.ints.s, has, a.max)
	case arrow.INT16:
		minMaxInts(fixedValues[int16](arr), nb, off, gids, a.ints.s, has, a.max)
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		minMaxInts(fixedValues[int32](arr), nb, off, gids, a.ints.s, has, a.max)
	case arrow.INT64, arrow.DATE64, arrow.TIMESTAMP, arrow.TIME64, arrow.DURATION:
		minMaxInts(fixedValues[int64](arr), nb, off, gids, a.ints.s, has, a.max)
	case arrow.FLOAT32:
		minMaxFloats(fixedValues[float32](arr), nb, off, gids, a.floats.s, has, a.max)
	case arrow.FLOAT64:
		minMaxFloats(fixedValues[float64](arr), nb, off, gids, a.floats.s, has, a.max)
	case arrow.DECIMAL128:
		vals := arr.(*array.Decimal128).Values()
		st := a.decs.s
		for i, g := range gids {
			if g < 0 || (nb != nil && !bitutil.BitIsSet(nb, off+i)) {
				continue
			}
			v := vals[i]
			if has[g] == 0 || (a.max && v.Greater(st[g])) || (!a.max && v.Less(st[g])) {
				st[g], has[g] = v, 1
			}
		}
	case arrow.STRING, arrow.BINARY:
		var offs []int32
		var data []byte
		if s, ok := arr.(*array.String); ok {
			offs, data = s.ValueOffsets(), s.ValueBytes()
		} else {
			b := arr.(*array.Binary)
			offs, data = b.ValueOffsets(), b.ValueBytes()
		}
		base := int32(0)
		if len(offs) > 0 {
			base = offs[0]
		}
		st := a.strs
		for i, g := range gids {
			if g < 0 || (nb != nil && !bitutil.BitIsSet(nb, off+i)) {
				continue
			}
			v := data[offs[i]-base : offs[i+1]-base]
			if has[g] == 0 || (a.max && string(v) > st[g]) || (!a.max && string(v) < st[g]) {
				st[g], has[g] = string(v), 1
			}
		}
	}
	return nil
}

func narrowInts[T int8 | int16 | int32 | int64](v []int64) []T {
	out := make([]T, len(v))
	for i, x := range v {
		out[i] = T(x)
	}
	return out
}

func (a *minMaxAgg) build(mem memory.Allocator, from, to int) (arrow.Array, error) {
	valid := a.has.s[from:to]
	switch a.dt.ID() {
	case arrow.BOOL:
		b := make([]uint8, to-from)
		for i, v := range a.ints.s[from:to] {
			b[i] = uint8(v)
		}
		return buildBools(mem, b, valid), nil
	case arrow.INT8:
		return buildFixed(mem, a.dt, narrowInts[int8](a.ints.s[from:to]), valid), nil
	case arrow.INT16:
		return buildFixed(mem, a.dt, narrowInts[int16](a.ints.s[from:to]), valid), nil
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		return buildFixed(mem, a.dt, narrowInts[int32](a.ints.s[from:to]), valid), nil
	case arrow.FLOAT32:
		f := make([]float32, to-from)
		for i, v := range a.floats.s[from:to] {
			f[i] = float32(v)
		}
		return buildFixed(mem, a.dt, f, valid), nil
	case arrow.FLOAT64:
		return buildFixed(mem, a.dt, a.floats.s[from:to], valid), nil
	case arrow.DECIMAL128:
		return buildFixed(mem, a.dt, a.decs.s[from:to], valid), nil
	case arrow.STRING, arrow.BINARY:
		offs := make([]int64, 0, to-from+1)
		var data []byte
		offs = append(offs, 0)
		for _, s := range a.strs[from:to] {
			data = append(data, s...)
			offs = append(offs, int64(len(data)))
		}
		return buildStrings(mem, a.dt, offs, data, valid), nil
	default:
		return buildFixed(mem, a.dt, a.ints.s[from:to], valid), nil
	}
}
