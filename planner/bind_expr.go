package planner

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/functions"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// exprCtx is where an expression is bound.
type exprCtx struct {
	scope  *scope
	clause string // for messages: "WHERE", "JOIN conditions", "GROUP BY", "VALUES", ...
	aggOK  bool   // aggregate calls allowed
	inAgg  bool   // inside an aggregate's argument
}

func call(fn string, t catalog.Type, args ...logical.Expr) *logical.Call {
	null := false
	for _, a := range args {
		null = null || a.Nullable()
	}
	return &logical.Call{Fn: fn, Args: args, Typ: t, Null: null}
}

func (b *binder) bindExpr(n *pg.Node, c exprCtx) (logical.Expr, error) {
	if n == nil {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "missing expression")
	}
	if err := b.checkCancel(); err != nil {
		return nil, err
	}
	// The text's depth limit (sqltext.go) keeps trees far shallower; this guards the Go
	// stack whatever produced the tree.
	if b.exprDepth++; b.exprDepth > maxBindDepth {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "statement too complex: expressions nest more than %d deep", maxBindDepth)
	}
	defer func() { b.exprDepth-- }()
	switch x := n.Node.(type) {
	case *pg.Node_ColumnRef:
		return b.bindColumnRef(x.ColumnRef, c)
	case *pg.Node_AConst:
		e, err := b.bindConst(x.AConst)
		if l, ok := e.(*logical.Literal); ok {
			l.Pos = b.text.charPos(x.AConst.Location)
		}
		return e, err
	case *pg.Node_ParamRef:
		return b.param(x.ParamRef.Number, x.ParamRef.Location)
	case *pg.Node_AExpr:
		return b.bindAExpr(x.AExpr, c)
	case *pg.Node_BoolExpr:
		return b.bindBoolExpr(x.BoolExpr, c)
	case *pg.Node_NullTest:
		arg, err := b.bindExpr(x.NullTest.Arg, c)
		if err != nil {
			return nil, err
		}
		arg = b.resolveUnknown(arg)
		fn := proto.FnIsNull
		if x.NullTest.Nulltesttype == pg.NullTestType_IS_NOT_NULL {
			fn = proto.FnIsNotNull
		}
		return &logical.Call{Fn: fn, Args: []logical.Expr{arg}, Typ: catalog.Bool}, nil
	case *pg.Node_BooleanTest:
		return b.bindBooleanTest(x.BooleanTest, c)
	case *pg.Node_TypeCast:
		return b.bindTypeCast(x.TypeCast, c)
	case *pg.Node_FuncCall:
		return b.bindFunc(x.FuncCall, c)
	case *pg.Node_CaseExpr:
		return b.bindCase(x.CaseExpr, c)
	case *pg.Node_CoalesceExpr:
		return b.bindCoalesce(x.CoalesceExpr, c)
	case *pg.Node_SubLink:
		return b.bindSubLink(x.SubLink, c)
	case *pg.Node_GroupingFunc:
		if !c.aggOK {
			return nil, b.errAt(x.GroupingFunc.Location, logical.Errorf(errs.ErrInvalidArgument, "arguments to GROUPING must be grouping expressions of the associated query level"))
		}
		args := make([]logical.Expr, len(x.GroupingFunc.Args))
		for i, a := range x.GroupingFunc.Args {
			var err error
			if args[i], err = b.bindExpr(a, exprCtx{scope: c.scope, clause: "GROUPING"}); err != nil {
				return nil, err
			}
		}
		return &logical.Call{Fn: "grouping", Args: args, Typ: catalog.Int32}, nil
	case *pg.Node_CollateClause:
		return nil, b.errAt(x.CollateClause.Location, notSupported("COLLATE is not supported yet"))
	case *pg.Node_MinMaxExpr:
		args := make([]logical.Expr, len(x.MinMaxExpr.Args))
		for i, a := range x.MinMaxExpr.Args {
			var err error
			if args[i], err = b.bindExpr(a, c); err != nil {
				return nil, err
			}
		}
		name := "greatest"
		if x.MinMaxExpr.Op == pg.MinMaxOp_IS_LEAST {
			name = "least"
		}
		return b.minMax(name, args, x.MinMaxExpr.Location)
	case *pg.Node_SqlvalueFunction:
		return b.sqlValueFunc(x.SqlvalueFunction)
	case *pg.Node_RowExpr:
		return nil, b.errAt(x.RowExpr.Location, notSupported("row expressions are not supported yet"))
	case *pg.Node_AArrayExpr:
		return b.bindArrayExpr(x.AArrayExpr, c)
	case *pg.Node_AIndirection:
		return b.bindIndirection(x.AIndirection, c)
	}
	return nil, notSupported("expression %s is not supported yet", strings.TrimPrefix(typeNameOf(n.Node), "*pg_query.Node_"))
}

func (b *binder) bindColumnRef(cr *pg.ColumnRef, c exprCtx) (logical.Expr, error) {
	var parts []string
	for _, f := range cr.Fields {
		if f.GetAStar() != nil {
			return nil, b.errAt(cr.Location, logical.Errorf(errs.ErrInvalidArgument, "row expansion via \"*\" is not supported here"))
		}
		parts = append(parts, strVal(f))
	}
	var qual, name string
	switch len(parts) {
	case 1:
		name = parts[0]
	case 2:
		qual, name = parts[0], parts[1]
	case 3:
		qual, name = parts[1], parts[2]
	}
	if name != "" {
		col, err := b.resolve(c.scope, qual, name, cr.Location)
		if oe, ok := err.(errOuter); ok {
			return oe.col, nil
		}
		if err != nil {
			return nil, err
		}
		return col, nil
	}
	return nil, b.errAt(cr.Location, logical.Errorf(errs.ErrInvalidArgument, "improper qualified name (too many dotted names): %s", strings.Join(parts, ".")))
}

func (b *binder) bindConst(a *pg.A_Const) (logical.Expr, error) {
	if a.Isnull {
		return &logical.Literal{Typ: catalog.Type{}}, nil
	}
	switch v := a.Val.(type) {
	case *pg.A_Const_Ival:
		return &logical.Literal{Typ: catalog.Int32, Value: int64(v.Ival.Ival)}, nil
	case *pg.A_Const_Fval:
		return numberLiteral(v.Fval.Fval), nil
	case *pg.A_Const_Sval:
		return &logical.Literal{Typ: catalog.Type{}, Value: v.Sval.Sval}, nil
	case *pg.A_Const_Boolval:
		return &logical.Literal{Typ: catalog.Bool, Value: v.Boolval.Boolval}, nil
	case *pg.A_Const_Bsval:
		return nil, b.errAt(a.Location, notSupported("bit string literals are not supported yet"))
	}
	return &logical.Literal{Typ: catalog.Type{}}, nil
}

// numberLiteral types a numeric literal as PostgreSQL: integers that fit are int4/int8,
// others numeric with the literal's own precision and scale.
func numberLiteral(s string) logical.Expr {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			if i >= -1<<31 && i < 1<<31 {
				return &logical.Literal{Typ: catalog.Int32, Value: i}
			}
			return &logical.Literal{Typ: catalog.Int64, Value: i}
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		f, _ := strconv.ParseFloat(s, 64)
		return &logical.Literal{Typ: catalog.Float64, Value: f}
	}
	// digits and scale as written (exponent applied)
	scale := int32(0)
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant := s[:i]
		exp, _ := strconv.Atoi(s[i+1:])
		if d := strings.IndexByte(mant, '.'); d >= 0 {
			scale = int32(len(mant) - d - 1)
		}
		scale -= int32(exp)
		if scale < 0 {
			scale = 0
		}
	} else if d := strings.IndexByte(s, '.'); d >= 0 {
		scale = int32(len(s) - d - 1)
	}
	intPart := new(big.Int).Quo(r.Num(), r.Denom())
	id := int32(len(new(big.Int).Abs(intPart).String()))
	if intPart.Sign() == 0 {
		id = 0
	}
	p := max(id+scale, 1)
	if p > 38 || scale > 38 {
		f, _ := r.Float64()
		return &logical.Literal{Typ: catalog.Float64, Value: f}
	}
	t := catalog.Numeric(p, scale)
	v, err := logical.RatToDecimal(r, t)
	if err != nil {
		f, _ := r.Float64()
		return &logical.Literal{Typ: catalog.Float64, Value: f}
	}
	return &logical.Literal{Typ: t, Value: v}
}

var arithOps = map[string]string{"+": proto.FnAdd, "-": proto.FnSubtract, "*": proto.FnMultiply, "/": proto.FnDivide, "%": proto.FnModulus}
var cmpOps = map[string]string{"=": proto.FnEqual, "<>": proto.FnNotEqual, "!=": proto.FnNotEqual, "<": proto.FnLt, "<=": proto.FnLte, ">": proto.FnGt, ">=": proto.FnGte}

func (b *binder) bindAExpr(a *pg.A_Expr, c exprCtx) (logical.Expr, error) {
	op := lowerName(a.Name)
	switch a.Kind {
	case pg.A_Expr_Kind_AEXPR_OP:
		if a.Lexpr == nil {
			r, err := b.bindExpr(a.Rexpr, c)
			if err != nil {
				return nil, err
			}
			return b.unary(op, r, a.Location)
		}
		if lr, rr := rowItems(a.Lexpr), rowItems(a.Rexpr); lr != nil || rr != nil {
			if lr == nil || rr == nil {
				return nil, b.errAt(a.Location, notSupported("comparing a row with a non-row value is not supported"))
			}
			l, r, err := b.bindRowPair(lr, rr, a.Location, c)
			if err != nil {
				return nil, err
			}
			return b.rowCompare(op, l, r, a.Location)
		}
		l, err := b.bindExpr(a.Lexpr, c)
		if err != nil {
			return nil, err
		}
		r, err := b.bindExpr(a.Rexpr, c)
		if err != nil {
			return nil, err
		}
		return b.binary(op, l, r, a.Location)
	case pg.A_Expr_Kind_AEXPR_DISTINCT, pg.A_Expr_Kind_AEXPR_NOT_DISTINCT:
		if lr, rr := rowItems(a.Lexpr), rowItems(a.Rexpr); lr != nil && rr != nil {
			l, r, err := b.bindRowPair(lr, rr, a.Location, c)
			if err != nil {
				return nil, err
			}
			return b.rowDistinct(a.Kind == pg.A_Expr_Kind_AEXPR_NOT_DISTINCT, l, r, a.Location)
		}
		l, r, err := b.bindPair(a, c)
		if err != nil {
			return nil, err
		}
		e, err := b.binary("=", l, r, a.Location)
		if err != nil {
			return nil, err
		}
		eq := e.(*logical.Call)
		fn := proto.FnIsDistinct
		if a.Kind == pg.A_Expr_Kind_AEXPR_NOT_DISTINCT {
			fn = proto.FnNotDistinct
		}
		return &logical.Call{Fn: fn, Args: eq.Args, Typ: catalog.Bool}, nil
	case pg.A_Expr_Kind_AEXPR_NULLIF:
		l, r, err := b.bindPair(a, c)
		if err != nil {
			return nil, err
		}
		e, err := b.binary("=", l, r, a.Location)
		if err != nil {
			return nil, err
		}
		if isUnknown(l.Type()) {
			// NULLIF(unknown, x) takes the comparison's type
			l = e.(*logical.Call).Args[0]
		}
		l = b.resolveUnknown(l)
		return &logical.Case{Whens: []logical.When{{Cond: e, Result: &logical.Literal{Typ: l.Type()}}}, Else: l, Typ: l.Type()}, nil
	case pg.A_Expr_Kind_AEXPR_IN:
		return b.bindIn(a, op, c)
	case pg.A_Expr_Kind_AEXPR_LIKE, pg.A_Expr_Kind_AEXPR_ILIKE:
		l, r, err := b.bindPair(a, c)
		if err != nil {
			return nil, err
		}
		return b.binary(op, l, r, a.Location)
	case pg.A_Expr_Kind_AEXPR_BETWEEN, pg.A_Expr_Kind_AEXPR_NOT_BETWEEN,
		pg.A_Expr_Kind_AEXPR_BETWEEN_SYM, pg.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM:
		v, err := b.bindExpr(a.Lexpr, c)
		if err != nil {
			return nil, err
		}
		bounds := a.Rexpr.GetList()
		if bounds == nil || len(bounds.Items) != 2 {
			return nil, b.errAt(a.Location, logical.Errorf(errs.ErrInvalidArgument, "BETWEEN needs two bounds"))
		}
		lo, err := b.bindExpr(bounds.Items[0], c)
		if err != nil {
			return nil, err
		}
		hi, err := b.bindExpr(bounds.Items[1], c)
		if err != nil {
			return nil, err
		}
		within := func(lo, hi logical.Expr) (logical.Expr, error) {
			ge, err := b.binary(">=", v, lo, a.Location)
			if err != nil {
				return nil, err
			}
			le, err := b.binary("<=", v, hi, a.Location)
			if err != nil {
				return nil, err
			}
			return call(proto.FnAnd, catalog.Bool, ge, le), nil
		}
		e, err := within(lo, hi)
		if err != nil {
			return nil, err
		}
		sym := a.Kind == pg.A_Expr_Kind_AEXPR_BETWEEN_SYM || a.Kind == pg.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM
		if sym {
			// PostgreSQL's own rewrite, (v >= lo AND v <= hi) OR (v >= hi AND v <= lo), so its
			// three-valued answers come out (a NULL bound gives NULL, never false).
			swapped, err := within(hi, lo)
			if err != nil {
				return nil, err
			}
			e = call(proto.FnOr, catalog.Bool, e, swapped)
		}
		if a.Kind == pg.A_Expr_Kind_AEXPR_NOT_BETWEEN || a.Kind == pg.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM {
			return call(proto.FnNot, catalog.Bool, e), nil
		}
		return e, nil
	case pg.A_Expr_Kind_AEXPR_OP_ANY, pg.A_Expr_Kind_AEXPR_OP_ALL:
		return b.bindAnyAll(a, op, a.Kind == pg.A_Expr_Kind_AEXPR_OP_ALL, c)
	case pg.A_Expr_Kind_AEXPR_SIMILAR:
		// the parser wraps the pattern in similar_to_escape(); "~" / "!~" match the
		// anchored regular expression it returns
		l, r, err := b.bindPair(a, c)
		if err != nil {
			return nil, err
		}
		return b.binary(op, l, r, a.Location)
	}
	return nil, b.errAt(a.Location, notSupported("operator %s is not supported yet", op))
}

func (b *binder) bindPair(a *pg.A_Expr, c exprCtx) (logical.Expr, logical.Expr, error) {
	l, err := b.bindExpr(a.Lexpr, c)
	if err != nil {
		return nil, nil, err
	}
	r, err := b.bindExpr(a.Rexpr, c)
	if err != nil {
		return nil, nil, err
	}
	return l, r, nil
}

func (b *binder) bindIn(a *pg.A_Expr, op string, c exprCtx) (logical.Expr, error) {
	if lr := rowItems(a.Lexpr); lr != nil && a.Rexpr.GetList() != nil {
		// (a, b) IN ((1, 2), (3, 4)): OR of row equalities (NOT IN: NOT of that)
		var ors []logical.Expr
		for _, it := range a.Rexpr.GetList().Items {
			rr := rowItems(it)
			if rr == nil {
				return nil, b.errAt(a.Location, notSupported("comparing a row with a non-row value is not supported"))
			}
			l, r, err := b.bindRowPair(lr, rr, a.Location, c)
			if err != nil {
				return nil, err
			}
			eq, err := b.rowCompare("=", l, r, a.Location)
			if err != nil {
				return nil, err
			}
			ors = append(ors, eq)
		}
		e := ors[0]
		if len(ors) > 1 {
			e = call(proto.FnOr, catalog.Bool, ors...)
		}
		if op == "<>" {
			return call(proto.FnNot, catalog.Bool, e), nil
		}
		return e, nil
	}
	v, err := b.bindExpr(a.Lexpr, c)
	if err != nil {
		return nil, err
	}
	list := a.Rexpr.GetList()
	if list == nil {
		return nil, b.errAt(a.Location, notSupported("IN (subquery) is not supported yet"))
	}
	items := make([]logical.Expr, len(list.Items))
	t := v.Type()
	for i, it := range list.Items {
		if items[i], err = b.bindExpr(it, c); err != nil {
			return nil, err
		}
		nt, ok := commonType(t, items[i].Type())
		if !ok {
			return nil, b.errAt(a.Location, logical.Errorf(errs.ErrInvalidArgument,
				"operator does not exist: %s = %s", opTypeName(v.Type()), opTypeName(items[i].Type())))
		}
		t = nt
	}
	var ors []logical.Expr
	for _, it := range items {
		eq, err := b.binary("=", v, it, a.Location)
		if err != nil {
			return nil, err
		}
		ors = append(ors, eq)
	}
	var e logical.Expr = ors[0]
	if len(ors) > 1 {
		e = call(proto.FnOr, catalog.Bool, ors...)
	}
	if op == "<>" {
		return call(proto.FnNot, catalog.Bool, e), nil
	}
	return e, nil
}

func (b *binder) unary(op string, e logical.Expr, loc int32) (logical.Expr, error) {
	t := e.Type()
	switch op {
	case "-":
		if l, ok := e.(*logical.Literal); ok && l.Value != nil {
			switch v := l.Value.(type) {
			case int64:
				if v != -1<<63 {
					return &logical.Literal{Typ: l.Typ, Value: -v}, nil
				}
			case float64:
				return &logical.Literal{Typ: l.Typ, Value: -v}, nil
			}
		}
		if isNumber(t) || t.Kind == catalog.TypeInterval {
			return call(proto.FnNegate, t, e), nil
		}
	case "+":
		if isNumber(t) {
			return e, nil
		}
	}
	return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "operator does not exist: %s %s", op, opTypeName(t)))
}

func (b *binder) opError(loc int32, l logical.Expr, op string, r logical.Expr) error {
	return b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "operator does not exist: %s %s %s",
		opTypeName(l.Type()), op, opTypeName(r.Type())))
}

// binary binds l op r with PostgreSQL's operator resolution.
func (b *binder) binary(op string, l, r logical.Expr, loc int32) (logical.Expr, error) {
	lt, rt := l.Type(), r.Type()
	wrap := func(err error) error { return b.errAt(loc, err) }
	if e, ok, err := b.jsonBinary(op, l, r, loc); ok { // bind_json.go
		return e, err
	}
	if op == "^" {
		// exponentiation is power(): double precision, or numeric for numeric operands
		e, err := b.scalarFunc("power", []logical.Expr{l, r}, loc)
		if err != nil {
			return nil, b.opError(loc, l, op, r)
		}
		return e, nil
	}
	if e, ok, err := b.arrayOperator(op, l, r, loc); ok || err != nil {
		return e, err // bind_array.go
	}
	if fn, ok := cmpOps[op]; ok {
		ct, ok := commonType(lt, rt)
		if !ok {
			return nil, b.opError(loc, l, op, r)
		}
		if isUnknown(ct) {
			ct = catalog.Text
		}
		if ct.Kind == catalog.TypeNumeric {
			// decimals compare at any precision/scale; integers become exact decimals
			var err error
			if l, err = b.coerce(l, numericOperand(lt, rt)); err != nil {
				return nil, wrap(err)
			}
			if r, err = b.coerce(r, numericOperand(rt, lt)); err != nil {
				return nil, wrap(err)
			}
		} else {
			var err error
			if l, err = b.coerce(l, ct); err != nil {
				return nil, wrap(err)
			}
			if r, err = b.coerce(r, ct); err != nil {
				return nil, wrap(err)
			}
		}
		return call(fn, catalog.Bool, l, r), nil
	}
	if fn, ok := arithOps[op]; ok {
		return b.arith(fn, op, l, r, loc)
	}
	switch op {
	case "||":
		if lt.Kind != catalog.TypeText && rt.Kind != catalog.TypeText && !isUnknown(lt) && !isUnknown(rt) {
			return nil, b.opError(loc, l, op, r)
		}
		var err error
		if l, err = b.coerce(l, catalog.Text); err != nil {
			return nil, wrap(err)
		}
		if r, err = b.coerce(r, catalog.Text); err != nil {
			return nil, wrap(err)
		}
		return call(proto.FnConcat, catalog.Text, l, r), nil
	case "~", "~*", "!~", "!~*":
		if (lt.Kind != catalog.TypeText && !isUnknown(lt)) || (rt.Kind != catalog.TypeText && !isUnknown(rt)) {
			return nil, b.opError(loc, l, op, r)
		}
		var err error
		if l, err = b.coerce(l, catalog.Text); err != nil {
			return nil, wrap(err)
		}
		if r, err = b.coerce(r, catalog.Text); err != nil {
			return nil, wrap(err)
		}
		args := []logical.Expr{l, r}
		if strings.Contains(op, "*") {
			args = append(args, &logical.Literal{Typ: catalog.Text, Value: "i"})
		}
		var e logical.Expr = call("regexp_like", catalog.Bool, args...)
		if strings.HasPrefix(op, "!") {
			e = call(proto.FnNot, catalog.Bool, e)
		}
		return e, nil
	case "~~", "!~~", "~~*", "!~~*":
		if (lt.Kind != catalog.TypeText && !isUnknown(lt)) || (rt.Kind != catalog.TypeText && !isUnknown(rt)) {
			return nil, b.opError(loc, l, op, r)
		}
		var err error
		if l, err = b.coerce(keepPadding(l), catalog.Text); err != nil { // LIKE matches CHAR as stored
			return nil, wrap(err)
		}
		if r, err = b.coerce(r, catalog.Text); err != nil {
			return nil, wrap(err)
		}
		fn := proto.FnLike
		if strings.Contains(op, "*") {
			fn = proto.FnILike
		}
		var e logical.Expr = call(fn, catalog.Bool, l, r)
		if strings.HasPrefix(op, "!") {
			e = call(proto.FnNot, catalog.Bool, e)
		}
		return e, nil
	}
	return nil, b.opError(loc, l, op, r)
}

// numericOperand is the type an operand of a decimal comparison/arithmetic is brought to.
func numericOperand(t, other catalog.Type) catalog.Type {
	if isUnknown(t) {
		return asNumeric(other)
	}
	return asNumeric(t)
}

func (b *binder) arith(fn, op string, l, r logical.Expr, loc int32) (logical.Expr, error) {
	lt, rt := l.Type(), r.Type()
	wrap := func(err error) error { return b.errAt(loc, err) }
	if op == "^" {
		// exponentiation is power(): double precision, or numeric for numeric operands
		e, err := b.scalarFunc("power", []logical.Expr{l, r}, loc)
		if err != nil {
			return nil, b.opError(loc, l, op, r)
		}
		return e, nil
	}
	if isUnknown(lt) && isUnknown(rt) {
		return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "operator is not unique: unknown %s unknown", op))
	}
	// an untyped literal takes the other operand's type
	if isUnknown(lt) && isNumber(rt) {
		lt = rt
	}
	if isUnknown(rt) && isNumber(lt) {
		rt = lt
	}
	if isUnknown(rt) && lt.Kind == catalog.TypeDate && (fn == proto.FnAdd || fn == proto.FnSubtract) {
		rt = catalog.Int32
	}
	if e, ok, err := b.intervalArith(fn, op, l, r, loc); ok || err != nil {
		return e, err
	}
	// date arithmetic: date +/- integer -> date, date - date -> integer
	if lt.Kind == catalog.TypeDate || rt.Kind == catalog.TypeDate {
		switch {
		case lt.Kind == catalog.TypeDate && (rt.Kind == catalog.TypeInt16 || rt.Kind == catalog.TypeInt32) && (fn == proto.FnAdd || fn == proto.FnSubtract):
			rc, err := b.coerce(r, catalog.Int32)
			if err != nil {
				return nil, wrap(err)
			}
			return call(fn, catalog.Date, l, rc), nil
		case rt.Kind == catalog.TypeDate && (lt.Kind == catalog.TypeInt16 || lt.Kind == catalog.TypeInt32) && fn == proto.FnAdd:
			lc, err := b.coerce(l, catalog.Int32)
			if err != nil {
				return nil, wrap(err)
			}
			return call(fn, catalog.Date, r, lc), nil
		case lt.Kind == catalog.TypeDate && rt.Kind == catalog.TypeDate && fn == proto.FnSubtract:
			return call(fn, catalog.Int32, l, r), nil
		}
		return nil, b.opError(loc, l, op, r)
	}
	if !isNumber(lt) || !isNumber(rt) {
		return nil, b.opError(loc, l, op, r)
	}
	var res, lto, rto catalog.Type
	switch {
	case isFloat(lt) || isFloat(rt):
		if fn == proto.FnModulus {
			return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "operator does not exist: %s %% %s", opTypeName(lt), opTypeName(rt)))
		}
		res = catalog.Float64
		if lt.Kind == catalog.TypeFloat32 && rt.Kind == catalog.TypeFloat32 {
			res = catalog.Float32
		}
		lto, rto = res, res
	case lt.Kind == catalog.TypeNumeric || rt.Kind == catalog.TypeNumeric:
		lto, rto = asNumeric(lt), asNumeric(rt)
		res = decimalResult(fn, lto, rto)
		if fn == proto.FnDivide {
			// constants: PostgreSQL's quotient scale, which depends on the values
			if s, ok := constDivScale(l, r, lto, rto); ok && s != res.Scale {
				res = catalog.Numeric(min(38, res.Precision-res.Scale+s), s)
			}
		}
	default:
		res = lt
		if numberRank(rt) > numberRank(lt) {
			res = rt
		}
		lto, rto = res, res
	}
	var err error
	if l, err = b.coerce(l, lto); err != nil {
		return nil, wrap(err)
	}
	if r, err = b.coerce(r, rto); err != nil {
		return nil, wrap(err)
	}
	return call(fn, res, l, r), nil
}

func (b *binder) toBool(e logical.Expr, what string, loc int32) (logical.Expr, error) {
	t := e.Type()
	if t.Kind == catalog.TypeBool {
		return e, nil
	}
	if isUnknown(t) {
		out, err := b.coerce(e, catalog.Bool)
		if err != nil {
			return nil, b.errAt(loc, err)
		}
		return out, nil
	}
	return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "argument of %s must be type boolean, not type %s", what, opTypeName(t)))
}

func (b *binder) bindBoolExpr(be *pg.BoolExpr, c exprCtx) (logical.Expr, error) {
	what := map[pg.BoolExprType]string{pg.BoolExprType_AND_EXPR: "AND", pg.BoolExprType_OR_EXPR: "OR", pg.BoolExprType_NOT_EXPR: "NOT"}[be.Boolop]
	args := make([]logical.Expr, len(be.Args))
	for i, a := range be.Args {
		e, err := b.bindExpr(a, c)
		if err != nil {
			return nil, err
		}
		if args[i], err = b.toBool(e, what, be.Location); err != nil {
			return nil, err
		}
	}
	switch be.Boolop {
	case pg.BoolExprType_AND_EXPR:
		return call(proto.FnAnd, catalog.Bool, args...), nil
	case pg.BoolExprType_OR_EXPR:
		return call(proto.FnOr, catalog.Bool, args...), nil
	}
	if len(args) != 1 {
		return nil, b.errAt(be.Location, logical.Errorf(errs.ErrInvalidArgument, "NOT takes one argument"))
	}
	return call(proto.FnNot, catalog.Bool, args[0]), nil
}

func (b *binder) bindBooleanTest(bt *pg.BooleanTest, c exprCtx) (logical.Expr, error) {
	e, err := b.bindExpr(bt.Arg, c)
	if err != nil {
		return nil, err
	}
	if e, err = b.toBool(e, "IS TRUE", bt.Location); err != nil {
		return nil, err
	}
	tr := &logical.Literal{Typ: catalog.Bool, Value: true}
	fa := &logical.Literal{Typ: catalog.Bool, Value: false}
	mk := func(fn string, v logical.Expr) logical.Expr {
		return &logical.Call{Fn: fn, Args: []logical.Expr{e, v}, Typ: catalog.Bool}
	}
	switch bt.Booltesttype {
	case pg.BoolTestType_IS_TRUE:
		return mk(proto.FnNotDistinct, tr), nil
	case pg.BoolTestType_IS_NOT_TRUE:
		return mk(proto.FnIsDistinct, tr), nil
	case pg.BoolTestType_IS_FALSE:
		return mk(proto.FnNotDistinct, fa), nil
	case pg.BoolTestType_IS_NOT_FALSE:
		return mk(proto.FnIsDistinct, fa), nil
	case pg.BoolTestType_IS_UNKNOWN:
		return &logical.Call{Fn: proto.FnIsNull, Args: []logical.Expr{e}, Typ: catalog.Bool}, nil
	case pg.BoolTestType_IS_NOT_UNKNOWN:
		return &logical.Call{Fn: proto.FnIsNotNull, Args: []logical.Expr{e}, Typ: catalog.Bool}, nil
	}
	return nil, b.errAt(bt.Location, notSupported("boolean test"))
}

func (b *binder) bindTypeCast(tc *pg.TypeCast, c exprCtx) (logical.Expr, error) {
	to, err := b.typeFromNameU(tc.TypeName)
	if err != nil {
		return nil, err
	}
	if ae := tc.Arg.GetAArrayExpr(); ae != nil && to.IsArray() && len(ae.Elements) == 0 {
		if to.Elem == catalog.TypeNumeric && to.Precision == 0 {
			to = catalog.ArrayOf(catalog.Numeric(catalog.DefaultNumericPrecision, catalog.DefaultNumericScale))
		}
		return b.arrayOf(ae, c, to) // ARRAY[]::int[] (bind_array.go)
	}
	e, err := b.bindExpr(tc.Arg, c)
	if err != nil {
		return nil, err
	}
	if to.Kind == catalog.TypeNumeric && to.Precision == 0 {
		to = unconstrainedNumeric(e)
	}
	if to.IsArray() && to.Elem == catalog.TypeNumeric && to.Precision == 0 {
		to = unconstrainedNumericArray(e)
	}
	if !canExplicit(e.Type(), to) {
		return nil, b.errAt(tc.Location, logical.Errorf(errs.ErrInvalidArgument, "cannot cast type %s to %s", opTypeName(e.Type()), opTypeName(to)))
	}
	loc := tc.Location
	if ac := tc.Arg.GetAConst(); ac != nil && ac.Location >= 0 {
		loc = ac.Location
	}
	return b.explicitCast(e, to, loc)
}

// explicitCast is CAST(e AS to) once the cast is known to be allowed (canExplicit); loc
// places errors of constants that do not convert. Client Substrait casts share it.
func (b *binder) explicitCast(e logical.Expr, to catalog.Type, loc int32) (logical.Expr, error) {
	if out, ok := b.jsonCastExpr(e, to); ok { // bind_json.go
		return out, nil
	}
	if p, ok := e.(*logical.Param); ok && isUnknown(p.Typ) {
		out, err := b.coerce(e, to)
		return out, b.errAt(loc, err)
	}
	if out, ok, err := b.charCast(e, to, charExplicit); ok || err != nil { // bind_char.go
		return out, b.errAt(loc, err)
	} else if out != nil {
		e = out
	}
	from := e.Type()
	if l, ok := e.(*logical.Literal); ok && (l.Value == nil || !(to.IsArray() || from.IsArray())) {
		v, err := logical.CastValue(l.Value, l.Typ, to)
		if err != nil {
			return nil, b.errAt(loc, err)
		}
		if to.Kind == catalog.TypeInterval {
			to = catalog.Interval
		}
		return &logical.Literal{Typ: to, Value: v}, nil
	}
	if to.Kind == catalog.TypeInterval {
		to = catalog.Interval
	}
	if logical.TypesEqual(from, to) && (to.Kind != catalog.TypeText || to.Precision == 0 || to.Precision == from.Precision) {
		return e, nil
	}
	if to.Kind == catalog.TypeText && to.Precision > 0 {
		// an explicit cast to varchar(n) truncates
		in := e
		if from.Kind != catalog.TypeText {
			in = &logical.Cast{Input: e, To: catalog.Text}
		}
		return call(proto.FnSubstr, to, in, &logical.Literal{Typ: catalog.Int32, Value: int64(1)}, &logical.Literal{Typ: catalog.Int32, Value: int64(to.Precision)}), nil
	}
	return &logical.Cast{Input: e, To: to}, nil
}

// unconstrainedNumeric picks the Decimal128 type a cast to NUMERIC without a modifier
// produces. PostgreSQL's numeric carries its scale per value; Tern's decimals have one scale
// per column, so: constants keep their own digits (' 1.5 '::numeric is numeric(2,1)),
// integers and decimals keep their exact type, and other values get NUMERIC(38,10).
func unconstrainedNumeric(e logical.Expr) catalog.Type {
	t := e.Type()
	if l, ok := e.(*logical.Literal); ok && l.Value != nil {
		switch t.Kind {
		case catalog.TypeUnknown, catalog.TypeText:
			if nt, ok := naturalNumeric(strings.TrimSpace(l.Value.(string))); ok {
				return nt
			}
		case catalog.TypeFloat32, catalog.TypeFloat64:
			f := l.Value.(float64)
			bits := 64
			if t.Kind == catalog.TypeFloat32 {
				bits = 32
			}
			if nt, ok := naturalNumeric(strconv.FormatFloat(f, 'f', -1, bits)); ok && !math.IsInf(f, 0) && !math.IsNaN(f) {
				return nt
			}
		}
	}
	switch {
	case isInt(t):
		return asNumeric(t)
	case t.Kind == catalog.TypeNumeric:
		return t
	}
	return catalog.Numeric(catalog.DefaultNumericPrecision, catalog.DefaultNumericScale)
}

// naturalNumeric is the numeric type holding the number written in s exactly.
func naturalNumeric(s string) (catalog.Type, bool) {
	if _, ok := new(big.Rat).SetString(s); !ok || strings.ContainsAny(s, "/") {
		return catalog.Type{}, false
	}
	s = strings.TrimLeft(s, "+-")
	l := numberLiteral(s)
	if l.Type().Kind == catalog.TypeNumeric {
		return l.Type(), true
	}
	if isInt(l.Type()) {
		return asNumeric(l.Type()), true
	}
	return catalog.Type{}, false
}

func (b *binder) bindCase(ce *pg.CaseExpr, c exprCtx) (logical.Expr, error) {
	var operand logical.Expr
	var err error
	if ce.Arg != nil {
		if operand, err = b.bindExpr(ce.Arg, c); err != nil {
			return nil, err
		}
	}
	var conds, results []logical.Expr
	for _, w := range ce.Args {
		cw := w.GetCaseWhen()
		if cw == nil {
			continue
		}
		cond, err := b.bindExpr(cw.Expr, c)
		if err != nil {
			return nil, err
		}
		if operand != nil {
			if cond, err = b.binary("=", operand, cond, cw.Location); err != nil {
				return nil, err
			}
		} else if cond, err = b.toBool(cond, "CASE/WHEN", cw.Location); err != nil {
			return nil, err
		}
		res, err := b.bindExpr(cw.Result, c)
		if err != nil {
			return nil, err
		}
		conds = append(conds, cond)
		results = append(results, res)
	}
	if ce.Defresult != nil {
		res, err := b.bindExpr(ce.Defresult, c)
		if err != nil {
			return nil, err
		}
		results = append(results, res)
	}
	// PostgreSQL resolves the ELSE result first (it leads the message's type order)
	order := results
	if ce.Defresult != nil {
		order = append([]logical.Expr{results[len(results)-1]}, results[:len(results)-1]...)
	}
	t, err := b.commonOf(order, "CASE", ce.Location)
	if err != nil {
		return nil, err
	}
	for i := range results {
		if results[i], err = b.coerce(results[i], t); err != nil {
			return nil, b.errAt(ce.Location, err)
		}
	}
	out := &logical.Case{Typ: t}
	for i := range conds {
		out.Whens = append(out.Whens, logical.When{Cond: conds[i], Result: results[i]})
	}
	if ce.Defresult != nil {
		out.Else = results[len(results)-1]
	}
	return out, nil
}

// commonOf resolves the common type of several expressions (unknowns become text).
func (b *binder) commonOf(es []logical.Expr, what string, loc int32) (catalog.Type, error) {
	t := catalog.Type{}
	for _, e := range es {
		nt, ok := commonType(t, e.Type())
		if !ok {
			return t, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "%s types %s and %s cannot be matched", what, opTypeName(t), opTypeName(e.Type())))
		}
		t = nt
	}
	if isUnknown(t) {
		t = catalog.Text
	}
	return t, nil
}

func (b *binder) bindCoalesce(ce *pg.CoalesceExpr, c exprCtx) (logical.Expr, error) {
	args := make([]logical.Expr, len(ce.Args))
	for i, a := range ce.Args {
		var err error
		if args[i], err = b.bindExpr(a, c); err != nil {
			return nil, err
		}
	}
	return b.coalesce(args, ce.Location)
}

// coalesce is COALESCE(args...) over bound arguments (also client Substrait's coalesce).
func (b *binder) coalesce(args []logical.Expr, loc int32) (logical.Expr, error) {
	t, err := b.commonOf(args, "COALESCE", loc)
	if err != nil {
		return nil, err
	}
	for i := range args {
		if args[i], err = b.coerce(args[i], t); err != nil {
			return nil, b.errAt(loc, err)
		}
	}
	out := &logical.Case{Typ: t, Else: args[len(args)-1]}
	for _, a := range args[:len(args)-1] {
		out.Whens = append(out.Whens, logical.When{Cond: &logical.Call{Fn: proto.FnIsNotNull, Args: []logical.Expr{a}, Typ: catalog.Bool}, Result: a})
	}
	if len(out.Whens) == 0 {
		return args[0], nil
	}
	return out, nil
}

// aggFuncOf is the aggregate a SQL name stands for, by the function registry (aliases such
// as every and variance resolve to their function).
func aggFuncOf(name string) (string, bool) {
	if a, ok := functions.AggBySQL(name); ok {
		return a.ID, true
	}
	return "", false
}

func (b *binder) bindFunc(fc *pg.FuncCall, c exprCtx) (logical.Expr, error) {
	name := lowerName(fc.Funcname)
	if len(fc.Funcname) > 1 {
		if s := strings.ToLower(strVal(fc.Funcname[0])); s != "pg_catalog" {
			return nil, b.errAt(fc.Location, logical.Errorf(errs.ErrNotFound, "schema \"%s\" does not exist", s))
		}
	}
	if e, ok, err := b.jsonFunc(name, fc, c); ok { // bind_json.go
		return e, err
	}
	if fc.Over != nil {
		return b.bindWindowFunc(name, fc, c)
	}
	if agg, ok := aggFuncOf(name); ok {
		return b.bindAgg(agg, fc, c)
	}
	if sf, ok := functions.SetFuncBySQL(name); ok {
		return b.bindSetFunc(sf, name, fc, c) // bind_setfunc.go
	}
	if fc.AggStar || fc.AggDistinct {
		return nil, b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument, "%s is not an aggregate function", name))
	}
	args := make([]logical.Expr, len(fc.Args))
	for i, a := range fc.Args {
		var err error
		if args[i], err = b.bindExpr(a, c); err != nil {
			return nil, err
		}
	}
	return b.scalarFunc(name, args, fc.Location)
}

func (b *binder) bindAgg(fn string, fc *pg.FuncCall, c exprCtx) (logical.Expr, error) {
	if c.inAgg {
		return nil, b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument, "aggregate function calls cannot be nested"))
	}
	if !c.aggOK && !b.outerAggregate(fc, c) {
		return nil, b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument, "aggregate functions are not allowed in %s", c.clause))
	}
	ag, _ := functions.AggByID(fn)
	if err := b.withinGroupCheck(ag, lowerName(fc.Funcname), fc, c); err != nil { // bind_agg_order.go
		return nil, err
	}
	ac := c
	ac.inAgg = true
	var filter logical.Expr
	if fc.AggFilter != nil {
		f, err := b.bindExpr(fc.AggFilter, exprCtx{scope: c.scope, clause: "FILTER", inAgg: true})
		if err != nil {
			return nil, err
		}
		if filter, err = b.toBool(f, "FILTER", nodeLoc(fc.AggFilter)); err != nil {
			return nil, err
		}
	}
	if ag.OrderedSet {
		return b.bindOrderedSet(ag, lowerName(fc.Funcname), fc, ac, filter)
	}
	if fc.AggStar {
		if fn != proto.AggCount {
			return nil, b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument, "%s(*) must be used to call a parameterless aggregate function", fn))
		}
		return &logical.AggCall{Fn: fn, Typ: catalog.Int64, Filter: filter}, nil
	}
	args := make([]logical.Expr, len(fc.Args))
	for i, a := range fc.Args {
		var err error
		if args[i], err = b.bindExpr(a, ac); err != nil {
			return nil, err
		}
	}
	arg, extra, out, err := b.aggArgs(fn, args, fc.Location)
	if err != nil {
		return nil, err
	}
	a := &logical.AggCall{Fn: fn, Arg: arg, Distinct: fc.AggDistinct, Typ: out, Filter: filter, Extra: extra}
	if err := b.orderAgg(a, fc, ac); err != nil {
		return nil, err
	}
	return a, nil
}

// aggArgs checks an aggregate's arguments and returns its (coerced) argument, further
// arguments and result type, with PostgreSQL's rules.
func (b *binder) aggArgs(fn string, args []logical.Expr, loc int32) (logical.Expr, []logical.Expr, catalog.Type, error) {
	undefined := func() error {
		ts := make([]string, len(args))
		for i, a := range args {
			ts[i] = opTypeName(a.Type())
		}
		return b.errAt(loc, logical.Errorf(errs.ErrNotFound, "function %s(%s) does not exist", fn, strings.Join(ts, ", ")))
	}
	want := 1
	if fn == proto.AggStringAgg {
		want = 2
	}
	if len(args) != want {
		return nil, nil, catalog.Type{}, undefined()
	}
	arg := args[0]
	t := arg.Type()
	if isUnknown(t) && (fn == proto.AggCount || fn == proto.AggMin || fn == proto.AggMax || fn == proto.AggStringAgg) {
		arg = b.resolveUnknown(arg)
		t = arg.Type()
	}
	var out catalog.Type
	var extra []logical.Expr
	switch fn {
	case proto.AggCount:
		out = catalog.Int64
	case proto.AggSum:
		switch {
		case t.Kind == catalog.TypeInt16 || t.Kind == catalog.TypeInt32:
			out = catalog.Int64
		case t.Kind == catalog.TypeInt64:
			out = catalog.Numeric(38, 0)
		case t.Kind == catalog.TypeNumeric:
			out = catalog.Numeric(38, t.Scale)
		case isFloat(t), t.Kind == catalog.TypeInterval:
			out = t
		}
	case proto.AggAvg:
		switch {
		case isInt(t):
			out = catalog.Numeric(38, 16)
		case t.Kind == catalog.TypeNumeric:
			out = catalog.Numeric(38, max(t.Scale, 16))
		case isFloat(t):
			out = catalog.Float64
		case t.Kind == catalog.TypeInterval:
			out = t
		}
	case proto.AggMin, proto.AggMax:
		if !isUnknown(t) && t.Kind != catalog.TypeBool && !functions.IsJSON(t) {
			out = t
			if t.Kind == catalog.TypeText {
				out = catalog.Text
			}
		}
	case proto.AggBoolAnd, proto.AggBoolOr:
		if t.Kind == catalog.TypeBool || isUnknown(t) {
			var err error
			if arg, err = b.coerce(arg, catalog.Bool); err != nil {
				return nil, nil, out, b.errAt(loc, err)
			}
			out = catalog.Bool
		}
	case proto.AggStringAgg:
		if t.IsChar() {
			arg = stripPadding(arg) // string_agg(text): bpchar -> text
		}
		if t.Kind == catalog.TypeText {
			d := args[1]
			if dt := d.Type(); dt.Kind == catalog.TypeText || isUnknown(dt) {
				var err error
				if d, err = b.coerce(d, catalog.Text); err != nil {
					return nil, nil, out, b.errAt(loc, err)
				}
				extra = []logical.Expr{d}
				out = catalog.Text
			}
		}
	case proto.AggArrayAgg:
		if t.IsArray() {
			return nil, nil, out, b.errAt(loc, notSupported("multidimensional arrays are not supported"))
		}
		if isUnknown(t) {
			arg = b.resolveUnknown(arg)
			t = arg.Type()
		}
		out = catalog.ArrayOf(t)
	case proto.AggStddevSamp, proto.AggStddevPop, proto.AggVarSamp, proto.AggVarPop:
		switch {
		case isInt(t):
			out = catalog.Numeric(38, 16)
		case t.Kind == catalog.TypeNumeric:
			out = catalog.Numeric(38, max(t.Scale, 16))
		case isFloat(t):
			arg, _ = b.coerce(arg, catalog.Float64)
			out = catalog.Float64
		}
	}
	if out.Kind == catalog.TypeUnknown {
		return nil, nil, out, undefined()
	}
	return arg, extra, out, nil
}

// outerAggregate reports whether aggregate call fc, in a subquery, reads only the enclosing
// query's columns: it then belongs to that query (PostgreSQL's rule), wherever it stands in
// the subquery.
func (b *binder) outerAggregate(fc *pg.FuncCall, c exprCtx) bool {
	if b.outer == nil || fc.AggStar || len(fc.Args) == 0 {
		return false
	}
	ac := c
	ac.inAgg, ac.aggOK = true, true
	saved := b.correlated
	defer func() { b.correlated = saved }()
	a := &logical.AggCall{}
	for _, n := range fc.Args {
		e, err := b.bindExpr(n, ac)
		if err != nil {
			return false
		}
		a.Extra = append(a.Extra, e)
	}
	return isOuterAgg(a, 0)
}
