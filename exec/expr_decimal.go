package exec

import (
	"math"
	"math/big"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Exact decimal arithmetic. Values are decimal128.Num integers with a scale. A fast path
// works in int64 with overflow checks; anything that does not fit goes through math/big, so
// results are always exact before the final rounding (half away from zero) to the output
// scale and the precision check ("numeric field overflow").

var pow10i64 = func() [19]int64 {
	var t [19]int64
	t[0] = 1
	for i := 1; i < 19; i++ {
		t[i] = t[i-1] * 10
	}
	return t
}()

var pow10big = func() [80]*big.Int {
	var t [80]*big.Int
	t[0] = big.NewInt(1)
	ten := big.NewInt(10)
	for i := 1; i < len(t); i++ {
		t[i] = new(big.Int).Mul(t[i-1], ten)
	}
	return t
}()

func bigPow10(k int32) *big.Int {
	if k < int32(len(pow10big)) {
		return pow10big[k]
	}
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil)
}

// decI64 returns n as an int64 when it fits (excluding MinInt64, so negation is safe).
func decI64(n decimal128.Num) (int64, bool) {
	lo, hi := n.LowBits(), n.HighBits()
	if hi == 0 && lo < 1<<63 {
		return int64(lo), true
	}
	if hi == -1 && lo > 1<<63 {
		return int64(lo), true
	}
	return 0, false
}

func mulI64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	if a == math.MinInt64 || b == math.MinInt64 {
		return 0, false
	}
	neg := (a < 0) != (b < 0)
	ua, ub := uint64(a), uint64(b)
	if a < 0 {
		ua = uint64(-a)
	}
	if b < 0 {
		ub = uint64(-b)
	}
	hi, lo := bits.Mul64(ua, ub)
	if hi != 0 || lo >= 1<<63 {
		return 0, false
	}
	if neg {
		return -int64(lo), true
	}
	return int64(lo), true
}

func addI64(a, b int64) (int64, bool) {
	r := a + b
	if (a > 0 && b > 0 && r < 0) || (a < 0 && b < 0 && r >= 0) || r == math.MinInt64 {
		return 0, false
	}
	return r, true
}

// roundDivI64 divides rounding half away from zero. y != 0, neither is MinInt64.
func roundDivI64(x, y int64) int64 {
	q, r := x/y, x%y
	if r == 0 {
		return q
	}
	ar, ay := r, y
	if ar < 0 {
		ar = -ar
	}
	if ay < 0 {
		ay = -ay
	}
	if ar >= ay-ar {
		if (x < 0) != (y < 0) {
			q--
		} else {
			q++
		}
	}
	return q
}

// rescaleI64 changes the scale of v from `from` to `to`, rounding half away from zero.
func rescaleI64(v int64, from, to int32) (int64, bool) {
	switch {
	case to == from:
		return v, true
	case to > from:
		if to-from > 18 {
			return 0, v == 0
		}
		return mulI64(v, pow10i64[to-from])
	default:
		if from-to > 18 {
			return 0, false
		}
		return roundDivI64(v, pow10i64[from-to]), true
	}
}

func fitsI64(v int64, p int32) bool {
	if p >= 19 {
		return true
	}
	if v < 0 {
		v = -v
	}
	return v < pow10i64[p]
}

// roundDivBig sets z = x/y rounded half away from zero.
func roundDivBig(x, y *big.Int) *big.Int {
	q, r := new(big.Int).QuoRem(x, y, new(big.Int))
	if r.Sign() == 0 {
		return q
	}
	r2 := new(big.Int).Abs(r)
	r2.Lsh(r2, 1)
	if r2.CmpAbs(y) >= 0 {
		if (x.Sign() < 0) != (y.Sign() < 0) {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

func rescaleBig(v *big.Int, from, to int32) *big.Int {
	switch {
	case to == from:
		return v
	case to > from:
		return new(big.Int).Mul(v, bigPow10(to-from))
	default:
		return roundDivBig(v, bigPow10(from-to))
	}
}

// bigToDec converts v to a Num if |v| < 10^p.
func bigToDec(v *big.Int, p int32) (decimal128.Num, bool) {
	if v.CmpAbs(bigPow10(p)) >= 0 {
		return decimal128.Num{}, false
	}
	return decimal128.FromBigInt(v), true
}

// decRescale converts v from scale `from` to NUMERIC(p, to), rounding half away from zero.
// ok is false on overflow of precision p.
func decRescale(v decimal128.Num, from, p, to int32) (decimal128.Num, bool) {
	if x, ok := decI64(v); ok {
		if r, ok := rescaleI64(x, from, to); ok {
			return decimal128.FromI64(r), fitsI64(r, p)
		}
	}
	return bigToDec(rescaleBig(v.BigInt(), from, to), p)
}

// decArith is a binary decimal operation with operand scales s1, s2 and result NUMERIC(p, s).
type decArith struct {
	op     byte // + - * / %
	s1, s2 int32
	p, s   int32
	smax   int32
	divExp int32 // division: numerator scale-up (may be negative: denominator scale-up)
}

func newDecArith(op byte, s1, s2, p, s int32) *decArith {
	d := &decArith{op: op, s1: s1, s2: s2, p: p, s: s, smax: max(s1, s2)}
	d.divExp = s2 + s - s1
	return d
}

var errDivZero = invalidf("division by zero")
var errNumericOverflow = invalidf("numeric field overflow")

// apply computes a op b. Division by zero and overflow are errors.
func (d *decArith) apply(a, b decimal128.Num) (decimal128.Num, error) {
	if (d.op == '/' || d.op == '%') && b.LowBits() == 0 && b.HighBits() == 0 {
		return decimal128.Num{}, errDivZero
	}
	if x, ok := decI64(a); ok {
		if y, ok := decI64(b); ok {
			if r, ok := d.fast(x, y); ok {
				if !fitsI64(r, d.p) {
					return decimal128.Num{}, errNumericOverflow
				}
				return decimal128.FromI64(r), nil
			}
		}
	}
	r, ok := bigToDec(d.slow(a.BigInt(), b.BigInt()), d.p)
	if !ok {
		return decimal128.Num{}, errNumericOverflow
	}
	return r, nil
}

func (d *decArith) fast(x, y int64) (int64, bool) {
	var r int64
	var from int32
	switch d.op {
	case '+', '-', '%':
		xs, ok1 := rescaleI64(x, d.s1, d.smax)
		ys, ok2 := rescaleI64(y, d.s2, d.smax)
		if !ok1 || !ok2 || xs == math.MinInt64 || ys == math.MinInt64 {
			return 0, false
		}
		var ok bool
		switch d.op {
		case '+':
			r, ok = addI64(xs, ys)
		case '-':
			r, ok = addI64(xs, -ys)
		default:
			r, ok = xs%ys, true
		}
		if !ok {
			return 0, false
		}
		from = d.smax
	case '*':
		var ok bool
		r, ok = mulI64(x, y)
		if !ok {
			return 0, false
		}
		from = d.s1 + d.s2
	case '/':
		num, den := x, y
		var ok bool
		if d.divExp >= 0 {
			if d.divExp > 18 {
				return 0, false
			}
			num, ok = mulI64(x, pow10i64[d.divExp])
		} else {
			if -d.divExp > 18 {
				return 0, false
			}
			den, ok = mulI64(y, pow10i64[-d.divExp])
		}
		if !ok || num == math.MinInt64 || den == math.MinInt64 {
			return 0, false
		}
		return roundDivI64(num, den), true
	}
	if r == math.MinInt64 {
		return 0, false
	}
	return rescaleI64(r, from, d.s)
}

// decLinear is the fast path of a decArith whose result needs no rounding: + and - of
// operands scaled up to the result scale, * of operands whose product scale is at most the
// result's. apply computes in int64 only when no intermediate can overflow; otherwise it
// reports false and the caller takes decArith.apply (same value, slower).
type decLinear struct {
	ok     bool
	op     byte
	mx, my int64 // + -: factors bringing each operand to the result scale; *: mx scales the product
	bx, by uint64
}

func (d *decArith) linear() decLinear {
	switch d.op {
	case '+', '-':
		if d.s < d.smax || d.s-d.s1 > 18 || d.s-d.s2 > 18 {
			return decLinear{}
		}
		mx, my := pow10i64[d.s-d.s1], pow10i64[d.s-d.s2]
		// |x*mx|, |y*my| <= 2^61: the sum cannot overflow.
		return decLinear{ok: true, op: d.op, mx: mx, my: my, bx: (1 << 61) / uint64(mx), by: (1 << 61) / uint64(my)}
	case '*':
		from := d.s1 + d.s2
		if d.s < from || d.s-from > 18 {
			return decLinear{}
		}
		mx := pow10i64[d.s-from]
		return decLinear{ok: true, op: '*', mx: mx, bx: (1 << 62) / uint64(mx)}
	}
	return decLinear{}
}

// apply computes a op b scaled to the result, or reports false when it cannot be done in int64.
func (l *decLinear) apply(a, b decimal128.Num) (int64, bool) {
	x, ok1 := decI64(a)
	y, ok2 := decI64(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	ax, ay := absU64(x), absU64(y)
	if l.op == '*' {
		hi, lo := bits.Mul64(ax, ay)
		if hi != 0 || lo > l.bx {
			return 0, false
		}
		r := int64(lo) * l.mx
		if (x < 0) != (y < 0) {
			r = -r
		}
		return r, true
	}
	if ax > l.bx || ay > l.by {
		return 0, false
	}
	if l.op == '+' {
		return x*l.mx + y*l.my, true
	}
	return x*l.mx - y*l.my, true
}

func absU64(v int64) uint64 {
	if v < 0 {
		return uint64(-v)
	}
	return uint64(v)
}

func (d *decArith) slow(x, y *big.Int) *big.Int {
	switch d.op {
	case '+', '-', '%':
		xs := rescaleBig(x, d.s1, d.smax)
		ys := rescaleBig(y, d.s2, d.smax)
		r := new(big.Int)
		switch d.op {
		case '+':
			r.Add(xs, ys)
		case '-':
			r.Sub(xs, ys)
		default:
			r.Rem(xs, ys)
		}
		return rescaleBig(r, d.smax, d.s)
	case '*':
		return rescaleBig(new(big.Int).Mul(x, y), d.s1+d.s2, d.s)
	default: // '/'
		num, den := x, y
		if d.divExp >= 0 {
			num = new(big.Int).Mul(x, bigPow10(d.divExp))
		} else {
			den = new(big.Int).Mul(y, bigPow10(-d.divExp))
		}
		return roundDivBig(num, den)
	}
}

// decCmp compares a (scale s1) with b (scale s2) exactly.
func decCmp(a, b decimal128.Num, s1, s2 int32) int {
	if s1 == s2 {
		return a.Cmp(b)
	}
	if x, ok := decI64(a); ok {
		if y, ok := decI64(b); ok {
			sm := max(s1, s2)
			xs, ok1 := rescaleI64(x, s1, sm)
			ys, ok2 := rescaleI64(y, s2, sm)
			if ok1 && ok2 {
				switch {
				case xs < ys:
					return -1
				case xs > ys:
					return 1
				}
				return 0
			}
		}
	}
	sm := max(s1, s2)
	return rescaleBig(a.BigInt(), s1, sm).Cmp(rescaleBig(b.BigInt(), s2, sm))
}
