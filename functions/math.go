package functions

import (
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto"
)

var f64 = catalog.Float64

// mathFuncs declares PostgreSQL's math functions. abs, sign and the rounding family keep
// their argument's numeric type (numeric precision and scale decided by the binder), so
// they carry no Sigs; the float8 functions take and return double precision.
func mathFuncs() []*Func {
	num := func(name string, sql ...string) *Func {
		return &Func{ID: name, Name: name, URN: proto.URNTern, SQL: sql, Build: exec.Math(name)}
	}
	fl := func(name string, n int, sql ...string) *Func {
		args := make([]catalog.Type, n)
		for i := range args {
			args[i] = f64
		}
		return &Func{ID: name, Name: name, URN: proto.URNTern, SQL: sql, Sigs: []Sig{sig(f64, args...)}, Build: exec.Math(name)}
	}
	fs := []*Func{
		num(proto.FnAbs, "abs"),
		num(proto.FnSign, "sign"),
		num(proto.FnCeil, "ceil", "ceiling"),
		num(proto.FnFloor, "floor"),
		num(proto.FnTrunc, "trunc"),
		num(proto.FnRound, "round"),
		fl(proto.FnSqrt, 1, "sqrt"),
		fl(proto.FnCbrt, 1, "cbrt"),
		fl(proto.FnExp, 1, "exp"),
		fl(proto.FnLn, 1, "ln"),
		fl(proto.FnLog10, 1, "log10", "log"),
		fl(proto.FnSin, 1, "sin"),
		fl(proto.FnCos, 1, "cos"),
		fl(proto.FnTan, 1, "tan"),
		fl(proto.FnAsin, 1, "asin"),
		fl(proto.FnAcos, 1, "acos"),
		fl(proto.FnAtan, 1, "atan"),
		fl(proto.FnDegrees, 1, "degrees"),
		fl(proto.FnRadians, 1, "radians"),
		fl(proto.FnPower, 2, "power", "pow", "^"),
		// numeric only (planner/bind_math.go binds them and the numeric overloads of sqrt,
		// exp, ln, log10 and power, whose kernels switch to exact arithmetic on a numeric
		// result type)
		num(proto.FnLog, "log"),
		num(proto.FnDiv, "div"),
		fl(proto.FnAtan2, 2, "atan2"),
	}
	for _, name := range []string{proto.FnGreatest, proto.FnLeast} {
		f := num(name, name)
		f.Nulls = NullsSkipped
		fs = append(fs, f)
	}
	return fs
}
