package planner

import (
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/functions"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// scalarFunc binds a call of a scalar function. Functions beyond proto's standard names are
// emitted under their PostgreSQL names with PostgreSQL's argument order and result types
// (proto/doc.go); a few are rewritten into other expressions (concat, nullif, ...).
func (b *binder) scalarFunc(name string, args []logical.Expr, loc int32) (logical.Expr, error) {
	undefined := func() error {
		ts := make([]string, len(args))
		for i, a := range args {
			ts[i] = opTypeName(a.Type())
		}
		return b.errAt(loc, logical.Errorf(errs.ErrNotFound, "function %s(%s) does not exist", name, strings.Join(ts, ", ")))
	}
	if e, ok := b.sessionFunc(name, len(args)); ok {
		return e, nil
	}
	if paddedArgs[name] { // bind_char.go
		for i := range args {
			args[i] = keepPadding(args[i])
		}
	}
	if name == "current_setting" && (len(args) == 1 || len(args) == 2) {
		return b.currentSetting(args, loc) // settings.go
	}
	if e, ok, err := b.numericMath(name, args, loc); ok || err != nil {
		return e, err
	}
	if e, ok, err := b.formatFunc(name, args, loc); ok || err != nil {
		return e, err // bind_format.go
	}
	if arrayFunctionNames[name] {
		return b.arrayFunc(name, args, loc) // bind_array.go
	}
	if e, ok := b.resolveBySig(name, args); ok {
		return e, nil
	}
	n := len(args)
	// to brings argument i to type t when an implicit cast allows it.
	to := func(i int, t catalog.Type) bool {
		if !canImplicit(args[i].Type(), t) && !(args[i].Type().Kind == t.Kind) {
			return false
		}
		e, err := b.coerce(args[i], t)
		if err != nil {
			return false
		}
		args[i] = e
		return true
	}
	text := func(i int) bool { return to(i, catalog.Text) }
	i32 := func(i int) bool { return to(i, catalog.Int32) }
	mk := func(sqlName string, t catalog.Type) logical.Expr { return regCall(fnOf(sqlName), t, args) }
	// numeric argument: float8 stays float8, integers and numeric become numeric
	number := func(i int) (catalog.Type, bool) {
		t := args[i].Type()
		switch {
		case isUnknown(t):
			if !to(i, catalog.Float64) {
				return t, false
			}
			return catalog.Float64, true
		case isFloat(t):
			to(i, catalog.Float64)
			return catalog.Float64, true
		case isInt(t):
			nt := asNumeric(t)
			to(i, nt)
			return nt, true
		case t.Kind == catalog.TypeNumeric:
			return t, true
		}
		return t, false
	}
	switch name {
	case "concat", "concat_ws":
		// concat and concat_ws skip NULL arguments (PostgreSQL's functions, under URNTern)
		if n == 0 || (name == "concat_ws" && n < 2) {
			return nil, undefined()
		}
		var sep logical.Expr
		rest := args
		if name == "concat_ws" {
			if !text(0) {
				return nil, undefined()
			}
			sep, rest = args[0], args[1:]
		}
		var parts []logical.Expr
		for _, a := range rest {
			a = b.resolveUnknown(a)
			if lit, ok := a.(*logical.Literal); ok && lit.Value == nil {
				continue
			}
			if a.Type().Kind == catalog.TypeBool {
				// arguments are printed by their type's output function: t/f, not true/false
				a = &logical.Case{Whens: []logical.When{
					{Cond: a, Result: &logical.Literal{Typ: catalog.Text, Value: "t"}},
					{Cond: call(proto.FnNot, catalog.Bool, a), Result: &logical.Literal{Typ: catalog.Text, Value: "f"}},
				}, Typ: catalog.Text}
			}
			t, err := b.coerce(a, catalog.Text)
			if err != nil {
				return nil, b.errAt(loc, err)
			}
			parts = append(parts, t)
		}
		if sep != nil {
			if len(parts) == 0 {
				return &logical.Literal{Typ: catalog.Text, Value: ""}, nil
			}
			return regCall(proto.FnConcatWS, catalog.Text, append([]logical.Expr{sep}, parts...)), nil
		}
		if len(parts) == 0 {
			return &logical.Literal{Typ: catalog.Text, Value: ""}, nil
		}
		return &logical.Call{Fn: logical.FnConcatFunc, Args: parts, Typ: catalog.Text}, nil
	case "abs":
		if n != 1 {
			return nil, undefined()
		}
		t := args[0].Type()
		if isUnknown(t) {
			to(0, catalog.Float64)
			t = catalog.Float64
		}
		if !isNumber(t) {
			return nil, undefined()
		}
		return mk(name, t), nil
	case "sign":
		if n != 1 {
			return nil, undefined()
		}
		if isInt(args[0].Type()) {
			to(0, catalog.Float64) // PostgreSQL picks sign(double precision) for integers
		}
		t, ok := number(0)
		if !ok {
			return nil, undefined()
		}
		if t.Kind == catalog.TypeNumeric {
			t = catalog.Numeric(1, 0)
		}
		return mk(name, t), nil
	case "ceil", "ceiling", "floor", "trunc", "round":
		if n < 1 || n > 2 {
			return nil, undefined()
		}
		if n == 1 && isInt(args[0].Type()) {
			to(0, catalog.Float64) // as PostgreSQL: the double precision overload for integers
		}
		t, ok := number(0)
		if !ok || (n == 2 && (t.Kind != catalog.TypeNumeric || !i32(1))) {
			if n == 2 && isFloat(args[0].Type()) {
				return nil, undefined()
			}
			if !ok {
				return nil, undefined()
			}
		}
		if t.Kind == catalog.TypeNumeric {
			s := int32(0)
			if n == 2 {
				s = t.Scale
				if l, ok := args[1].(*logical.Literal); ok {
					if v, ok := l.Value.(int64); ok {
						s = int32(max(0, min(v, 37)))
					}
				}
			}
			p := min(38, t.Precision-t.Scale+s+1)
			return mk(name, catalog.Numeric(max(p, 1), s)), nil
		}
		return mk(name, t), nil
	case "pi":
		if n != 0 {
			return nil, undefined()
		}
		return &logical.Literal{Typ: catalog.Float64, Value: 3.141592653589793}, nil
	case "mod":
		if n != 2 {
			return nil, undefined()
		}
		return b.binary("%", args[0], args[1], loc)
	case "greatest", "least":
		return b.minMax(name, args, loc)
	case "nullif":
		if n != 2 {
			return nil, undefined()
		}
	case "date_part", "extract":
		return b.extract(name, args, loc)
	case "date_trunc":
		if n != 2 || !text(0) {
			return nil, undefined()
		}
		t := args[1].Type()
		switch t.Kind {
		case catalog.TypeDate, catalog.TypeTimestampTZ:
			to(1, catalog.TimestampTZ)
			return mk(name, catalog.TimestampTZ), nil
		case catalog.TypeTimestamp, catalog.TypeInterval:
			return mk(name, t), nil
		case catalog.TypeUnknown:
			to(1, catalog.Timestamp)
			return mk(name, catalog.Timestamp), nil
		}
		return nil, undefined()
	case "age": // age(x); age(a, b) resolves by the registry's signatures
		if n != 1 {
			return nil, undefined()
		}
		return b.ageOne(args, loc) // bind_age.go
	case "clock_timestamp", "timeofday", "random":
		return nil, b.errAt(loc, notSupported("function %s is not supported yet", name))
	case "read_parquet", "read_csv", "read_json":
		return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "%s can only be used in FROM", name))
	case "grouping":
		if n == 0 {
			return nil, undefined()
		}
		return &logical.Call{Fn: "grouping", Args: args, Typ: catalog.Int32}, nil
	}
	return nil, undefined()
}

// fnOf is the registry ID of the function SQL name stands for (its first declaration).
func fnOf(sqlName string) string {
	if fs := functions.BySQL(sqlName); len(fs) > 0 {
		return fs[0].ID
	}
	return sqlName
}

// regCall builds a call of registry function id with its declared nullability rule.
func regCall(id string, t catalog.Type, args []logical.Expr) *logical.Call {
	f, ok := functions.ByID(id)
	if !ok {
		return call(id, t, args...) // the producer reports it: every function must be declared
	}
	nulls := make([]bool, len(args))
	for i, a := range args {
		nulls[i] = a.Nullable()
	}
	return &logical.Call{Fn: id, Args: args, Typ: t, Null: f.Nullable(nulls)}
}

// resolveBySig binds a call of a registry function with declared signatures (package
// functions): the first signature, in declaration order, whose parameter types every
// argument reaches by an implicit cast (or already has) decides the coercions and the
// result type; nullability follows the function's rule. ok is false when no declared
// signature fits (the caller's own rules, then "function does not exist").
func (b *binder) resolveBySig(name string, args []logical.Expr) (logical.Expr, bool) {
	for _, f := range functions.BySQL(name) {
		for _, s := range f.Sigs {
			if !s.Accepts(len(args)) {
				continue
			}
			out := make([]logical.Expr, len(args))
			nulls := make([]bool, len(args))
			ok := true
			for i, a := range args {
				t := s.Args[i]
				if !canImplicit(a.Type(), t) && a.Type().Kind != t.Kind {
					ok = false
					break
				}
				e, err := b.coerce(a, t)
				if err != nil {
					ok = false
					break
				}
				out[i], nulls[i] = e, e.Nullable()
			}
			if ok {
				return &logical.Call{Fn: f.ID, Args: out, Typ: s.Result, Null: f.Nullable(nulls)}, true
			}
		}
	}
	return nil, false
}

// minMax binds GREATEST / LEAST: arguments brought to their common type; NULLs ignored.
func (b *binder) minMax(name string, args []logical.Expr, loc int32) (logical.Expr, error) {
	t, err := b.commonOf(args, strings.ToUpper(name), loc)
	if err != nil {
		return nil, err
	}
	null := true
	for i := range args {
		if args[i], err = b.coerce(args[i], t); err != nil {
			return nil, b.errAt(loc, err)
		}
		null = null && args[i].Nullable()
	}
	return &logical.Call{Fn: fnOf(name), Args: args, Typ: t, Null: null}, nil
}

var extractFields = map[string]bool{"century": true, "day": true, "decade": true, "dow": true, "doy": true, "epoch": true,
	"hour": true, "isodow": true, "isoyear": true, "julian": true, "microseconds": true, "millennium": true, "milliseconds": true,
	"minute": true, "month": true, "quarter": true, "second": true, "timezone": true, "timezone_hour": true, "timezone_minute": true,
	"week": true, "year": true}

// extract binds EXTRACT(field FROM x) (numeric result) and date_part('field', x) (double).
func (b *binder) extract(name string, args []logical.Expr, loc int32) (logical.Expr, error) {
	if len(args) != 2 {
		return nil, b.errAt(loc, logical.Errorf(errs.ErrNotFound, "function %s does not exist", name))
	}
	f, ok := args[0].(*logical.Literal)
	if !ok || f.Value == nil || (f.Typ.Kind != catalog.TypeText && !isUnknown(f.Typ)) {
		return nil, b.errAt(loc, notSupported("%s needs a constant field name", name))
	}
	field := strings.ToLower(f.Value.(string))
	switch field {
	case "days":
		field = "day"
	case "years":
		field = "year"
	case "months", "mon", "mons":
		field = "month"
	case "hours":
		field = "hour"
	case "minutes":
		field = "minute"
	case "seconds":
		field = "second"
	}
	t := args[1].Type()
	if isUnknown(t) {
		var err error
		if args[1], err = b.coerce(args[1], catalog.TimestampTZ); err != nil {
			return nil, b.errAt(loc, err)
		}
		t = catalog.TimestampTZ
	}
	if !isDatetime(t) && t.Kind != catalog.TypeInterval {
		return nil, b.errAt(loc, logical.Errorf(errs.ErrNotFound, "function %s(unknown, %s) does not exist", name, opTypeName(t)))
	}
	if !extractFields[field] {
		tn := opTypeName(t)
		if t.Kind == catalog.TypeDate {
			tn = "date"
		}
		return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "unit \"%s\" not recognized for type %s", field, tn))
	}
	fl := &logical.Literal{Typ: catalog.Text, Value: field}
	out := catalog.Float64
	if name == "extract" {
		switch field {
		case "epoch", "second":
			out = catalog.Numeric(38, 6)
		case "milliseconds":
			out = catalog.Numeric(38, 3)
		case "julian":
			out = catalog.Numeric(38, 10)
		default:
			out = catalog.Numeric(20, 0)
		}
		if t.Kind == catalog.TypeDate && (field == "epoch" || field == "second") {
			out = catalog.Numeric(38, 0)
		}
	}
	return &logical.Call{Fn: name, Args: []logical.Expr{fl, args[1]}, Typ: out, Null: args[1].Nullable()}, nil
}

// constDivScale is the scale PostgreSQL gives the quotient of two numeric constants
// (select_div_scale: at least 16 significant digits, counted in base-10000 digits).
func constDivScale(l, r logical.Expr, lt, rt catalog.Type) (int32, bool) {
	ll, ok1 := l.(*logical.Literal)
	rl, ok2 := r.(*logical.Literal)
	if !ok1 || !ok2 || ll.Value == nil || rl.Value == nil {
		return 0, false
	}
	lv, err1 := logical.CastValue(ll.Value, ll.Typ, lt)
	rv, err2 := logical.CastValue(rl.Value, rl.Typ, rt)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	w1, f1 := base10000(logical.DecimalToRat(lv.(decimal128.Num), lt.Scale).FloatString(int(lt.Scale)))
	w2, f2 := base10000(logical.DecimalToRat(rv.(decimal128.Num), rt.Scale).FloatString(int(rt.Scale)))
	if f2 == 0 {
		return 0, false
	}
	q := w1 - w2
	if f1 <= f2 {
		q--
	}
	s := int32(16 - q*4)
	s = max(s, lt.Scale, rt.Scale, 0)
	return min(s, 37), true
}

// base10000 returns the weight and first digit of a decimal number in base 10000, as
// PostgreSQL's numeric stores it.
func base10000(s string) (int, int) {
	s = strings.TrimLeft(s, "-")
	ip, fp, _ := strings.Cut(s, ".")
	ip = strings.TrimLeft(ip, "0")
	if ip != "" {
		pad := (4 - len(ip)%4) % 4
		ip = strings.Repeat("0", pad) + ip
		d, _ := strconv.Atoi(ip[:4])
		return len(ip)/4 - 1, d
	}
	if fp == "" {
		return 0, 0
	}
	fp += strings.Repeat("0", (4-len(fp)%4)%4)
	for i := 0; i < len(fp); i += 4 {
		d, _ := strconv.Atoi(fp[i : i+4])
		if d != 0 {
			return -(i / 4) - 1, d
		}
	}
	return 0, 0
}

// intervalArith binds the arithmetic of PostgreSQL's datetime/interval operators:
// timestamp[tz] +/- interval, date +/- interval (as timestamp), timestamp - timestamp,
// interval +/- interval, interval * / number. ok is false when no operand is an interval
// or a timestamp (the caller goes on with other rules).
func (b *binder) intervalArith(fn, op string, l, r logical.Expr, loc int32) (logical.Expr, bool, error) {
	lt, rt := l.Type(), r.Type()
	isTS := func(t catalog.Type) bool {
		return t.Kind == catalog.TypeTimestamp || t.Kind == catalog.TypeTimestampTZ
	}
	iv := func(t catalog.Type) bool { return t.Kind == catalog.TypeInterval }
	if !iv(lt) && !iv(rt) && !isTS(lt) && !isTS(rt) {
		return nil, false, nil
	}
	// an untyped literal next to an interval or a timestamp
	if isUnknown(lt) {
		switch {
		case iv(rt) && (fn == proto.FnAdd || fn == proto.FnSubtract):
			lt = catalog.Interval
		case isTS(rt) && fn == proto.FnSubtract:
			lt = rt
		case isTS(rt):
			lt = catalog.Interval
		}
	}
	if isUnknown(rt) {
		switch {
		case iv(lt) && (fn == proto.FnAdd || fn == proto.FnSubtract):
			rt = catalog.Interval
		case iv(lt):
			rt = catalog.Float64
		case isTS(lt) && fn == proto.FnSubtract:
			rt = lt
		case isTS(lt) || lt.Kind == catalog.TypeDate:
			rt = catalog.Interval
		}
	}
	var err error
	co := func(e *logical.Expr, t catalog.Type) {
		if err == nil {
			*e, err = b.coerce(*e, t)
		}
	}
	fail := func() (logical.Expr, bool, error) { return nil, true, b.opError(loc, l, op, r) }
	switch {
	case (isTS(lt) || lt.Kind == catalog.TypeDate) && iv(rt) && (fn == proto.FnAdd || fn == proto.FnSubtract):
		co(&r, catalog.Interval)
		t := lt
		if lt.Kind == catalog.TypeDate {
			t = catalog.Timestamp
		}
		co(&l, t)
		return call(fn, t, l, r), true, err
	case iv(lt) && (isTS(rt) || rt.Kind == catalog.TypeDate) && fn == proto.FnAdd:
		co(&l, catalog.Interval)
		t := rt
		if rt.Kind == catalog.TypeDate {
			t = catalog.Timestamp
		}
		co(&r, t)
		return call(fn, t, r, l), true, err
	case isTS(lt) && isTS(rt) && fn == proto.FnSubtract:
		t, _ := commonType(lt, rt)
		co(&l, t)
		co(&r, t)
		return call(fn, catalog.Interval, l, r), true, err
	case isTS(lt) && rt.Kind == catalog.TypeDate && fn == proto.FnSubtract,
		lt.Kind == catalog.TypeDate && isTS(rt) && fn == proto.FnSubtract:
		t, _ := commonType(lt, rt)
		co(&l, t)
		co(&r, t)
		return call(fn, catalog.Interval, l, r), true, err
	case iv(lt) && iv(rt) && (fn == proto.FnAdd || fn == proto.FnSubtract):
		co(&l, catalog.Interval)
		co(&r, catalog.Interval)
		return call(fn, catalog.Interval, l, r), true, err
	case iv(lt) && (isNumber(rt) || isUnknown(rt)) && (fn == proto.FnMultiply || fn == proto.FnDivide):
		co(&l, catalog.Interval)
		co(&r, catalog.Float64)
		return call(fn, catalog.Interval, l, r), true, err
	case (isNumber(lt) || isUnknown(lt)) && iv(rt) && fn == proto.FnMultiply:
		co(&l, catalog.Float64)
		co(&r, catalog.Interval)
		return call(fn, catalog.Interval, r, l), true, err
	case iv(lt) || iv(rt):
		return fail()
	}
	if isTS(lt) || isTS(rt) {
		if lt.Kind == catalog.TypeDate || rt.Kind == catalog.TypeDate || !isUnknown(lt) && !isUnknown(rt) {
			return fail()
		}
	}
	return nil, false, nil
}
