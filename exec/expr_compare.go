package exec

import (
	"bytes"
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Comparisons reduce to three loops (=, <, <=) with operands swapped for > and >= and the
// result inverted for <>. Floats order NaN above every other value and equal to itself, as
// PostgreSQL does; strings compare bytewise (C collation).

// cmpLoop sets bit i of out when the base relation holds for row i (values only; validity is
// applied separately).
type cmpLoop func(a, b operand, n int, out []byte)

const (
	cmpEq = iota
	cmpLt
	cmpLe
)

func compareKernel(name string, lt, rt arrow.DataType) (kernel, error) {
	if lt.ID() == arrow.LIST || rt.ID() == arrow.LIST {
		return arrayCompareKernel(name) // expr_array_cmp.go
	}
	base, swap, negate := cmpEq, false, false
	distinct := 0 // 1: is_distinct_from, 2: is_not_distinct_from
	switch name {
	case "equal":
	case "not_equal":
		negate = true
	case "lt":
		base = cmpLt
	case "lte":
		base = cmpLe
	case "gt":
		base, swap = cmpLt, true
	case "gte":
		base, swap = cmpLe, true
	case "is_distinct_from":
		negate, distinct = true, 1
	case "is_not_distinct_from":
		distinct = 2
	}
	if swap {
		lt, rt = rt, lt // the loop sees the operands swapped
	}
	loop, err := cmpLoopFor(base, lt, rt)
	if err != nil {
		return nil, err
	}
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		a, b := ops[0], ops[1]
		if distinct == 0 {
			if r := allNullResult(ops, arrow.FixedWidthTypes.Boolean, n, mem); r != nil {
				return r, nil
			}
		}
		values := newBitmap(mem, n)
		vb := values.Bytes()
		if !a.allNull() && !b.allNull() {
			if swap {
				loop(b, a, n, vb)
			} else {
				loop(a, b, n, vb)
			}
		}
		if negate {
			invertBits(vb, n)
		}
		if distinct == 0 {
			validity, nulls := validityOf(mem, n, a, b)
			return makeBool(n, validity, values, nulls), nil
		}
		// IS [NOT] DISTINCT FROM: NULLs compare as values; the result is never NULL.
		if a.hasNulls() || b.hasNulls() {
			for i := 0; i < n; i++ {
				va, vbb := a.valid(i), b.valid(i)
				if va && vbb {
					continue
				}
				same := va == vbb // both NULL
				if (distinct == 2) == same {
					bitutil.SetBit(vb, i)
				} else {
					bitutil.ClearBit(vb, i)
				}
			}
		}
		return makeBool(n, nil, values, 0), nil
	}, nil
}

func invertBits(b []byte, n int) {
	for i := range b {
		b[i] = ^b[i]
	}
	if n%8 != 0 && len(b) > 0 {
		b[len(b)-1] &= byte(1<<(n%8)) - 1
	}
}

func cmpLoopFor(base int, lt, rt arrow.DataType) (cmpLoop, error) {
	lid, rid := lt.ID(), rt.ID()
	if lid == arrow.DECIMAL128 && rid == arrow.DECIMAL128 {
		return decCmpLoop(base, lt.(*arrow.Decimal128Type).Scale, rt.(*arrow.Decimal128Type).Scale), nil
	}
	if lid != rid {
		return nil, notSupportedf("comparison of %s and %s", lt, rt)
	}
	switch lid {
	case arrow.INT8:
		return ordCmpLoop[int8](base), nil
	case arrow.INT16:
		return ordCmpLoop[int16](base), nil
	case arrow.INT32, arrow.DATE32:
		return ordCmpLoop[int32](base), nil
	case arrow.INT64, arrow.TIMESTAMP, arrow.DATE64:
		return ordCmpLoop[int64](base), nil
	case arrow.UINT8:
		return ordCmpLoop[uint8](base), nil
	case arrow.UINT16:
		return ordCmpLoop[uint16](base), nil
	case arrow.UINT32:
		return ordCmpLoop[uint32](base), nil
	case arrow.UINT64:
		return ordCmpLoop[uint64](base), nil
	case arrow.FLOAT32:
		return floatCmpLoop[float32](base), nil
	case arrow.FLOAT64:
		return floatCmpLoop[float64](base), nil
	case arrow.STRING:
		return stringCmpLoop(base), nil
	case arrow.BOOL:
		return boolCmpLoop(base), nil
	case arrow.INTERVAL_MONTH_DAY_NANO:
		return intervalCmpLoop(base), nil
	}
	return nil, notSupportedf("comparison of %s", lt)
}

type ordered interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

func b2u8(c bool) byte {
	if c {
		return 1
	}
	return 0
}

func ordCmpLoop[T ordered](base int) cmpLoop {
	return func(a, b operand, n int, out []byte) {
		av, bv := vals[T](a.arr), vals[T](b.arr)
		sa, sb := a.stride(), b.stride()
		switch base {
		case cmpEq:
			if sb == 0 && sa == 1 {
				y := bv[0]
				for i, x := range av[:n] {
					out[i>>3] |= b2u8(x == y) << (i & 7)
				}
				return
			}
			for i := 0; i < n; i++ {
				out[i>>3] |= b2u8(av[i*sa] == bv[i*sb]) << (i & 7)
			}
		case cmpLt:
			if sb == 0 && sa == 1 {
				y := bv[0]
				for i, x := range av[:n] {
					out[i>>3] |= b2u8(x < y) << (i & 7)
				}
				return
			}
			for i := 0; i < n; i++ {
				out[i>>3] |= b2u8(av[i*sa] < bv[i*sb]) << (i & 7)
			}
		default:
			if sb == 0 && sa == 1 {
				y := bv[0]
				for i, x := range av[:n] {
					out[i>>3] |= b2u8(x <= y) << (i & 7)
				}
				return
			}
			for i := 0; i < n; i++ {
				out[i>>3] |= b2u8(av[i*sa] <= bv[i*sb]) << (i & 7)
			}
		}
	}
}

func floatCmpLoop[T anyFloat](base int) cmpLoop {
	return func(a, b operand, n int, out []byte) {
		av, bv := vals[T](a.arr), vals[T](b.arr)
		sa, sb := a.stride(), b.stride()
		for i := 0; i < n; i++ {
			x, y := av[i*sa], bv[i*sb]
			var c bool
			switch base {
			case cmpEq:
				c = x == y || (x != x && y != y)
			case cmpLt:
				c = x < y || (x == x && y != y)
			default:
				c = x <= y || y != y
			}
			out[i>>3] |= b2u8(c) << (i & 7)
		}
	}
}

func decCmpLoop(base int, s1, s2 int32) cmpLoop {
	return func(a, b operand, n int, out []byte) {
		av, bv := vals[decimal128.Num](a.arr), vals[decimal128.Num](b.arr)
		sa, sb := a.stride(), b.stride()
		for i := 0; i < n; i++ {
			c := decCmp(av[i*sa], bv[i*sb], s1, s2)
			var r bool
			switch base {
			case cmpEq:
				r = c == 0
			case cmpLt:
				r = c < 0
			default:
				r = c <= 0
			}
			out[i>>3] |= b2u8(r) << (i & 7)
		}
	}
}

// strData returns the offsets and data bytes of a string array, offset applied to offsets.
func strData(a arrow.Array) ([]int32, []byte) {
	d := a.Data()
	off := arrow.GetData[int32](d.Buffers()[1].Bytes())[d.Offset() : d.Offset()+d.Len()+1]
	var data []byte
	if b := d.Buffers()[2]; b != nil {
		data = b.Bytes()
	}
	return off, data
}

func stringCmpLoop(base int) cmpLoop {
	return func(a, b operand, n int, out []byte) {
		ao, ad := strData(a.arr)
		bo, bd := strData(b.arr)
		sa, sb := a.stride(), b.stride()
		for i := 0; i < n; i++ {
			x := ad[ao[i*sa]:ao[i*sa+1]]
			y := bd[bo[i*sb]:bo[i*sb+1]]
			var r bool
			switch base {
			case cmpEq:
				r = bytes.Equal(x, y)
			case cmpLt:
				r = bytes.Compare(x, y) < 0
			default:
				r = bytes.Compare(x, y) <= 0
			}
			out[i>>3] |= b2u8(r) << (i & 7)
		}
	}
}

func boolCmpLoop(base int) cmpLoop {
	return func(a, b operand, n int, out []byte) {
		ab, ao := boolBits(a.arr)
		bb, bo := boolBits(b.arr)
		sa, sb := a.stride(), b.stride()
		for i := 0; i < n; i++ {
			x := bitutil.BitIsSet(ab, ao+i*sa)
			y := bitutil.BitIsSet(bb, bo+i*sb)
			var r bool
			switch base {
			case cmpEq:
				r = x == y
			case cmpLt:
				r = !x && y
			default:
				r = !x || y
			}
			out[i>>3] |= b2u8(r) << (i & 7)
		}
	}
}

// nullTestKernel: IS NULL / IS NOT NULL.
func nullTestKernel(isNull bool) kernel {
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		o := ops[0]
		values := newBitmap(mem, n)
		vb := values.Bytes()
		switch {
		case o.scalar:
			if o.arr.IsNull(0) == isNull {
				bitutil.SetBitsTo(vb, 0, int64(n), true)
			}
		case o.arr.NullN() == o.arr.Len():
			if isNull {
				bitutil.SetBitsTo(vb, 0, int64(n), true)
			}
		case o.arr.NullN() == 0:
			if !isNull {
				bitutil.SetBitsTo(vb, 0, int64(n), true)
			}
		default:
			bitutil.CopyBitmap(o.arr.NullBitmapBytes(), o.arr.Data().Offset(), n, vb, 0)
			if isNull {
				invertBits(vb, n)
			}
		}
		return makeBool(n, nil, values, 0), nil
	}
}

// intervalSpan normalizes an interval as PostgreSQL compares them: a month is 30 days, a day
// 24 hours. It returns whole days and the microseconds of the remaining day.
func intervalSpan(iv arrow.MonthDayNanoInterval) (int64, int64) {
	us := iv.Nanoseconds / 1000
	d := int64(iv.Months)*30 + int64(iv.Days) + floorDiv(us, usPerDay)
	return d, floorMod(us, usPerDay)
}

func intervalCmp(a, b arrow.MonthDayNanoInterval) int {
	da, ua := intervalSpan(a)
	db, ub := intervalSpan(b)
	switch {
	case da < db || (da == db && ua < ub):
		return -1
	case da == db && ua == ub:
		return 0
	}
	return 1
}

func intervalCmpLoop(base int) cmpLoop {
	return func(a, b operand, n int, out []byte) {
		av, bv := vals[arrow.MonthDayNanoInterval](a.arr), vals[arrow.MonthDayNanoInterval](b.arr)
		sa, sb := a.stride(), b.stride()
		for i := 0; i < n; i++ {
			c := intervalCmp(av[i*sa], bv[i*sb])
			var r bool
			switch base {
			case cmpEq:
				r = c == 0
			case cmpLt:
				r = c < 0
			default:
				r = c <= 0
			}
			out[i>>3] |= b2u8(r) << (i & 7)
		}
	}
}
