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

// This file binds PostgreSQL's arrays: ARRAY[...] and ARRAY(SELECT ...), subscripts and
// slices, x op ANY/ALL (array), the array operators (||, @>, <@, &&) and the polymorphic
// array functions (anyarray/anyelement arguments) whose types the registry cannot declare.
// Arrays are one-dimensional (catalog.TypeArray); what would build a second dimension is
// refused with a clear error.

func errMultiDim(loc int32) error {
	return notSupported("multidimensional arrays are not supported")
}

// commonArrayType is the common type of two array types (CASE, UNION, comparisons): they
// must have one element kind, as PostgreSQL has no implicit cast between array types
// (numeric precisions and text lengths may differ).
func commonArrayType(a, b catalog.Type) (catalog.Type, bool) {
	if !a.IsArray() || !b.IsArray() || a.Elem != b.Elem {
		return catalog.Type{}, false
	}
	et, ok := commonType(a.ElemType(), b.ElemType())
	if !ok {
		return catalog.Type{}, false
	}
	if isUnknown(et) {
		et = catalog.Text
	}
	return catalog.ArrayOf(et), true
}

// unconstrainedNumericArray is the type a cast to numeric[] (no modifier) produces: an
// integer or numeric array keeps its exact element type, array text its widest element,
// anything else NUMERIC(38,10) elements (one scale per column, as unconstrainedNumeric).
func unconstrainedNumericArray(e logical.Expr) catalog.Type {
	t := e.Type()
	if t.IsArray() {
		et := t.ElemType()
		switch {
		case isInt(et):
			return catalog.ArrayOf(asNumeric(et))
		case et.Kind == catalog.TypeNumeric:
			return t
		}
	}
	if l, ok := e.(*logical.Literal); ok && l.Value != nil {
		if s, ok := l.Value.(string); ok && (isUnknown(t) || t.Kind == catalog.TypeText) {
			if vals, oks, err := functions.ParseArrayText(s); err == nil {
				var nt catalog.Type
				for i, v := range vals {
					if !oks[i] {
						continue
					}
					vt, ok := naturalNumeric(strings.TrimSpace(v))
					if !ok {
						nt = catalog.Type{}
						break
					}
					if nt, ok = commonType(nt, vt); !ok {
						break
					}
				}
				if nt.Kind == catalog.TypeNumeric {
					return catalog.ArrayOf(nt)
				}
			}
		}
	}
	return catalog.ArrayOf(catalog.Numeric(catalog.DefaultNumericPrecision, catalog.DefaultNumericScale))
}

// bindArrayExpr binds ARRAY[e1, ...]: the elements brought to their common type (unknown
// literals: text).
func (b *binder) bindArrayExpr(a *pg.A_ArrayExpr, c exprCtx) (logical.Expr, error) {
	return b.arrayOf(a, c, catalog.Type{})
}

// arrayOf binds ARRAY[...]; want, when known (ARRAY[]::int[]), types an empty array and
// its elements.
func (b *binder) arrayOf(a *pg.A_ArrayExpr, c exprCtx, want catalog.Type) (logical.Expr, error) {
	elems := make([]logical.Expr, len(a.Elements))
	for i, n := range a.Elements {
		if n.GetAArrayExpr() != nil {
			return nil, b.errAt(a.Location, errMultiDim(a.Location))
		}
		var err error
		if elems[i], err = b.bindExpr(n, c); err != nil {
			return nil, err
		}
		if elems[i].Type().IsArray() {
			return nil, b.errAt(a.Location, errMultiDim(a.Location))
		}
	}
	var et catalog.Type
	if want.IsArray() {
		et = want.ElemType()
	} else {
		if len(elems) == 0 {
			return nil, b.errAt(a.Location, logical.Errorf(errs.ErrInvalidArgument, "cannot determine type of empty array"))
		}
		var err error
		if et, err = b.commonOf(elems, "ARRAY", a.Location); err != nil {
			return nil, err
		}
	}
	for i, e := range elems {
		var err error
		if !canImplicit(e.Type(), et) && !want.IsArray() {
			return nil, b.errAt(a.Location, logical.Errorf(errs.ErrInvalidArgument, "ARRAY types %s and %s cannot be matched", opTypeName(et), opTypeName(e.Type())))
		}
		if want.IsArray() && !canAssign(e.Type(), et) && !canExplicit(e.Type(), et) {
			return nil, b.errAt(a.Location, logical.Errorf(errs.ErrInvalidArgument, "cannot cast type %s to %s", opTypeName(e.Type()), opTypeName(et)))
		}
		if elems[i], err = b.coerce(e, et); err != nil {
			return nil, b.errAt(a.Location, err)
		}
	}
	return &logical.Call{Fn: proto.FnMakeArray, Args: elems, Typ: catalog.ArrayOf(et)}, nil
}

// bindIndirection binds subscripts a[i] and slices a[i:j] (1-based; out of range: NULL).
func (b *binder) bindIndirection(ind *pg.A_Indirection, c exprCtx) (logical.Expr, error) {
	e, err := b.bindExpr(ind.Arg, c)
	if err != nil {
		return nil, err
	}
	loc := nodeLoc(ind.Arg)
	for k, n := range ind.Indirection {
		ai := n.GetAIndices()
		if ai == nil {
			return nil, b.errAt(loc, notSupported("field selection is not supported"))
		}
		if isUnknown(e.Type()) {
			return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "cannot subscript type unknown because it does not support subscripting"))
		}
		t := e.Type()
		if !t.IsArray() {
			return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "cannot subscript type %s because it does not support subscripting", opTypeName(t)))
		}
		if k > 0 {
			return nil, b.errAt(loc, errMultiDim(loc))
		}
		index := func(n *pg.Node, dflt int64) (logical.Expr, error) {
			if n == nil {
				return &logical.Literal{Typ: catalog.Int32, Value: dflt}, nil
			}
			x, err := b.bindExpr(n, c)
			if err != nil {
				return nil, err
			}
			// subscripts take an assignment cast to integer (1.5 rounds to 2)
			if !canAssign(x.Type(), catalog.Int32) || (!isNumber(x.Type()) && !isUnknown(x.Type())) {
				return nil, b.errAt(nodeLoc(n), logical.Errorf(errs.ErrInvalidArgument, "array subscript must have type integer"))
			}
			if !isUnknown(x.Type()) && x.Type().Kind != catalog.TypeInt32 {
				if _, isLit := x.(*logical.Literal); !isLit {
					return &logical.Cast{Input: x, To: catalog.Int32}, nil
				}
			}
			out, err := b.coerce(x, catalog.Int32)
			return out, b.errAt(nodeLoc(n), err)
		}
		if ai.IsSlice {
			lo, err := index(ai.Lidx, 1)
			if err != nil {
				return nil, err
			}
			hi, err := index(ai.Uidx, 1<<31-1)
			if err != nil {
				return nil, err
			}
			e = &logical.Call{Fn: proto.FnArraySlice, Args: []logical.Expr{e, lo, hi}, Typ: t, Null: true}
			continue
		}
		i, err := index(ai.Uidx, 1)
		if err != nil {
			return nil, err
		}
		e = &logical.Call{Fn: proto.FnArraySubscript, Args: []logical.Expr{e, i}, Typ: t.ElemType(), Null: true}
	}
	return e, nil
}

// arrayArg brings an argument meant to be an array to one: an untyped literal becomes an
// array of elem (text when unknown); ok false for other non-array types.
func (b *binder) arrayArg(e logical.Expr, elem catalog.Type) (logical.Expr, bool) {
	t := e.Type()
	if t.IsArray() {
		return e, true
	}
	if !isUnknown(t) {
		return nil, false
	}
	if isUnknown(elem) {
		elem = catalog.Text
	}
	out, err := b.coerce(e, catalog.ArrayOf(elem))
	return out, err == nil
}

// bindAnyAll binds x op ANY (array) and x op ALL (array).
func (b *binder) bindAnyAll(a *pg.A_Expr, op string, all bool, c exprCtx) (logical.Expr, error) {
	l, r, err := b.bindPair(a, c)
	if err != nil {
		return nil, err
	}
	fn, ok := cmpOps[op]
	if !ok {
		return nil, b.errAt(a.Location, notSupported("operator %s with ANY/ALL is not supported yet", op))
	}
	r, ok = b.arrayArg(r, l.Type())
	if !ok {
		return nil, b.errAt(a.Location, logical.Errorf(errs.ErrInvalidArgument, "op ANY/ALL (array) requires array on right side"))
	}
	// type the comparison as x op element
	et := r.Type().ElemType()
	elem := &logical.Column{Index: 0, Name: "elem", Typ: et, Null: true}
	cmp, err := b.binary(op, l, elem, a.Location)
	if err != nil {
		return nil, err
	}
	args := cmp.(*logical.Call).Args
	l = args[0]
	if nt := args[1].Type(); !logical.TypesEqual(nt, et) {
		r = &logical.Cast{Input: r, To: catalog.ArrayOf(nt)}
	}
	return &logical.Call{Fn: functions.ArrayAnyAllID(fn, all), Args: []logical.Expr{l, r}, Typ: catalog.Bool, Null: true}, nil
}

// arrayOperator binds the array operators || (with an array on either side), @>, <@ and &&;
// ok false when op is not one of them for these operands.
func (b *binder) arrayOperator(op string, l, r logical.Expr, loc int32) (logical.Expr, bool, error) {
	lt, rt := l.Type(), r.Type()
	switch op {
	case "||":
		switch {
		case lt.IsArray() && rt.IsArray(), lt.IsArray() && isUnknown(rt), isUnknown(lt) && rt.IsArray():
			e, err := b.arrayFunc("array_cat", []logical.Expr{l, r}, loc)
			return e, true, err
		case lt.IsArray():
			e, err := b.arrayFunc("array_append", []logical.Expr{l, r}, loc)
			return e, true, err
		case rt.IsArray():
			e, err := b.arrayFunc("array_prepend", []logical.Expr{l, r}, loc)
			return e, true, err
		}
		return nil, false, nil
	case "@>", "<@", "&&":
		if !lt.IsArray() && !rt.IsArray() {
			return nil, false, nil
		}
		l0, r0 := l, r
		var ok bool
		if l, ok = b.arrayArg(l, rt.ElemType()); !ok {
			return nil, true, b.opError(loc, l0, op, r0)
		}
		if r, ok = b.arrayArg(r, l.Type().ElemType()); !ok {
			return nil, true, b.opError(loc, l0, op, r0)
		}
		// anyarray operators: both element types must agree (PostgreSQL does not coerce)
		ct, ok := commonArrayType(l.Type(), r.Type())
		if !ok || l.Type().Elem != r.Type().Elem {
			return nil, true, b.opError(loc, l0, op, r0)
		}
		var err error
		if l, err = b.coerce(l, ct); err != nil {
			return nil, true, b.errAt(loc, err)
		}
		if r, err = b.coerce(r, ct); err != nil {
			return nil, true, b.errAt(loc, err)
		}
		fn := map[string]string{"@>": proto.FnArrayContains, "<@": proto.FnArrayContained, "&&": proto.FnArrayOverlap}[op]
		c := regCall(fn, catalog.Bool, []logical.Expr{l, r})
		return c, true, nil
	}
	return nil, false, nil
}

// arrayFunctionNames are the polymorphic array functions arrayFunc binds.
var arrayFunctionNames = map[string]bool{
	"array_length": true, "array_upper": true, "array_lower": true, "array_ndims": true, "array_dims": true,
	"cardinality": true, "array_position": true, "array_positions": true, "array_append": true,
	"array_prepend": true, "array_cat": true, "array_remove": true, "array_replace": true,
	"array_to_string": true, "string_to_array": true, "regexp_match": true, "regexp_split_to_array": true,
}

// arrayFunc binds the array functions with PostgreSQL's polymorphic rules: anyarray and
// anyelement arguments agree on one element type (an untyped literal takes it from the
// others).
func (b *binder) arrayFunc(name string, args []logical.Expr, loc int32) (logical.Expr, error) {
	undefined := func() error {
		ts := make([]string, len(args))
		for i, a := range args {
			ts[i] = opTypeName(a.Type())
		}
		return b.errAt(loc, logical.Errorf(errs.ErrNotFound, "function %s(%s) does not exist", name, strings.Join(ts, ", ")))
	}
	n := len(args)
	// to brings args[i] to t by an implicit cast
	to := func(i int, t catalog.Type) bool {
		if !canImplicit(args[i].Type(), t) {
			return false
		}
		e, err := b.coerce(args[i], t)
		if err != nil {
			return false
		}
		args[i] = e
		return true
	}
	// poly resolves anyarray arguments arrs and anyelement arguments elems to one element
	// type
	poly := func(arrs, elems []int) (catalog.Type, bool) {
		et := catalog.Type{}
		for _, i := range arrs {
			t := args[i].Type()
			switch {
			case t.IsArray():
				var ok bool
				if et, ok = commonType(et, t.ElemType()); !ok {
					return et, false
				}
			case !isUnknown(t):
				return et, false
			}
		}
		for _, i := range elems {
			t := args[i].Type()
			if t.IsArray() {
				return et, false
			}
			var ok bool
			if et, ok = commonType(et, t); !ok {
				return et, false
			}
		}
		if isUnknown(et) {
			et = catalog.Text
		}
		for _, i := range arrs {
			if !to(i, catalog.ArrayOf(et)) {
				return et, false
			}
		}
		for _, i := range elems {
			if !to(i, et) {
				return et, false
			}
		}
		return et, true
	}
	fn := name
	var out catalog.Type
	switch name {
	case "array_length", "array_upper", "array_lower":
		if n != 2 || !args[0].Type().IsArray() || !to(1, catalog.Int32) {
			return nil, undefined()
		}
		out = catalog.Int32
	case "array_ndims", "cardinality", "array_dims":
		if n != 1 || !args[0].Type().IsArray() {
			return nil, undefined()
		}
		out = catalog.Int32
		if name == "array_dims" {
			out = catalog.Text
		}
	case "array_position", "array_positions":
		if n < 2 || n > 3 || (n == 3 && name == "array_positions") {
			return nil, undefined()
		}
		if _, ok := poly([]int{0}, []int{1}); !ok {
			return nil, undefined()
		}
		if n == 3 && !to(2, catalog.Int32) {
			return nil, undefined()
		}
		out = catalog.Int32
		if name == "array_positions" {
			out = catalog.ArrayOf(catalog.Int32)
		}
	case "array_append", "array_prepend", "array_remove", "array_replace":
		var arrs, elems []int
		switch name {
		case "array_append", "array_remove":
			arrs, elems = []int{0}, []int{1}
		case "array_prepend":
			arrs, elems = []int{1}, []int{0}
		default:
			arrs, elems = []int{0}, []int{1, 2}
		}
		if n != len(arrs)+len(elems) {
			return nil, undefined()
		}
		et, ok := poly(arrs, elems)
		if !ok {
			return nil, undefined()
		}
		out = catalog.ArrayOf(et)
	case "array_cat":
		if n != 2 {
			return nil, undefined()
		}
		et, ok := poly([]int{0, 1}, nil)
		if !ok {
			return nil, undefined()
		}
		out = catalog.ArrayOf(et)
	case "array_to_string":
		if n < 2 || n > 3 || !args[0].Type().IsArray() || !to(1, catalog.Text) || (n == 3 && !to(2, catalog.Text)) {
			return nil, undefined()
		}
		out = catalog.Text
	case "string_to_array", "regexp_match", "regexp_split_to_array":
		if n < 2 || n > 3 {
			return nil, undefined()
		}
		for i := range args {
			if !to(i, catalog.Text) {
				return nil, undefined()
			}
		}
		out = catalog.ArrayOf(catalog.Text)
	default:
		return nil, undefined()
	}
	c := regCall(fnOf(fn), out, args)
	c.Null = true // NULL for some non-NULL arguments (array_length of '{}', ...)
	return c, nil
}

// bindArraySubLink binds ARRAY(SELECT x ...): the one column's values in the subquery's
// order as an array, the empty array when it returns no rows. It is a scalar subquery over
// array_agg, with coalesce for the empty case.
func (b *binder) bindArraySubLink(sl *pg.SubLink, plan logical.Node, corr bool) (logical.Expr, error) {
	sch := plan.Schema()
	if len(sch) != 1 {
		return nil, b.errAt(sl.Location, logical.Errorf(errs.ErrInvalidArgument, "subquery must return only one column"))
	}
	et := sch[0].Type
	if isUnknown(et) {
		et = catalog.Text
		var err error
		if plan, err = b.castColumns(plan, []catalog.Type{et}); err != nil {
			return nil, err
		}
	}
	if et.IsArray() {
		return nil, b.errAt(sl.Location, errMultiDim(sl.Location))
	}
	at := catalog.ArrayOf(et)
	col := &logical.Column{Index: 0, Name: sch[0].Name, Typ: et, Null: sch[0].Nullable}
	agg := &logical.Aggregate{Input: plan, Aggs: []*logical.AggCall{{Fn: proto.AggArrayAgg, Arg: col, Typ: at}}, Names: []string{"array"}}
	sub := logical.NewSubquery(logical.Subquery{Kind: logical.SubScalar, Plan: agg, Typ: at, Correlated: corr})
	empty := &logical.Call{Fn: proto.FnMakeArray, Typ: at}
	return b.coalesce([]logical.Expr{sub, empty}, sl.Location)
}
