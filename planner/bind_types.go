package planner

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/functions"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// This file holds PostgreSQL's type rules as Tern applies them: SQL type names, implicit,
// assignment and explicit casts, common types, and result types of operators.

func isUnknown(t catalog.Type) bool { return t.Kind == catalog.TypeUnknown }

func isInt(t catalog.Type) bool {
	return t.Kind == catalog.TypeInt16 || t.Kind == catalog.TypeInt32 || t.Kind == catalog.TypeInt64
}

func isFloat(t catalog.Type) bool {
	return t.Kind == catalog.TypeFloat32 || t.Kind == catalog.TypeFloat64
}

func isNumber(t catalog.Type) bool {
	return isInt(t) || isFloat(t) || t.Kind == catalog.TypeNumeric
}

// The numeric and datetime categories are the registry's (functions/casts.go).
func isDatetime(t catalog.Type) bool  { return functions.IsDatetime(t) }
func numberRank(t catalog.Type) int   { return functions.NumberRank(t) }
func datetimeRank(t catalog.Type) int { return functions.DatetimeRank(t) }

// asNumeric is the numeric type an integer type converts to exactly.
func asNumeric(t catalog.Type) catalog.Type {
	switch t.Kind {
	case catalog.TypeInt16:
		return catalog.Numeric(5, 0)
	case catalog.TypeInt32:
		return catalog.Numeric(10, 0)
	case catalog.TypeInt64:
		return catalog.Numeric(19, 0)
	}
	return t
}

// opTypeName names a type in operator/function error messages (no type modifiers).
func opTypeName(t catalog.Type) string {
	switch t.Kind {
	case catalog.TypeUnknown:
		return "unknown"
	case catalog.TypeArray:
		return opTypeName(t.ElemType()) + "[]"
	case catalog.TypeNumeric:
		return "numeric"
	case catalog.TypeText:
		if t.IsChar() {
			return "character"
		}
		if t.Precision > 0 {
			return "character varying"
		}
		return "text"
	}
	return t.String()
}

// The casts and their contexts are declared in the function registry (functions.Cast).
func canImplicit(from, to catalog.Type) bool { return functions.Cast(from, to) >= functions.Implicit }

func canAssign(from, to catalog.Type) bool { return functions.Cast(from, to) >= functions.Assignment }

func canExplicit(from, to catalog.Type) bool { return functions.Cast(from, to) >= functions.Explicit }

// commonType resolves the type several values are brought to (CASE, IN, comparisons, VALUES
// columns), as PostgreSQL's UNION/CASE resolution does.
func commonType(a, b catalog.Type) (catalog.Type, bool) {
	switch {
	case isUnknown(a) && isUnknown(b):
		return catalog.Type{}, true
	case isUnknown(a):
		return b, true
	case isUnknown(b):
		return a, true
	case a.IsArray() || b.IsArray():
		return commonArrayType(a, b)
	case isNumber(a) && isNumber(b):
		if isFloat(a) || isFloat(b) {
			if a.Kind == catalog.TypeFloat32 && b.Kind == catalog.TypeFloat32 {
				return catalog.Float32, true
			}
			return catalog.Float64, true
		}
		if a.Kind == catalog.TypeNumeric || b.Kind == catalog.TypeNumeric {
			na, nb := asNumeric(a), asNumeric(b)
			s := max(na.Scale, nb.Scale)
			id := max(na.Precision-na.Scale, nb.Precision-nb.Scale)
			return catalog.Numeric(min(38, id+s), s), true
		}
		if numberRank(a) >= numberRank(b) {
			return a, true
		}
		return b, true
	case a.IsChar() && b.IsChar(), // bind_char.go: the shorter is padded
		a.IsChar() && b.Kind == catalog.TypeText && b.Precision > 0, // varchar -> bpchar
		b.IsChar() && a.Kind == catalog.TypeText && a.Precision > 0:
		return catalog.Char(max(a.Precision, b.Precision)), true
	case a.Kind == catalog.TypeText && b.Kind == catalog.TypeText:
		if a.Precision == b.Precision && a.IsChar() == b.IsChar() {
			return a, true
		}
		return catalog.Text, true
	case isDatetime(a) && isDatetime(b):
		if datetimeRank(a) >= datetimeRank(b) {
			return a, true
		}
		return b, true
	case a.Kind == b.Kind:
		return a, true
	}
	return catalog.Type{}, false
}

// resolveUnknown gives an expression still of unknown type the type text.
func (b *binder) resolveUnknown(e logical.Expr) logical.Expr {
	if isUnknown(e.Type()) {
		out, err := b.coerce(e, catalog.Text)
		if err == nil {
			return out
		}
	}
	return e
}

// coerce converts e to type to, folding literals and typing parameters. The caller has
// checked that the cast is allowed in its context.
func (b *binder) coerce(e logical.Expr, to catalog.Type) (logical.Expr, error) {
	if out, ok, err := b.charCast(e, to, charImplicit); ok || err != nil {
		return out, err
	} else if out != nil {
		e = out // CHAR's padding stripped: on as text
	}
	from := e.Type()
	if logical.TypesEqual(from, to) && (to.Kind != catalog.TypeText || to.Precision == 0 || from.Precision == to.Precision) {
		return e, nil
	}
	if out, ok := b.jsonCastExpr(e, to); ok { // bind_json.go
		return out, nil
	}
	switch x := e.(type) {
	case *logical.Literal:
		if (to.IsArray() || from.IsArray()) && x.Value != nil {
			// array values are never literals: the cast runs (and reports bad input) in
			// the executor's array input function
			return &logical.Cast{Input: e, To: to}, nil
		}
		v, err := logical.CastValue(x.Value, x.Typ, to)
		if err != nil {
			return nil, errs.At(x.Pos, err)
		}
		return &logical.Literal{Typ: to, Value: v, Pos: x.Pos}, nil
	case *logical.Param:
		if isUnknown(x.Typ) {
			if x.Index < len(b.params) && isUnknown(b.params[x.Index]) {
				b.params[x.Index] = to
			}
			pt := b.params[x.Index]
			p := &logical.Param{Index: x.Index, Typ: pt}
			if !logical.TypesEqual(pt, to) {
				return &logical.Cast{Input: p, To: to}, nil
			}
			return p, nil
		}
	}
	return &logical.Cast{Input: e, To: to}, nil
}

// coerceAssign converts e to a column's type with assignment-cast rules (INSERT, COPY).
func (b *binder) coerceAssign(e logical.Expr, to catalog.Type, col string, loc int32) (logical.Expr, error) {
	if !canAssign(e.Type(), to) {
		return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument,
			"column \"%s\" is of type %s but expression is of type %s", col, opTypeName(to), opTypeName(e.Type())))
	}
	if out, ok, err := b.charCast(e, to, charAssign); ok || err != nil {
		return out, b.errAt(loc, err)
	} else if out != nil {
		e = out
	}
	if l, ok := e.(*logical.Literal); ok && to.Kind == catalog.TypeText && to.Precision > 0 && l.Value != nil {
		if v, err := logical.CastValue(l.Value, l.Typ, catalog.Text); err == nil {
			// assignment to varchar(n) fails on longer values unless the excess is spaces
			str, _ := v.(string)
			r := []rune(str)
			if int32(len(r)) > to.Precision && strings.TrimRight(string(r[to.Precision:]), " ") != "" {
				return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "value too long for type character varying(%d)", to.Precision))
			}
		}
	}
	if _, ok := e.(*logical.Literal); !ok && to.Kind == catalog.TypeText && to.Precision > 0 {
		from := e.Type()
		if from.Kind != catalog.TypeText || from.Precision == 0 || from.Precision > to.Precision {
			// checked at run time: PostgreSQL's length coercion varchar(value, n, false)
			in, err := b.coerce(e, catalog.Text)
			if err != nil {
				return nil, b.errAt(loc, err)
			}
			return call(proto.FnVarchar, to, in, &logical.Literal{Typ: catalog.Int32, Value: int64(to.Precision)},
				&logical.Literal{Typ: catalog.Bool, Value: false}), nil
		}
	}
	out, err := b.coerce(e, to)
	if err != nil {
		return nil, b.errAt(loc, err)
	}
	return out, nil
}

// typeFromName maps a TypeName to a Tern type; NUMERIC without a modifier is NUMERIC(38,10)
// (a column needs a scale).
func (b *binder) typeFromName(tn *pg.TypeName) (catalog.Type, error) {
	t, err := b.typeFromNameU(tn)
	if err == nil && t.Kind == catalog.TypeNumeric && t.Precision == 0 {
		t = catalog.Numeric(catalog.DefaultNumericPrecision, catalog.DefaultNumericScale)
	}
	if err == nil && t.Kind == catalog.TypeArray && t.Elem == catalog.TypeNumeric && t.Precision == 0 {
		t = catalog.ArrayOf(catalog.Numeric(catalog.DefaultNumericPrecision, catalog.DefaultNumericScale))
	}
	return t, err
}

// typeFromNameU is typeFromName except that NUMERIC without a modifier comes back as
// NUMERIC with precision 0 (unconstrained): casts decide its scale from their input.
func (b *binder) typeFromNameU(tn *pg.TypeName) (catalog.Type, error) {
	if tn == nil {
		return catalog.Type{}, logical.Errorf(errs.ErrInvalidArgument, "missing type")
	}
	if len(tn.ArrayBounds) > 0 {
		// int[], int[3], int[][] and INTEGER ARRAY are all the one type int[] (PostgreSQL
		// ignores declared bounds and dimensions)
		et, err := b.typeFromNameU(&pg.TypeName{Names: tn.Names, Typmods: tn.Typmods, Location: tn.Location})
		if err != nil {
			return catalog.Type{}, err
		}
		return catalog.ArrayOf(et), nil
	}
	name := lowerName(tn.Names)
	var mods []int32
	if n := lowerName(tn.Names); n == "timestamp" || n == "timestamptz" {
		tn = &pg.TypeName{Names: tn.Names, Location: tn.Location} // fractional precision: always 6
	}
	for _, m := range tn.Typmods {
		c := m.GetAConst()
		if c == nil {
			return catalog.Type{}, b.errAt(tn.Location, logical.Errorf(errs.ErrInvalidArgument, "type modifiers must be simple constants or identifiers"))
		}
		iv, ok := c.Val.(*pg.A_Const_Ival)
		if !ok {
			return catalog.Type{}, b.errAt(tn.Location, logical.Errorf(errs.ErrInvalidArgument, "type modifiers must be simple constants or identifiers"))
		}
		mods = append(mods, iv.Ival.Ival)
	}
	switch name {
	case "bool", "boolean":
		return catalog.Bool, nil
	case "int2", "smallint":
		return catalog.Int16, nil
	case "int4", "int", "integer":
		return catalog.Int32, nil
	case "int8", "bigint":
		return catalog.Int64, nil
	case "float4", "real":
		return catalog.Float32, nil
	case "float8":
		return catalog.Float64, nil
	case "float":
		if len(mods) > 0 && mods[0] <= 24 {
			if mods[0] < 1 {
				return catalog.Type{}, b.errAt(tn.Location, logical.Errorf(errs.ErrInvalidArgument, "precision for type float must be at least 1 bit"))
			}
			return catalog.Float32, nil
		}
		return catalog.Float64, nil
	case "numeric", "decimal":
		switch len(mods) {
		case 0:
			return catalog.Numeric(0, 0), nil
		case 1, 2:
			p, s := mods[0], int32(0)
			if len(mods) == 2 {
				s = mods[1]
			}
			if p < 1 || p > catalog.MaxNumericPrecision {
				return catalog.Type{}, b.errAt(tn.Location, logical.Errorf(errs.ErrInvalidArgument,
					"NUMERIC precision %d must be between 1 and %d", p, catalog.MaxNumericPrecision))
			}
			if s < 0 || s > p {
				return catalog.Type{}, b.errAt(tn.Location, logical.Errorf(errs.ErrInvalidArgument,
					"NUMERIC scale %d must be between 0 and precision %d", s, p))
			}
			return catalog.Numeric(p, s), nil
		}
		return catalog.Type{}, b.errAt(tn.Location, logical.Errorf(errs.ErrInvalidArgument, "invalid NUMERIC type modifier"))
	case "varchar", "bpchar", "char", "character", "character varying":
		t := catalog.Text
		if name == "bpchar" || name == "char" || name == "character" {
			t = catalog.Char(1) // bind_char.go
			if name == "bpchar" && len(mods) == 0 {
				t = catalog.Char(0)
			}
		}
		if len(mods) > 0 {
			if mods[0] < 1 {
				return catalog.Type{}, b.errAt(tn.Location, logical.Errorf(errs.ErrInvalidArgument, "length for type %s must be at least 1", name))
			}
			t.Precision = mods[0]
		}
		return t, nil
	case "text", "string":
		return catalog.Text, nil
	case "date":
		return catalog.Date, nil
	case "timestamp":
		return catalog.Timestamp, nil
	case "timestamptz":
		return catalog.TimestampTZ, nil
	case "json":
		return catalog.JSON, nil
	case "jsonb":
		return catalog.JSONB, nil
	case "interval":
		t := catalog.Interval
		if len(mods) > 0 && mods[0] != 0x7fff {
			t.Precision = mods[0] // field mask: the unit of a bare number in a literal
		}
		return t, nil
	case "time", "timetz":
		return catalog.Type{}, b.errAt(tn.Location, notSupported("type time is not supported yet"))
	}
	full := make([]string, 0, len(tn.Names))
	for _, n := range tn.Names {
		if s := strVal(n); s != "pg_catalog" {
			full = append(full, s)
		}
	}
	return catalog.Type{}, b.errAt(tn.Location, logical.Errorf(errs.ErrNotFound, "type \"%s\" does not exist", strings.Join(full, ".")))
}

// decimalResult computes the numeric type of l op r.
func decimalResult(op string, l, r catalog.Type) catalog.Type {
	p1, s1, p2, s2 := l.Precision, l.Scale, r.Precision, r.Scale
	var p, s int32
	switch op {
	case proto.FnAdd, proto.FnSubtract:
		s = max(s1, s2)
		id := max(p1-s1, p2-s2) + 1
		p = id + s
	case proto.FnMultiply:
		// exact product scale, as PostgreSQL; the precision is capped at 38 (a product
		// that does not fit is a "numeric field overflow" at run time)
		s = min(s1+s2, 32)
		p = (p1 - s1) + (p2 - s2) + s
	case proto.FnDivide:
		// PostgreSQL gives a quotient at least 16 significant digits (more for quotients
		// below 1: that scale depends on the values, see constDivScale for constants)
		s = min(max(16, s1, s2), 32)
		p = (p1 - s1) + s2 + s
	case proto.FnModulus:
		s = max(s1, s2)
		p = min(p1-s1, p2-s2) + s
	}
	if s > 38 {
		s = 38
	}
	if p > 38 {
		p = 38
	}
	if p < 1 {
		p = 1
	}
	if s > p {
		s = p
	}
	return catalog.Numeric(p, s)
}
