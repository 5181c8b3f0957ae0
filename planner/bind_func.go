package planner

import (
	"strings"

	"github.com/tern-db/tern/catalog"
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
	all := func(f func(int) bool) bool {
		for i := range args {
			if !f(i) {
				return false
			}
		}
		return true
	}
	mk := func(fn string, t catalog.Type) logical.Expr { return call(fn, t, args...) }
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
	case "lower", "upper", "initcap", "reverse", "md5":
		if n != 1 || !text(0) {
			return nil, undefined()
		}
		return mk(name, catalog.Text), nil
	case "length", "char_length", "character_length":
		if n != 1 || !text(0) {
			return nil, undefined()
		}
		return call(proto.FnLength, catalog.Int32, args...), nil
	case "octet_length", "bit_length", "ascii":
		if n != 1 || !text(0) {
			return nil, undefined()
		}
		return mk(name, catalog.Int32), nil
	case "substring", "substr":
		if n < 2 || n > 3 || !text(0) || !i32(1) || (n == 3 && !i32(2)) {
			return nil, undefined()
		}
		return call(proto.FnSubstr, catalog.Text, args...), nil
	case "position", "strpos":
		// position(substring IN string) arrives as position(string, substring)
		if n != 2 || !text(0) || !text(1) {
			return nil, undefined()
		}
		return call("strpos", catalog.Int32, args...), nil
	case "btrim", "ltrim", "rtrim", "trim":
		if n < 1 || n > 2 || !all(text) {
			return nil, undefined()
		}
		if name == "trim" {
			name = "btrim"
		}
		return mk(name, catalog.Text), nil
	case "replace", "translate":
		if n != 3 || !all(text) {
			return nil, undefined()
		}
		return mk(name, catalog.Text), nil
	case "split_part":
		if n != 3 || !text(0) || !text(1) || !i32(2) {
			return nil, undefined()
		}
		return mk(name, catalog.Text), nil
	case "left", "right", "repeat":
		if n != 2 || !text(0) || !i32(1) {
			return nil, undefined()
		}
		return mk(name, catalog.Text), nil
	case "lpad", "rpad":
		if n < 2 || n > 3 || !text(0) || !i32(1) || (n == 3 && !text(2)) {
			return nil, undefined()
		}
		return mk(name, catalog.Text), nil
	case "chr":
		if n != 1 || !i32(0) {
			return nil, undefined()
		}
		return mk(name, catalog.Text), nil
	case "starts_with":
		if n != 2 || !all(text) {
			return nil, undefined()
		}
		return mk(name, catalog.Bool), nil
	case "regexp_replace":
		if n < 3 || n > 4 || !all(text) {
			return nil, undefined()
		}
		return mk(name, catalog.Text), nil
	case "regexp_like":
		if n < 2 || n > 3 || !all(text) {
			return nil, undefined()
		}
		return mk(name, catalog.Bool), nil
	case "regexp_substr":
		if n != 2 || !all(text) {
			return nil, undefined()
		}
		return mk(name, catalog.Text), nil
	case "regexp_count":
		if n != 2 || !all(text) {
			return nil, undefined()
		}
		return mk(name, catalog.Int32), nil
	case "concat", "concat_ws":
		// concat ignores NULLs: || over COALESCE(arg::text, '')
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
			t, err := b.coerce(a, catalog.Text)
			if err != nil {
				return nil, b.errAt(loc, err)
			}
			if sep != nil {
				parts = append(parts, t)
				continue
			}
			parts = append(parts, coalesceText(t))
		}
		if sep != nil {
			if len(parts) == 0 {
				return &logical.Literal{Typ: catalog.Text, Value: ""}, nil
			}
			return call("concat_ws", catalog.Text, append([]logical.Expr{sep}, parts...)...), nil
		}
		if len(parts) == 0 {
			return &logical.Literal{Typ: catalog.Text, Value: ""}, nil
		}
		e := parts[0]
		for _, p := range parts[1:] {
			e = call(proto.FnConcat, catalog.Text, e, p)
		}
		return e, nil
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
		return mk("abs", t), nil
	case "sign":
		if n != 1 {
			return nil, undefined()
		}
		t, ok := number(0)
		if !ok {
			return nil, undefined()
		}
		return mk(name, t), nil
	case "ceil", "ceiling", "floor", "trunc", "round":
		if name == "ceiling" {
			name = "ceil"
		}
		if n < 1 || n > 2 {
			return nil, undefined()
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
				if l, ok := args[1].(*logical.Literal); ok && l.Value != nil {
					s = int32(max(0, min(l.Value.(int64), 37)))
				}
			}
			p := min(38, t.Precision-t.Scale+s+1)
			return mk(name, catalog.Numeric(max(p, 1), s)), nil
		}
		return mk(name, t), nil
	case "sqrt", "cbrt", "exp", "ln", "log10", "sin", "cos", "tan", "asin", "acos", "atan", "degrees", "radians":
		if n != 1 || !to(0, catalog.Float64) {
			return nil, undefined()
		}
		return mk(name, catalog.Float64), nil
	case "log":
		if n != 1 || !to(0, catalog.Float64) {
			return nil, undefined()
		}
		return call("log10", catalog.Float64, args...), nil
	case "power", "pow", "atan2":
		if name == "pow" {
			name = "power"
		}
		if n != 2 || !to(0, catalog.Float64) || !to(1, catalog.Float64) {
			return nil, undefined()
		}
		return mk(name, catalog.Float64), nil
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
	case "make_date":
		if n != 3 || !all(i32) {
			return nil, undefined()
		}
		return mk(name, catalog.Date), nil
	case "to_char", "to_date", "to_timestamp", "to_number", "now", "current_date", "random", "age":
		return nil, b.errAt(loc, notSupported("function %s is not supported yet", name))
	case "read_parquet":
		return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "read_parquet can only be used in FROM"))
	case "grouping":
		if n == 0 {
			return nil, undefined()
		}
		return &logical.Call{Fn: "grouping", Args: args, Typ: catalog.Int32}, nil
	}
	return nil, undefined()
}

// coalesceText is COALESCE(e, '').
func coalesceText(e logical.Expr) logical.Expr {
	if !e.Nullable() {
		return e
	}
	return &logical.Case{Whens: []logical.When{{Cond: &logical.Call{Fn: proto.FnIsNotNull, Args: []logical.Expr{e}, Typ: catalog.Bool}, Result: e}},
		Else: &logical.Literal{Typ: catalog.Text, Value: ""}, Typ: catalog.Text}
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
	return &logical.Call{Fn: name, Args: args, Typ: t, Null: null}, nil
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
