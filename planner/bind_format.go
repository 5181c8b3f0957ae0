package planner

import (
	"strings"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/functions"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// formatFunc binds PostgreSQL's formatting functions (to_char, to_number, to_date,
// to_timestamp). ok is false for other names. The overload follows the first argument's
// type as in PostgreSQL: a date goes to to_char(timestamptz), integers, numerics and floats
// to the number overloads; to_number's result scale is its template's (a constant).
func (b *binder) formatFunc(name string, args []logical.Expr, loc int32) (logical.Expr, bool, error) {
	switch name {
	case "to_char", "to_number", "to_date", "to_timestamp":
	default:
		return nil, false, nil
	}
	undefined := func() (logical.Expr, bool, error) {
		ts := make([]string, len(args))
		for i, a := range args {
			ts[i] = opTypeName(a.Type())
		}
		return nil, true, b.errAt(loc, logical.Errorf(errs.ErrNotFound, "function %s(%s) does not exist", name, strings.Join(ts, ", ")))
	}
	// to brings argument i to t when an implicit cast allows it
	to := func(i int, t catalog.Type) bool {
		if !canImplicit(args[i].Type(), t) && args[i].Type().Kind != t.Kind {
			return false
		}
		e, err := b.coerce(args[i], t)
		if err != nil {
			return false
		}
		args[i] = e
		return true
	}
	mk := func(id string, t catalog.Type) (logical.Expr, bool, error) {
		return regCall(id, t, args), true, nil
	}
	if name == "to_timestamp" && len(args) == 1 {
		if !to(0, catalog.Float64) {
			return undefined()
		}
		return mk(proto.FnToTimestamp, catalog.TimestampTZ)
	}
	if len(args) != 2 || !to(1, catalog.Text) {
		return undefined()
	}
	switch name {
	case "to_char":
		switch t := args[0].Type(); t.Kind {
		case catalog.TypeDate:
			to(0, catalog.TimestampTZ)
		case catalog.TypeTimestamp, catalog.TypeTimestampTZ, catalog.TypeInterval, catalog.TypeInt16,
			catalog.TypeInt32, catalog.TypeInt64, catalog.TypeNumeric, catalog.TypeFloat32, catalog.TypeFloat64:
		case catalog.TypeUnknown:
			return nil, true, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "function to_char(unknown, unknown) is not unique"))
		default:
			return undefined()
		}
		return mk(proto.FnToChar, catalog.Text)
	case "to_number":
		if !to(0, catalog.Text) {
			return undefined()
		}
		l, ok := args[1].(*logical.Literal)
		if !ok {
			return nil, true, b.errAt(loc, notSupported("to_number needs a constant template (its result scale comes from it)"))
		}
		scale := int32(0)
		if l.Value != nil {
			s, err := functions.NumberTemplateScale(l.Value.(string))
			if err != nil {
				return nil, true, b.errAt(loc, err)
			}
			scale = s
		}
		if scale > catalog.MaxNumericPrecision {
			return nil, true, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "numeric field overflow"))
		}
		return mk(proto.FnToNumber, catalog.Numeric(catalog.MaxNumericPrecision, scale))
	case "to_date":
		if !to(0, catalog.Text) {
			return undefined()
		}
		return mk(proto.FnToDate, catalog.Date)
	default:
		if !to(0, catalog.Text) {
			return undefined()
		}
		return mk(proto.FnToTimestamp, catalog.TimestampTZ)
	}
}
