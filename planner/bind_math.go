package planner

import (
	"math"
	"math/big"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
)

// PostgreSQL's resolution of the math functions that have both a double precision and a
// numeric overload (sqrt, exp, ln, log, power and ^, div; round & co. in scalarFunc): a
// numeric argument (and no double) picks the numeric overload, integers alone pick double
// precision (float8 is the numeric category's preferred type), log(b, x) and div exist for
// numeric only.
//
// PostgreSQL chooses a numeric result's scale per value (numeric.c: at least 16 significant
// digits, never less than the inputs' display scales). Tern's numeric columns have one scale,
// so the binder applies the same rule to constant arguments, which gives PostgreSQL's exact
// answer, and to other arguments as if their value were of magnitude 1 (PostgreSQL's answer
// for values of that size; other magnitudes show a different number of digits). Results are
// NUMERIC(38, s): PostgreSQL's values beyond 38 digits overflow here.

const numMinSigDigits = 16

// numArg describes a numeric argument for the scale rules: its display scale and, when it is
// a constant, its value.
type numArg struct {
	dscale int32
	val    *big.Rat // nil: not a constant
}

func numArgOf(e logical.Expr) numArg {
	a := numArg{dscale: e.Type().Scale}
	if e.Type().Kind != catalog.TypeNumeric {
		a.dscale = 0
	}
	for {
		c, ok := e.(*logical.Cast)
		if !ok {
			break
		}
		e = c.Input
	}
	l, ok := e.(*logical.Literal)
	if !ok || l.Value == nil {
		return a
	}
	switch v := l.Value.(type) {
	case decimal128.Num:
		a.val = logical.DecimalToRat(v, l.Typ.Scale)
	case int64:
		a.val = new(big.Rat).SetInt64(v)
	}
	return a
}

func (a numArg) float() float64 {
	if a.val == nil {
		return 1
	}
	f, _ := a.val.Float64()
	return f
}

// weight is PostgreSQL's weight of the value in base-10000 digits (0 for zero).
func (a numArg) weight() int32 {
	f := math.Abs(a.float())
	if f == 0 {
		return 0
	}
	d := int32(math.Floor(math.Log10(f))) // decimal exponent of the first digit
	if d >= 0 {
		return d / 4
	}
	return -((-d + 3) / 4)
}

// lnDweight is numeric.c's estimate_ln_dweight: the decimal weight of ln(x).
func (a numArg) lnDweight() int32 {
	x := a.float()
	if x <= 0 {
		return 0
	}
	if x >= 0.9 && x <= 1.1 {
		if x == 1 {
			return 0
		}
		return int32(math.Floor(math.Log10(math.Abs(x - 1))))
	}
	return int32(math.Log10(math.Abs(math.Log(x)))) // truncated as C's (int)
}

func (a numArg) isInt() bool { return a.val != nil && a.val.IsInt() }

func clampScale(s int32, inputs ...numArg) int32 {
	for _, a := range inputs {
		s = max(s, a.dscale)
	}
	return max(0, min(s, 37))
}

// numericMathScale is PostgreSQL's result scale of the numeric overload of fn.
func numericMathScale(fn string, args []numArg) int32 {
	switch fn {
	case proto.FnSqrt:
		sweight := 2*args[0].weight() + 1
		return clampScale(numMinSigDigits-sweight, args[0])
	case proto.FnExp:
		v := args[0].float() * 0.434294481903252
		v = max(min(v, 2000), -2000)
		return clampScale(numMinSigDigits-int32(v), args[0])
	case proto.FnLn:
		return clampScale(numMinSigDigits-args[0].lnDweight(), args[0])
	case proto.FnLog10:
		return clampScale(numMinSigDigits-args[0].lnDweight(), args[0])
	case proto.FnLog:
		return clampScale(numMinSigDigits-(args[1].lnDweight()-args[0].lnDweight()), args...)
	case proto.FnPower:
		base, exp := args[0], args[1]
		if exp.val == nil || exp.isInt() {
			return clampScale(numMinSigDigits, base)
		}
		v := exp.float() * math.Log(math.Abs(base.float())) * 0.434294481903252
		if base.float() == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			v = 0
		}
		v = max(min(v, 2000), -2000)
		return clampScale(numMinSigDigits-int32(v), args...)
	}
	return 0
}

// numericMath binds sqrt/exp/ln/log/power/pow/div when PostgreSQL resolves them to their
// numeric overload; ok=false leaves the call to the double precision signatures.
func (b *binder) numericMath(name string, args []logical.Expr, loc int32) (logical.Expr, bool, error) {
	var fn string
	switch {
	case len(args) == 1 && name == "sqrt":
		fn = proto.FnSqrt
	case len(args) == 1 && name == "exp":
		fn = proto.FnExp
	case len(args) == 1 && name == "ln":
		fn = proto.FnLn
	case len(args) == 1 && name == "log":
		fn = proto.FnLog10
	case len(args) == 2 && name == "log":
		fn = proto.FnLog
	case len(args) == 2 && (name == "power" || name == "pow"):
		fn = proto.FnPower
	case len(args) == 2 && name == "div":
		fn = proto.FnDiv
	default:
		return nil, false, nil
	}
	anyNumeric, anyFloat := false, false
	for _, a := range args {
		switch t := a.Type(); {
		case t.Kind == catalog.TypeNumeric:
			anyNumeric = true
		case isFloat(t):
			anyFloat = true
		case isInt(t), isUnknown(t):
		default:
			return nil, false, nil // the caller reports "function does not exist"
		}
	}
	// log(b, x) and div have only the numeric overload: double arguments find no function
	if fn == proto.FnLog || fn == proto.FnDiv {
		if anyFloat {
			return nil, false, nil
		}
	} else if anyFloat || !anyNumeric {
		return nil, false, nil
	}
	out := make([]logical.Expr, len(args))
	nums := make([]numArg, len(args))
	for i, a := range args {
		t := a.Type()
		if t.Kind != catalog.TypeNumeric {
			t = asNumeric(t)
			if isUnknown(t) {
				t = catalog.Numeric(38, 16)
			}
		}
		e, err := b.coerce(a, t)
		if err != nil {
			return nil, true, b.errAt(loc, err)
		}
		out[i], nums[i] = e, numArgOf(e)
	}
	scale := int32(0)
	if fn != proto.FnDiv {
		scale = numericMathScale(fn, nums)
	}
	return regCall(fn, catalog.Numeric(38, scale), out), true, nil
}
