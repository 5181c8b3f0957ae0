package exec

import (
	"context"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var opChar = map[string]byte{"add": '+', "subtract": '-', "multiply": '*', "divide": '/', "modulus": '%'}

type narrowInt interface{ ~int8 | ~int16 | ~int32 }
type anyInt interface {
	~int8 | ~int16 | ~int32 | ~int64
}
type anyFloat interface{ ~float32 | ~float64 }

func intRangeMsg(id arrow.Type) string {
	switch id {
	case arrow.INT16, arrow.INT8:
		return "smallint out of range"
	case arrow.INT64:
		return "bigint out of range"
	}
	return "integer out of range"
}

// arithKernel picks the kernel for a binary arithmetic operator.
func arithKernel(name string, lt, rt, out arrow.DataType) (kernel, arrow.DataType, error) {
	op := opChar[name]
	lid, rid := lt.ID(), rt.ID()
	switch {
	case lid == arrow.DECIMAL128 && rid == arrow.DECIMAL128:
		l, r := lt.(*arrow.Decimal128Type), rt.(*arrow.Decimal128Type)
		o, ok := out.(*arrow.Decimal128Type)
		if !ok {
			if out != nil {
				return nil, nil, notSupportedf("%s(%s, %s) -> %s", name, lt, rt, out)
			}
			o = defaultDecResult(op, l, r)
		}
		return decArithKernel(newDecArith(op, l.Scale, r.Scale, o.Precision, o.Scale), o), o, nil
	case lid == arrow.DATE32 && isIntID(rid) && (op == '+' || op == '-'):
		return dateIntKernel(op, rid, false), arrow.FixedWidthTypes.Date32, nil
	case isIntID(lid) && rid == arrow.DATE32 && op == '+':
		return dateIntKernel(op, lid, true), arrow.FixedWidthTypes.Date32, nil
	case (lid == arrow.DATE32 || lid == arrow.TIMESTAMP) && rid == arrow.INTERVAL_MONTH_DAY_NANO && (op == '+' || op == '-'):
		return intervalKernel(op, lt, false, out)
	case lid == arrow.INTERVAL_MONTH_DAY_NANO && (rid == arrow.DATE32 || rid == arrow.TIMESTAMP) && op == '+':
		return intervalKernel(op, rt, true, out)
	case lid == arrow.DATE32 && rid == arrow.DATE32 && op == '-':
		return dateDiffKernel, arrow.PrimitiveTypes.Int32, nil
	case lid == arrow.INTERVAL_MONTH_DAY_NANO || rid == arrow.INTERVAL_MONTH_DAY_NANO || (lid == arrow.TIMESTAMP && rid == arrow.TIMESTAMP && op == '-'):
		if k, o, ok := intervalArith(op, lt, rt, out); ok {
			return k, o, nil
		}
		return nil, nil, notSupportedf("operator %s on %s and %s", name, lt, rt)
	case !arrow.TypeEqual(lt, rt):
		return nil, nil, notSupportedf("operator %s on %s and %s", name, lt, rt)
	}
	if out == nil {
		out = lt
	}
	if !arrow.TypeEqual(out, lt) {
		return nil, nil, notSupportedf("%s(%s, %s) -> %s", name, lt, rt, out)
	}
	switch lid {
	case arrow.INT8:
		return narrowArith[int8](op, math.MinInt8, math.MaxInt8, lt), out, nil
	case arrow.INT16:
		return narrowArith[int16](op, math.MinInt16, math.MaxInt16, lt), out, nil
	case arrow.INT32:
		return narrowArith[int32](op, math.MinInt32, math.MaxInt32, lt), out, nil
	case arrow.INT64:
		return int64Arith(op), out, nil
	case arrow.FLOAT32:
		return floatArith[float32](op, lt), out, nil
	case arrow.FLOAT64:
		return floatArith[float64](op, lt), out, nil
	}
	return nil, nil, notSupportedf("operator %s on %s", name, lt)
}

func isIntID(id arrow.Type) bool {
	return id == arrow.INT8 || id == arrow.INT16 || id == arrow.INT32 || id == arrow.INT64
}

func defaultDecResult(op byte, l, r *arrow.Decimal128Type) *arrow.Decimal128Type {
	var p, s int32
	switch op {
	case '+', '-':
		s = max(l.Scale, r.Scale)
		p = max(l.Precision-l.Scale, r.Precision-r.Scale) + s + 1
	case '*':
		s = l.Scale + r.Scale
		p = l.Precision + r.Precision + 1
	case '/':
		s = max(6, l.Scale+r.Precision+1)
		p = l.Precision - l.Scale + r.Scale + s
	default:
		s = max(l.Scale, r.Scale)
		p = min(l.Precision-l.Scale, r.Precision-r.Scale) + s
	}
	if s > 38 {
		s = 38
	}
	if p > 38 {
		p = 38
	}
	if p < s {
		p = s
	}
	return &arrow.Decimal128Type{Precision: max(p, 1), Scale: s}
}

// allNullResult returns an all-NULL array if ops make every row NULL.
func allNullResult(ops []operand, dt arrow.DataType, n int, mem memory.Allocator) arrow.Array {
	for _, o := range ops {
		if o.allNull() {
			return array.MakeArrayOfNull(mem, dt, n)
		}
	}
	return nil
}

func bitsOf(b *memory.Buffer) []byte {
	if b == nil {
		return nil
	}
	return b.Bytes()
}

// rowValid reports whether row i is valid given a validity bitmap (nil: all valid).
func rowValid(vb []byte, i int) bool { return vb == nil || bitutil.BitIsSet(vb, i) }

func narrowArith[T narrowInt](op byte, minV, maxV int64, dt arrow.DataType) kernel {
	msg := intRangeMsg(dt.ID())
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		if a := allNullResult(ops, dt, n, mem); a != nil {
			return a, nil
		}
		k := newBinary[T](mem, n, ops)
		vb, out, av, bv, sa, sb, fail := k.vb, k.out, k.a, k.b, k.sa, k.sb, k.fail
		switch op {
		case '+', '-', '*':
			for i := range out {
				x, y := int64(av[i*sa]), int64(bv[i*sb])
				var r int64
				switch op {
				case '+':
					r = x + y
				case '-':
					r = x - y
				default:
					r = x * y
				}
				if (r < minV || r > maxV) && rowValid(vb, i) {
					return fail(invalidf("%s", msg))
				}
				out[i] = T(r)
			}
		case '/', '%':
			for i := range out {
				x, y := int64(av[i*sa]), int64(bv[i*sb])
				if y == 0 {
					if rowValid(vb, i) {
						return fail(errDivZero)
					}
					out[i] = 0
					continue
				}
				var r int64
				if op == '/' {
					r = x / y
				} else {
					r = x % y
				}
				if (r < minV || r > maxV) && rowValid(vb, i) {
					return fail(invalidf("%s", msg))
				}
				out[i] = T(r)
			}
		}
		return k.result(dt, n), nil
	}
}

func int64Arith(op byte) kernel {
	dt := arrow.PrimitiveTypes.Int64
	errRange := invalidf("bigint out of range")
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		if a := allNullResult(ops, dt, n, mem); a != nil {
			return a, nil
		}
		k := newBinary[int64](mem, n, ops)
		vb, out, av, bv, sa, sb, fail := k.vb, k.out, k.a, k.b, k.sa, k.sb, k.fail
		switch op {
		case '+':
			for i := range out {
				x, y := av[i*sa], bv[i*sb]
				r := x + y
				if ((x >= 0) == (y >= 0)) && ((r >= 0) != (x >= 0)) && rowValid(vb, i) {
					return fail(errRange)
				}
				out[i] = r
			}
		case '-':
			for i := range out {
				x, y := av[i*sa], bv[i*sb]
				r := x - y
				if ((x >= 0) != (y >= 0)) && ((r >= 0) != (x >= 0)) && rowValid(vb, i) {
					return fail(errRange)
				}
				out[i] = r
			}
		case '*':
			for i := range out {
				x, y := av[i*sa], bv[i*sb]
				r := x * y
				if x != 0 && (r/x != y || (x == -1 && y == math.MinInt64)) && rowValid(vb, i) {
					return fail(errRange)
				}
				out[i] = r
			}
		case '/', '%':
			for i := range out {
				x, y := av[i*sa], bv[i*sb]
				if y == 0 {
					if rowValid(vb, i) {
						return fail(errDivZero)
					}
					out[i] = 0
					continue
				}
				if y == -1 {
					if op == '%' {
						out[i] = 0
						continue
					}
					if x == math.MinInt64 && rowValid(vb, i) {
						return fail(errRange)
					}
					out[i] = -x
					continue
				}
				if op == '/' {
					out[i] = x / y
				} else {
					out[i] = x % y
				}
			}
		}
		return k.result(dt, n), nil
	}
}

func floatArith[T anyFloat](op byte, dt arrow.DataType) kernel {
	errOver := invalidf("value out of range: overflow")
	errUnder := invalidf("value out of range: underflow")
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		if a := allNullResult(ops, dt, n, mem); a != nil {
			return a, nil
		}
		k := newBinary[T](mem, n, ops)
		vb, out, av, bv, sa, sb, fail := k.vb, k.out, k.a, k.b, k.sa, k.sb, k.fail
		for i := range out {
			x, y := av[i*sa], bv[i*sb]
			var r T
			switch op {
			case '+':
				r = x + y
			case '-':
				r = x - y
			case '*':
				r = x * y
				if r == 0 && x != 0 && y != 0 && rowValid(vb, i) {
					return fail(errUnder)
				}
			case '/':
				if y == 0 {
					if rowValid(vb, i) {
						return fail(errDivZero)
					}
					out[i] = 0
					continue
				}
				r = x / y
				if r == 0 && x != 0 && !math.IsInf(float64(y), 0) && rowValid(vb, i) {
					return fail(errUnder)
				}
			case '%':
				if y == 0 {
					if rowValid(vb, i) {
						return fail(errDivZero)
					}
					out[i] = 0
					continue
				}
				r = T(math.Mod(float64(x), float64(y)))
			}
			if math.IsInf(float64(r), 0) && !math.IsInf(float64(x), 0) && !math.IsInf(float64(y), 0) && rowValid(vb, i) {
				return fail(errOver)
			}
			out[i] = r
		}
		return k.result(dt, n), nil
	}
}

func decArithKernel(d *decArith, out *arrow.Decimal128Type) kernel {
	lin := d.linear()
	plim := uint64(math.MaxUint64) // |result| < 10^p
	if d.p < 19 {
		plim = uint64(pow10i64[d.p])
	}
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		if a := allNullResult(ops, out, n, mem); a != nil {
			return a, nil
		}
		validity, nulls := validityOf(mem, n, ops[0], ops[1])
		vb := bitsOf(validity)
		buf, res := newFixed[decimal128.Num](mem, n)
		av, bv := vals[decimal128.Num](ops[0].arr), vals[decimal128.Num](ops[1].arr)
		sa, sb := ops[0].stride(), ops[1].stride()
		for i := range res {
			if vb != nil && !bitutil.BitIsSet(vb, i) {
				res[i] = decimal128.Num{}
				continue
			}
			if lin.ok {
				if r, ok := lin.apply(av[i*sa], bv[i*sb]); ok {
					if absU64(r) >= plim {
						buf.Release()
						if validity != nil {
							validity.Release()
						}
						return nil, errNumericOverflow
					}
					res[i] = decimal128.FromI64(r)
					continue
				}
			}
			r, err := d.apply(av[i*sa], bv[i*sb])
			if err != nil {
				buf.Release()
				if validity != nil {
					validity.Release()
				}
				return nil, err
			}
			res[i] = r
		}
		return makeFixed(out, n, validity, buf, nulls), nil
	}
}

// dateIntKernel: date +/- integer days (intFirst: integer + date).
func dateIntKernel(op byte, intID arrow.Type, intFirst bool) kernel {
	dt := arrow.FixedWidthTypes.Date32
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		if a := allNullResult(ops, dt, n, mem); a != nil {
			return a, nil
		}
		d, k := ops[0], ops[1]
		if intFirst {
			d, k = k, d
		}
		days := intsAsInt64(k, n)
		validity, nulls := validityOf(mem, n, d, k)
		vb := bitsOf(validity)
		buf, out := newFixed[int32](mem, n)
		dv, sd := vals[int32](d.arr), d.stride()
		for i := range out {
			var r int64
			if op == '+' {
				r = int64(dv[i*sd]) + days(i)
			} else {
				r = int64(dv[i*sd]) - days(i)
			}
			if (r < minDateDays || r > maxDateDays) && rowValid(vb, i) {
				buf.Release()
				if validity != nil {
					validity.Release()
				}
				return nil, invalidf("date out of range")
			}
			out[i] = int32(r)
		}
		return makeFixed(dt, n, validity, buf, nulls), nil
	}
}

// PostgreSQL's date range: 4713-01-01 BC .. 5874897-12-31.
const (
	minDateDays = -2451545
	maxDateDays = 2145031948
)

// intsAsInt64 returns an accessor reading an integer operand of any width as int64.
func intsAsInt64(o operand, n int) func(i int) int64 {
	s := o.stride()
	switch o.arr.DataType().ID() {
	case arrow.INT8:
		v := vals[int8](o.arr)
		return func(i int) int64 { return int64(v[i*s]) }
	case arrow.INT16:
		v := vals[int16](o.arr)
		return func(i int) int64 { return int64(v[i*s]) }
	case arrow.INT32:
		v := vals[int32](o.arr)
		return func(i int) int64 { return int64(v[i*s]) }
	default:
		v := vals[int64](o.arr)
		return func(i int) int64 { return v[i*s] }
	}
}

func dateDiffKernel(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
	dt := arrow.PrimitiveTypes.Int32
	if a := allNullResult(ops, dt, n, mem); a != nil {
		return a, nil
	}
	validity, nulls := validityOf(mem, n, ops[0], ops[1])
	buf, out := newFixed[int32](mem, n)
	av, bv := vals[int32](ops[0].arr), vals[int32](ops[1].arr)
	sa, sb := ops[0].stride(), ops[1].stride()
	vb := bitsOf(validity)
	for i := range out {
		r := int64(av[i*sa]) - int64(bv[i*sb])
		if (r < math.MinInt32 || r > math.MaxInt32) && rowValid(vb, i) {
			buf.Release()
			if validity != nil {
				validity.Release()
			}
			return nil, invalidf("integer out of range")
		}
		out[i] = int32(r)
	}
	return makeFixed(dt, n, validity, buf, nulls), nil
}

// negateKernel: unary minus.
func negateKernel(t, out arrow.DataType) (kernel, arrow.DataType, error) {
	if out == nil {
		out = t
	}
	switch t.ID() {
	case arrow.INT8:
		return negInt[int8](math.MinInt8, t), out, nil
	case arrow.INT16:
		return negInt[int16](math.MinInt16, t), out, nil
	case arrow.INT32:
		return negInt[int32](math.MinInt32, t), out, nil
	case arrow.INT64:
		return negInt[int64](math.MinInt64, t), out, nil
	case arrow.FLOAT32:
		return negFloat[float32](t), out, nil
	case arrow.FLOAT64:
		return negFloat[float64](t), out, nil
	case arrow.INTERVAL_MONTH_DAY_NANO:
		return negateInterval(), t, nil
	case arrow.DECIMAL128:
		in := t.(*arrow.Decimal128Type)
		o, ok := out.(*arrow.Decimal128Type)
		if !ok {
			return nil, nil, notSupportedf("negate(%s) -> %s", t, out)
		}
		return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
			if a := allNullResult(ops, o, n, mem); a != nil {
				return a, nil
			}
			validity, nulls := validityOf(mem, n, ops[0])
			vb := bitsOf(validity)
			buf, res := newFixed[decimal128.Num](mem, n)
			av, sa := vals[decimal128.Num](ops[0].arr), ops[0].stride()
			for i := range res {
				if !rowValid(vb, i) {
					continue
				}
				r, ok := decRescale(av[i*sa].Negate(), in.Scale, o.Precision, o.Scale)
				if !ok {
					buf.Release()
					if validity != nil {
						validity.Release()
					}
					return nil, errNumericOverflow
				}
				res[i] = r
			}
			return makeFixed(o, n, validity, buf, nulls), nil
		}, o, nil
	}
	return nil, nil, notSupportedf("negate(%s)", t)
}

func negInt[T anyInt](minV T, dt arrow.DataType) kernel {
	msg := intRangeMsg(dt.ID())
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		if a := allNullResult(ops, dt, n, mem); a != nil {
			return a, nil
		}
		validity, nulls := validityOf(mem, n, ops[0])
		vb := bitsOf(validity)
		buf, out := newFixed[T](mem, n)
		av, sa := vals[T](ops[0].arr), ops[0].stride()
		for i := range out {
			x := av[i*sa]
			if x == minV && rowValid(vb, i) {
				buf.Release()
				if validity != nil {
					validity.Release()
				}
				return nil, invalidf("%s", msg)
			}
			out[i] = -x
		}
		return makeFixed(dt, n, validity, buf, nulls), nil
	}
}

func negFloat[T anyFloat](dt arrow.DataType) kernel {
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		if a := allNullResult(ops, dt, n, mem); a != nil {
			return a, nil
		}
		validity, nulls := validityOf(mem, n, ops[0])
		buf, out := newFixed[T](mem, n)
		av, sa := vals[T](ops[0].arr), ops[0].stride()
		for i := range out {
			out[i] = -av[i*sa]
		}
		return makeFixed(dt, n, validity, buf, nulls), nil
	}
}

// intervalKernel: date|timestamp +/- interval (ivFirst: interval + date|timestamp). Months are
// added first, clamping the day to the end of the month as PostgreSQL does, then days, then
// the time part. The result is a timestamp unless the planner asks for a date.
func intervalKernel(op byte, tt arrow.DataType, ivFirst bool, out arrow.DataType) (kernel, arrow.DataType, error) {
	if tt.ID() == arrow.TIMESTAMP && tt.(*arrow.TimestampType).Unit != arrow.Microsecond {
		return nil, nil, notSupportedf("interval arithmetic on %s", tt)
	}
	if out == nil {
		if tt.ID() == arrow.TIMESTAMP {
			out = tt
		} else {
			out = &arrow.TimestampType{Unit: arrow.Microsecond}
		}
	}
	toDate := out.ID() == arrow.DATE32
	if !toDate && (out.ID() != arrow.TIMESTAMP || out.(*arrow.TimestampType).Unit != arrow.Microsecond) {
		return nil, nil, notSupportedf("interval arithmetic producing %s", out)
	}
	sign := int64(1)
	if op == '-' {
		sign = -1
	}
	fromDate := tt.ID() == arrow.DATE32
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		if a := allNullResult(ops, out, n, mem); a != nil {
			return a, nil
		}
		t, iv := ops[0], ops[1]
		if ivFirst {
			t, iv = iv, t
		}
		validity, nulls := validityOf(mem, n, t, iv)
		ivs, si := vals[arrow.MonthDayNanoInterval](iv.arr), iv.stride()
		st := t.stride()
		var dv []int32
		var tv []int64
		if fromDate {
			dv = vals[int32](t.arr)
		} else {
			tv = vals[int64](t.arr)
		}
		res := make([]int64, n)
		for i := range res {
			var us int64
			if fromDate {
				us = int64(dv[i*st]) * usPerDay
			} else {
				us = tv[i*st]
			}
			res[i] = addInterval(us, ivs[i*si], sign)
		}
		if toDate {
			buf, o := newFixed[int32](mem, n)
			for i, us := range res {
				o[i] = int32(floorDiv(us, usPerDay))
			}
			return makeFixed(out, n, validity, buf, nulls), nil
		}
		buf, o := newFixed[int64](mem, n)
		copy(o, res)
		return makeFixed(out, n, validity, buf, nulls), nil
	}, out, nil
}

func addInterval(us int64, iv arrow.MonthDayNanoInterval, sign int64) int64 {
	if iv.Months != 0 {
		days := floorDiv(us, usPerDay)
		tod := us - days*usPerDay
		y, m, d := civilFromDays(days)
		total := y*12 + (m - 1) + sign*int64(iv.Months)
		ny := floorDiv(total, 12)
		nm := total - ny*12 + 1
		if dm := daysIn(ny, nm); d > dm {
			d = dm
		}
		us = daysFromCivil(ny, nm, d)*usPerDay + tod
	}
	return us + sign*(int64(iv.Days)*usPerDay+iv.Nanoseconds/1000)
}

// binKernel is the shared set-up of a same-typed binary fixed-width kernel: the operands' combined
// validity, the output buffer, and the inputs with their strides (0 for a broadcast scalar).
type binKernel[T any] struct {
	validity *memory.Buffer
	nulls    int
	vb       []byte
	buf      *memory.Buffer
	out      []T
	a, b     []T
	sa, sb   int
}

func newBinary[T any](mem memory.Allocator, n int, ops []operand) *binKernel[T] {
	k := &binKernel[T]{}
	k.validity, k.nulls = validityOf(mem, n, ops[0], ops[1])
	k.vb = bitsOf(k.validity)
	k.buf, k.out = newFixed[T](mem, n)
	k.a, k.b = vals[T](ops[0].arr), vals[T](ops[1].arr)
	k.sa, k.sb = ops[0].stride(), ops[1].stride()
	return k
}

// fail releases the kernel's buffers and returns err.
func (k *binKernel[T]) fail(err error) (arrow.Array, error) {
	k.buf.Release()
	if k.validity != nil {
		k.validity.Release()
	}
	return nil, err
}

// result hands the buffers over to the output array.
func (k *binKernel[T]) result(dt arrow.DataType, n int) arrow.Array {
	return makeFixed(dt, n, k.validity, k.buf, k.nulls)
}
