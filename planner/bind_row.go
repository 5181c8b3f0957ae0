package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// Row-value comparisons, expanded into comparisons of the fields with PostgreSQL's rules:
// = is the AND of the field equalities, <> the OR of the inequalities, and <, <=, >, >=
// compare lexicographically, the first pair that is unequal or NULL deciding (NULL makes
// the result NULL); IS [NOT] DISTINCT FROM compares every field null-safely.

// rowItems returns the fields of a row constructor ((a, b) or ROW(a, b)), nil otherwise.
func rowItems(n *pg.Node) []*pg.Node {
	if n == nil {
		return nil
	}
	if r := n.GetRowExpr(); r != nil {
		return r.Args
	}
	return nil
}

// bindRowPair binds two row constructors of equal length field by field.
func (b *binder) bindRowPair(l, r []*pg.Node, loc int32, c exprCtx) ([]logical.Expr, []logical.Expr, error) {
	if len(l) != len(r) {
		return nil, nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "unequal number of entries in row expressions"))
	}
	le, err := b.bindList(l, c)
	if err != nil {
		return nil, nil, err
	}
	re, err := b.bindList(r, c)
	if err != nil {
		return nil, nil, err
	}
	return le, re, nil
}

func (b *binder) bindList(ns []*pg.Node, c exprCtx) ([]logical.Expr, error) {
	out := make([]logical.Expr, len(ns))
	for i, n := range ns {
		var err error
		if out[i], err = b.bindExpr(n, c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// rowCompare builds l op r over bound fields.
func (b *binder) rowCompare(op string, l, r []logical.Expr, loc int32) (logical.Expr, error) {
	if len(l) == 0 {
		return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "cannot compare rows of zero length"))
	}
	pair := func(op string, i int) (logical.Expr, error) { return b.binary(op, l[i], r[i], loc) }
	switch op {
	case "=", "<>":
		parts := make([]logical.Expr, len(l))
		for i := range l {
			var err error
			if parts[i], err = pair(op, i); err != nil {
				return nil, err
			}
		}
		if len(parts) == 1 {
			return parts[0], nil
		}
		if op == "=" {
			return call(proto.FnAnd, catalog.Bool, parts...), nil
		}
		return call(proto.FnOr, catalog.Bool, parts...), nil
	case "<", "<=", ">", ">=":
		strict := op[:1]
		// l1 < r1 OR (l1 = r1 AND (rest)), the last pair with op itself
		out, err := pair(op, len(l)-1)
		if err != nil {
			return nil, err
		}
		for i := len(l) - 2; i >= 0; i-- {
			lt, err := pair(strict, i)
			if err != nil {
				return nil, err
			}
			eq, err := pair("=", i)
			if err != nil {
				return nil, err
			}
			out = call(proto.FnOr, catalog.Bool, lt, call(proto.FnAnd, catalog.Bool, eq, out))
		}
		return out, nil
	}
	return nil, b.errAt(loc, notSupported("operator %s for rows is not supported", op))
}

// rowDistinct builds l IS [NOT] DISTINCT FROM r over bound fields.
func (b *binder) rowDistinct(not bool, l, r []logical.Expr, loc int32) (logical.Expr, error) {
	parts := make([]logical.Expr, len(l))
	for i := range l {
		e, err := b.binary("=", l[i], r[i], loc)
		if err != nil {
			return nil, err
		}
		fn := proto.FnIsDistinct
		if not {
			fn = proto.FnNotDistinct
		}
		parts[i] = &logical.Call{Fn: fn, Args: e.(*logical.Call).Args, Typ: catalog.Bool}
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	if not {
		return call(proto.FnAnd, catalog.Bool, parts...), nil
	}
	return call(proto.FnOr, catalog.Bool, parts...), nil
}

// bindRowSubLink binds (a, b) op ANY/ALL (SELECT x, y ...) (IN is = ANY, NOT IN <> ALL).
// With r the lexicographic comparison of the test row with a subquery row:
//
//	ANY: TRUE if some row has r TRUE, else NULL if some row has r NULL, else FALSE
//	ALL: FALSE if some row has r FALSE, else NULL if some row has r NULL, else TRUE
//
// Both are EXISTS subqueries correlated on the test row's fields, which the decorrelation
// rule turns into joins (the equalities of = ANY become hash keys). When neither side can
// be NULL the second EXISTS is left out.
func (b *binder) bindRowSubLink(sl *pg.SubLink, fields []*pg.Node, plan logical.Node, op string, c exprCtx) (logical.Expr, error) {
	sch := plan.Schema()
	if len(sch) < len(fields) {
		return nil, b.errAt(sl.Location, logical.Errorf(errs.ErrInvalidArgument, "subquery has too few columns"))
	}
	if len(sch) > len(fields) {
		return nil, b.errAt(sl.Location, logical.Errorf(errs.ErrInvalidArgument, "subquery has too many columns"))
	}
	tests, err := b.bindList(fields, c)
	if err != nil {
		return nil, err
	}
	// the test fields seen from inside the subquery: one level further out
	outer := make([]logical.Expr, len(tests))
	nullable := false
	for i, t := range tests {
		if logical.HasSubquery(t) {
			return nil, b.errAt(sl.Location, notSupported("subqueries inside a row compared with a subquery are not supported yet"))
		}
		t = b.resolveUnknown(t)
		tests[i] = t
		outer[i] = logical.Transform(t, func(x logical.Expr) logical.Expr {
			switch v := x.(type) {
			case *logical.Column:
				return &logical.OuterColumn{Index: v.Index, Name: v.Name, Typ: v.Typ, Null: v.Null}
			case *logical.OuterColumn:
				n := *v
				n.Depth++
				return &n
			}
			return x
		})
		nullable = nullable || t.Nullable() || sch[i].Nullable
	}
	cols := make([]logical.Expr, len(sch))
	for i, f := range sch {
		cols[i] = &logical.Column{Index: i, Name: f.Name, Typ: f.Type, Null: f.Nullable}
	}
	cmp, err := b.rowCompare(op, outer, cols, sl.Location)
	if err != nil {
		return nil, err
	}
	exists := func(cond logical.Expr) logical.Expr {
		return logical.NewSubquery(logical.Subquery{Kind: logical.SubExists, Typ: catalog.Bool, Correlated: true,
			Plan: &logical.Filter{Input: plan, Cond: cond}})
	}
	is := func(v any) logical.Expr {
		lit := &logical.Literal{Typ: catalog.Bool, Value: v}
		if v == nil {
			return call(proto.FnIsNull, catalog.Bool, cmp)
		}
		return &logical.Call{Fn: proto.FnNotDistinct, Args: []logical.Expr{cmp, lit}, Typ: catalog.Bool}
	}
	all := sl.SubLinkType == pg.SubLinkType_ALL_SUBLINK
	decide, first := true, cmp // ANY: a TRUE row decides
	if all {
		decide, first = false, is(false)
	}
	if !nullable {
		if all {
			return call(proto.FnNot, catalog.Bool, exists(first)), nil
		}
		return exists(first), nil
	}
	return &logical.Case{Whens: []logical.When{
		{Cond: exists(first), Result: &logical.Literal{Typ: catalog.Bool, Value: decide}},
		{Cond: exists(is(nil)), Result: &logical.Literal{Typ: catalog.Bool}},
	}, Else: &logical.Literal{Typ: catalog.Bool, Value: !decide}, Typ: catalog.Bool}, nil
}
