package exec

import (
	"math"
	"math/big"

	"github.com/apache/arrow-go/v18/arrow"
)

// Numeric overloads of PostgreSQL's sqrt, exp, ln, log, power and div: exact to the output
// type's scale (the binder picks PostgreSQL's result scale), computed with big.Float at a
// precision well beyond Decimal128's 38 digits and rounded half away from zero.

const numPrec = 320 // bits: ~96 decimal digits

func newBF() *big.Float { return new(big.Float).SetPrec(numPrec) }

// ratOf reads an exact argument as a big.Float.
func bfOf(v *big.Int, s int32) *big.Float {
	f := newBF().SetInt(v)
	if s > 0 {
		f.Quo(f, newBF().SetInt(bigPow10(s)))
	}
	return f
}

// bigExpF is e^x by halving the argument until it is small, a Taylor series and squaring.
func bigExpF(x *big.Float) *big.Float {
	if x.Sign() == 0 {
		return newBF().SetInt64(1)
	}
	y := newBF().Set(x)
	k := 0
	half := newBF().SetFloat64(0.5)
	for y.MantExp(nil) > -8 { // |y| >= 2^-9
		y.Mul(y, half)
		k++
	}
	sum, term := newBF().SetInt64(1), newBF().SetInt64(1)
	eps := newBF().SetMantExp(newBF().SetInt64(1), -numPrec)
	for n := int64(1); n < 400; n++ {
		term.Mul(term, y)
		term.Quo(term, newBF().SetInt64(n))
		sum.Add(sum, term)
		if new(big.Float).Abs(term).Cmp(eps) < 0 {
			break
		}
	}
	for ; k > 0; k-- {
		sum.Mul(sum, sum)
	}
	return sum
}

// bigLnF is ln(x), x > 0, by Newton's iteration on e^y = x from float64's estimate.
func bigLnF(x *big.Float) *big.Float {
	m := newBF()
	e := x.MantExp(m) // x = m * 2^e, 0.5 <= m < 1
	mf, _ := m.Float64()
	y := newBF().SetFloat64(math.Log(mf))
	two := newBF().SetInt64(2)
	for range 6 { // cubic convergence from 53 bits
		ey := bigExpF(y)
		num := newBF().Sub(m, ey)
		den := newBF().Add(m, ey)
		num.Quo(num, den)
		num.Mul(num, two)
		y.Add(y, num)
	}
	if e != 0 {
		ln2 := bigLn2()
		y.Add(y, ln2.Mul(ln2, newBF().SetInt64(int64(e))))
	}
	return y
}

// bigLn2 is ln 2 by the same Newton iteration on a value inside the float64 estimate's range.
func bigLn2() *big.Float {
	y := newBF().SetFloat64(math.Ln2)
	two := newBF().SetInt64(2)
	for range 6 {
		ey := bigExpF(y)
		num := newBF().Sub(two, ey)
		den := newBF().Add(two, ey)
		num.Quo(num, den)
		num.Mul(num, two)
		y.Add(y, num)
	}
	return y
}

// writeBF rounds f half away from zero to the output decimal's scale.
func writeBF(w *rowWriter, i int, f *big.Float) error {
	o, ok := w.out.(*arrow.Decimal128Type)
	if !ok {
		r, _ := f.Float64()
		return writeFloat(w, i, r)
	}
	if f.IsInf() {
		return errNumericOverflow
	}
	if e := f.MantExp(nil); e > 140 { // far beyond 10^38
		return invalidf("value overflows numeric format")
	}
	y := newBF().Mul(f, newBF().SetInt(bigPow10(o.Scale)))
	h := newBF().SetFloat64(0.5)
	if y.Sign() < 0 {
		y.Sub(y, h)
	} else {
		y.Add(y, h)
	}
	v, _ := y.Int(nil)
	d, ok := bigToDec(v, o.Precision)
	if !ok {
		return invalidf("value overflows numeric format")
	}
	w.decimal(i, d)
	return nil
}

// numericMathKernel is the exact kernel of sqrt/exp/ln/log10/log/power/div over numeric
// arguments with a numeric result.
func numericMathKernel(name string, args []Expr, out arrow.DataType) kernel {
	return rowKernel(out, true, func(a *rowArgs, i int, w *rowWriter) error {
		v, s := exactArg(a, 0, i)
		x := bfOf(v, s)
		switch name {
		case "sqrt":
			if x.Sign() < 0 {
				return invalidf("cannot take square root of a negative number")
			}
			if x.Sign() == 0 {
				return writeBF(w, i, x)
			}
			return writeBF(w, i, newBF().Sqrt(x))
		case "exp":
			if f, _ := x.Float64(); f > 88.5 { // e^88.5 > 10^38: beyond Decimal128
				return invalidf("value overflows numeric format")
			}
			return writeBF(w, i, bigExpF(x))
		case "ln", "log10":
			if err := lnDomain(x); err != nil {
				return err
			}
			r := bigLnF(x)
			if name == "log10" {
				r.Quo(r, bigLnF(newBF().SetInt64(10)))
			}
			return writeBF(w, i, r)
		case "log":
			v2, s2 := exactArg(a, 1, i)
			y := bfOf(v2, s2)
			if err := lnDomain(x); err != nil {
				return err
			}
			if err := lnDomain(y); err != nil {
				return err
			}
			if x.Cmp(newBF().SetInt64(1)) == 0 { // ln(1) = 0 exactly (the series only nearly)
				return invalidf("division by zero")
			}
			lb := bigLnF(x)
			if lb.Sign() == 0 {
				return invalidf("division by zero")
			}
			return writeBF(w, i, newBF().Quo(bigLnF(y), lb))
		case "div":
			v2, s2 := exactArg(a, 1, i)
			if v2.Sign() == 0 {
				return invalidf("division by zero")
			}
			sc := max(s, s2)
			p, q := rescaleBig(v, s, sc), rescaleBig(v2, s2, sc)
			return writeBig(w, i, new(big.Int).Quo(p, q), 0)
		case "power", "pow":
			v2, s2 := exactArg(a, 1, i)
			y := bfOf(v2, s2)
			if x.Sign() == 0 {
				switch y.Sign() {
				case -1:
					return invalidf("zero raised to a negative power is undefined")
				case 0:
					return writeBF(w, i, newBF().SetInt64(1))
				}
				return writeBF(w, i, x)
			}
			if y.IsInt() {
				n, _ := y.Int(nil)
				if n.IsInt64() && n.Int64() >= math.MinInt32 && n.Int64() <= math.MaxInt32 {
					return writeBF(w, i, powInt(x, n.Int64()))
				}
			}
			if x.Sign() < 0 {
				return invalidf("a negative number raised to a non-integer power yields a complex result")
			}
			l := bigLnF(x)
			l.Mul(l, y)
			if f, _ := l.Float64(); f > 88.5 {
				return invalidf("value overflows numeric format")
			} else if f < -200 {
				return writeBF(w, i, newBF())
			}
			return writeBF(w, i, bigExpF(l))
		}
		return notSupportedf("numeric %s", name)
	})
}

func lnDomain(x *big.Float) error {
	switch x.Sign() {
	case 0:
		return invalidf("cannot take logarithm of zero")
	case -1:
		return invalidf("cannot take logarithm of a negative number")
	}
	return nil
}

// powInt is x^n by squaring; a negative n inverts.
func powInt(x *big.Float, n int64) *big.Float {
	neg := n < 0
	if neg {
		n = -n
	}
	r, b := newBF().SetInt64(1), newBF().Set(x)
	for n > 0 {
		if n&1 == 1 {
			r.Mul(r, b)
		}
		b.Mul(b, b)
		if e := b.MantExp(nil); e > 1000 || e < -1000 {
			if n > 1 {
				if neg == (e > 0) {
					return newBF() // underflows to zero
				}
				return newBF().SetInf(false)
			}
		}
		n >>= 1
	}
	if neg {
		r.Quo(newBF().SetInt64(1), r)
	}
	return r
}
