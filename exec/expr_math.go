package exec

import (
	"bytes"
	"math"
	"math/big"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// PostgreSQL math functions, by their PostgreSQL names. Integer and numeric inputs are exact
// (numeric rounds half away from zero); double precision rounds half to even as rint().

type numKind uint8

const (
	kInt numKind = iota
	kFloat
	kDec
	kOther
)

func kindOf(dt arrow.DataType) numKind {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return kInt
	case arrow.FLOAT32, arrow.FLOAT64:
		return kFloat
	case arrow.DECIMAL128:
		return kDec
	}
	return kOther
}

func scaleOf(dt arrow.DataType) int32 {
	if d, ok := dt.(*arrow.Decimal128Type); ok {
		return d.Scale
	}
	return 0
}

// writeBig writes an exact value (unscaled big at scale s) into the output type.
func writeBig(w *rowWriter, i int, v *big.Int, s int32) error {
	switch o := w.out.(type) {
	case *arrow.Decimal128Type:
		r := rescaleBig(v, s, o.Scale)
		d, ok := bigToDec(r, o.Precision)
		if !ok {
			return errNumericOverflow
		}
		w.decimal(i, d)
	case *arrow.Float64Type, *arrow.Float32Type:
		f, _ := new(big.Float).SetInt(v).Float64()
		w.float(i, f/math.Pow10(int(s)))
	default:
		r := rescaleBig(v, s, 0)
		if !r.IsInt64() {
			return invalidf("%s", intRangeMsg(w.out.ID()))
		}
		x := r.Int64()
		lo, hi := intRange(w.out)
		if x < lo || x > hi {
			return invalidf("%s", intRangeMsg(w.out.ID()))
		}
		w.int(i, x)
	}
	return nil
}

// writeFloat writes a float result into the output type.
func writeFloat(w *rowWriter, i int, f float64) error {
	switch o := w.out.(type) {
	case *arrow.Decimal128Type:
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return invalidf("cannot convert %v to numeric", f)
		}
		d, err := decimal128.FromFloat64(f, o.Precision, o.Scale)
		if err != nil {
			return errNumericOverflow
		}
		w.decimal(i, d)
	case *arrow.Float64Type, *arrow.Float32Type:
		w.float(i, f)
	default:
		r := math.RoundToEven(f)
		lo, hi := intRange(w.out)
		if math.IsNaN(r) || r < float64(lo) || r > float64(hi) {
			return invalidf("%s", intRangeMsg(w.out.ID()))
		}
		w.int(i, int64(r))
	}
	return nil
}

// exactArg reads argument k of row i as an exact unscaled value and its scale.
func exactArg(a *rowArgs, k, i int) (*big.Int, int32) {
	dt := a.ops[k].arr.DataType()
	if dt.ID() == arrow.DECIMAL128 {
		return a.dec(k, i).BigInt(), scaleOf(dt)
	}
	return big.NewInt(a.i64(k, i)), 0
}

// roundBig rounds v (scale s) to d decimal digits: mode 'r' half away from zero, 't' toward
// zero, 'c' ceiling, 'f' floor. The result has scale max(d, 0) unless d >= s.
func roundBig(v *big.Int, s, d int32, mode byte) (*big.Int, int32) {
	if d >= s {
		return v, s
	}
	div := bigPow10(s - d)
	q, r := new(big.Int).QuoRem(v, div, new(big.Int))
	if r.Sign() != 0 {
		switch mode {
		case 'r':
			r2 := new(big.Int).Abs(r)
			r2.Lsh(r2, 1)
			if r2.Cmp(div) >= 0 {
				q.Add(q, big.NewInt(int64(v.Sign())))
			}
		case 'c':
			if v.Sign() > 0 {
				q.Add(q, big.NewInt(1))
			}
		case 'f':
			if v.Sign() < 0 {
				q.Sub(q, big.NewInt(1))
			}
		}
	}
	if d < 0 {
		q.Mul(q, bigPow10(-d))
		return q, 0
	}
	return q, d
}

// mathKernel returns the kernel of a PostgreSQL math function, or ok=false.
func mathKernel(name string, args []Expr, out arrow.DataType) (kernel, arrow.DataType, bool, error) {
	f64 := arrow.PrimitiveTypes.Float64
	var k0 numKind = kOther
	if len(args) > 0 {
		k0 = kindOf(args[0].Type())
		if out == nil {
			out = args[0].Type()
		}
	}
	numeric := func(n1, n2 int) error {
		if err := argsAre(args, n1, n2, name); err != nil {
			return err
		}
		for _, a := range args {
			if kindOf(a.Type()) == kOther && a.Type().ID() != arrow.NULL {
				return notSupportedf("function %s(%s)", name, a.Type())
			}
		}
		return nil
	}
	switch name {
	case "pi":
		return rowKernel(f64, false, func(a *rowArgs, i int, w *rowWriter) error { w.float(i, math.Pi); return nil }), f64, true, nil
	case "abs", "sign":
		if err := numeric(1, 1); err != nil {
			return nil, nil, true, err
		}
		return rowKernel(out, true, func(a *rowArgs, i int, w *rowWriter) error {
			if k0 == kFloat {
				x := a.f64(0, i)
				if name == "abs" {
					return writeFloat(w, i, math.Abs(x))
				}
				switch {
				case x > 0:
					return writeFloat(w, i, 1)
				case x < 0:
					return writeFloat(w, i, -1)
				}
				return writeFloat(w, i, 0)
			}
			v, s := exactArg(a, 0, i)
			if name == "abs" {
				return writeBig(w, i, new(big.Int).Abs(v), s)
			}
			return writeBig(w, i, big.NewInt(int64(v.Sign())), 0)
		}), out, true, nil
	case "round", "trunc", "ceil", "ceiling", "floor":
		if err := numeric(1, 2); err != nil {
			return nil, nil, true, err
		}
		mode := map[string]byte{"round": 'r', "trunc": 't', "ceil": 'c', "ceiling": 'c', "floor": 'f'}[name]
		return rowKernel(out, true, func(a *rowArgs, i int, w *rowWriter) error {
			var d int64
			if len(a.ops) > 1 {
				d = a.i64(1, i)
			}
			if k0 == kFloat {
				x := a.f64(0, i)
				p := math.Pow10(int(d))
				y := x * p
				switch mode {
				case 'r':
					y = math.RoundToEven(y)
				case 't':
					y = math.Trunc(y)
				case 'c':
					y = math.Ceil(y)
				case 'f':
					y = math.Floor(y)
				}
				if d != 0 {
					y /= p
				}
				return writeFloat(w, i, y)
			}
			v, s := exactArg(a, 0, i)
			r, rs := roundBig(v, s, int32(max(min(d, 38), -38)), mode)
			return writeBig(w, i, r, rs)
		}), out, true, nil
	case "mod":
		if err := numeric(2, 2); err != nil {
			return nil, nil, true, err
		}
		return rowKernel(out, true, func(a *rowArgs, i int, w *rowWriter) error {
			x, s1 := exactArg(a, 0, i)
			y, s2 := exactArg(a, 1, i)
			s := max(s1, s2)
			x, y = rescaleBig(x, s1, s), rescaleBig(y, s2, s)
			if y.Sign() == 0 {
				return invalidf("division by zero")
			}
			return writeBig(w, i, new(big.Int).Rem(x, y), s)
		}), out, true, nil
	case "sqrt", "cbrt", "exp", "ln", "log10", "log", "power", "pow", "degrees", "radians",
		"sin", "cos", "tan", "asin", "acos", "atan", "atan2", "div":
		if err := numeric(1, 2); err != nil {
			return nil, nil, true, err
		}
		if out.ID() == arrow.DECIMAL128 {
			switch name {
			case "sqrt", "exp", "ln", "log10", "log", "power", "pow", "div":
				for _, a := range args {
					if k := kindOf(a.Type()); k != kDec && k != kInt && a.Type().ID() != arrow.NULL {
						return nil, nil, true, notSupportedf("function %s(%s) with a numeric result", name, a.Type())
					}
				}
				if n := map[string]int{"log": 2, "power": 2, "pow": 2, "div": 2}[name]; n == 2 && len(args) != 2 {
					return nil, nil, true, invalidf("%s needs 2 arguments", name)
				}
				return numericMathKernel(name, args, out), out, true, nil
			}
		}
		if name == "div" {
			return nil, nil, true, notSupportedf("div with a %s result", out)
		}
		two := len(args) == 2
		return rowKernel(out, true, func(a *rowArgs, i int, w *rowWriter) error {
			x := a.f64(0, i)
			var r float64
			switch name {
			case "sqrt":
				if x < 0 {
					return invalidf("cannot take square root of a negative number")
				}
				r = math.Sqrt(x)
			case "cbrt":
				r = math.Cbrt(x)
			case "exp":
				r = math.Exp(x)
				if math.IsInf(r, 0) && !math.IsInf(x, 0) {
					return invalidf("value out of range: overflow")
				}
			case "ln", "log10", "log":
				base, v := 0.0, x
				if name == "log" && two {
					base, v = x, a.f64(1, i)
					if base <= 0 || v <= 0 {
						if base == 0 || v == 0 {
							return invalidf("cannot take logarithm of zero")
						}
						return invalidf("cannot take logarithm of a negative number")
					}
					if base == 1 {
						return invalidf("division by zero")
					}
					r = math.Log(v) / math.Log(base)
					break
				}
				if v == 0 {
					return invalidf("cannot take logarithm of zero")
				}
				if v < 0 {
					return invalidf("cannot take logarithm of a negative number")
				}
				if name == "ln" {
					r = math.Log(v)
				} else {
					r = math.Log10(v)
				}
			case "power", "pow":
				y := a.f64(1, i)
				if x == 0 && y < 0 {
					return invalidf("zero raised to a negative power is undefined")
				}
				if x < 0 && y != math.Trunc(y) {
					return invalidf("a negative number raised to a non-integer power yields a complex result")
				}
				r = math.Pow(x, y)
				if math.IsInf(r, 0) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
					return invalidf("value out of range: overflow")
				}
			case "degrees":
				r = x * 180 / math.Pi
			case "radians":
				r = x * math.Pi / 180
			case "sin":
				r = math.Sin(x)
			case "cos":
				r = math.Cos(x)
			case "tan":
				r = math.Tan(x)
			case "asin", "acos":
				if x < -1 || x > 1 {
					return invalidf("input is out of range")
				}
				if name == "asin" {
					r = math.Asin(x)
				} else {
					r = math.Acos(x)
				}
			case "atan":
				r = math.Atan(x)
			case "atan2":
				r = math.Atan2(x, a.f64(1, i))
			}
			return writeFloat(w, i, r)
		}), out, true, nil
	case "greatest", "least":
		if len(args) == 0 {
			return nil, nil, true, invalidf("function %s needs arguments", name)
		}
		greatest := name == "greatest"
		return rowKernel(out, false, func(a *rowArgs, i int, w *rowWriter) error {
			best := -1
			for k := range a.ops {
				if a.ops[k].arr.DataType().ID() == arrow.NULL || !a.valid(k, i) {
					continue
				}
				if best < 0 {
					best = k
					continue
				}
				c := cmpArgs(a, k, best, i)
				if (greatest && c > 0) || (!greatest && c < 0) {
					best = k
				}
			}
			if best < 0 {
				return nil
			}
			return copyArg(a, best, i, w)
		}), out, true, nil
	}
	return nil, nil, false, nil
}

// cmpArgs compares arguments x and y of row i (same type family).
func cmpArgs(a *rowArgs, x, y, i int) int {
	dt := a.ops[x].arr.DataType()
	switch {
	case a.strs[x] != nil:
		return bytes.Compare(a.str(x, i), a.str(y, i))
	case dt.ID() == arrow.DECIMAL128:
		return decCmp(a.dec(x, i), a.dec(y, i), scaleOf(dt), scaleOf(a.ops[y].arr.DataType()))
	case dt.ID() == arrow.FLOAT32 || dt.ID() == arrow.FLOAT64:
		p, q := floatKey(a.f64(x, i)), floatKey(a.f64(y, i))
		switch {
		case p < q:
			return -1
		case p > q:
			return 1
		}
		return 0
	case dt.ID() == arrow.BOOL:
		p, q := b2byte(a.ops[x].arr.(interface{ Value(int) bool }).Value(i*a.ops[x].stride())), b2byte(a.ops[y].arr.(interface{ Value(int) bool }).Value(i*a.ops[y].stride()))
		return int(p) - int(q)
	case a.ints[x] != nil:
		p, q := a.i64(x, i), a.i64(y, i)
		switch {
		case p < q:
			return -1
		case p > q:
			return 1
		}
	}
	return 0
}

// copyArg writes argument k of row i to the output.
func copyArg(a *rowArgs, k, i int, w *rowWriter) error {
	dt := a.ops[k].arr.DataType()
	switch {
	case a.strs[k] != nil:
		w.text(i, a.str(k, i))
	case dt.ID() == arrow.DECIMAL128:
		return writeBig(w, i, a.dec(k, i).BigInt(), scaleOf(dt))
	case dt.ID() == arrow.FLOAT32 || dt.ID() == arrow.FLOAT64:
		return writeFloat(w, i, a.f64(k, i))
	case dt.ID() == arrow.BOOL:
		w.boolean(i, a.ops[k].arr.(interface{ Value(int) bool }).Value(i*a.ops[k].stride()))
	case a.ints[k] != nil:
		w.int(i, a.i64(k, i))
	default:
		return notSupportedf("greatest/least of %s", dt)
	}
	return nil
}
