package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// bindSubLink binds a subquery used as an expression. Its plan may reference the enclosing
// query's columns (OuterColumn); the decorrelation rule turns it into a join.
func (b *binder) bindSubLink(sl *pg.SubLink, c exprCtx) (logical.Expr, error) {
	sel := sl.Subselect.GetSelectStmt()
	if sel == nil {
		return nil, b.errAt(sl.Location, notSupported("this subquery is not supported yet"))
	}
	b.depth++
	defer func() { b.depth-- }()
	if b.depth > 64 {
		return nil, b.errAt(sl.Location, logical.Errorf(errs.ErrInvalidArgument, "subqueries nest too deeply"))
	}
	savedOuter, savedOuters, savedCorr, savedReach, savedWin := b.outer, b.outers, b.correlated, b.reach, b.windows
	outer := c.scope
	if outer == nil {
		outer = &scope{}
	}
	if b.outer != nil {
		b.outers = append([]*scope{b.outer}, b.outers...)
	}
	b.outer, b.correlated, b.reach = outer, false, 0
	savedLeft := b.lateralLeft
	b.lateralLeft = nil
	b.rec.sublinks++
	plan, err := b.bindQuery(sel)
	b.rec.sublinks--
	b.lateralLeft = savedLeft
	corr, reach := b.correlated, b.reach
	b.outer, b.outers, b.correlated, b.reach, b.windows = savedOuter, savedOuters, savedCorr, savedReach, savedWin
	if reach > 1 {
		// a reference further out makes this level correlated too
		b.correlated = true
		b.reach = max(b.reach, reach-1)
	}
	if err != nil {
		return nil, err
	}
	if !c.aggOK && hasOuterAgg(plan) {
		clause := c.clause
		if clause == "" {
			clause = "this context"
		}
		return nil, b.errAt(sl.Location, logical.Errorf(errs.ErrInvalidArgument, "aggregate functions are not allowed in %s", clause))
	}
	sch := plan.Schema()
	switch sl.SubLinkType {
	case pg.SubLinkType_ARRAY_SUBLINK:
		return b.bindArraySubLink(sl, plan, corr) // bind_array.go
	case pg.SubLinkType_EXISTS_SUBLINK:
		return logical.NewSubquery(logical.Subquery{Kind: logical.SubExists, Plan: plan, Typ: catalog.Bool, Correlated: corr}), nil
	case pg.SubLinkType_EXPR_SUBLINK:
		if len(sch) != 1 {
			return nil, b.errAt(sl.Location, logical.Errorf(errs.ErrInvalidArgument, "subquery must return only one column"))
		}
		t := sch[0].Type
		if isUnknown(t) {
			t = catalog.Text
			if plan, err = b.castColumns(plan, []catalog.Type{t}); err != nil {
				return nil, err
			}
		}
		return logical.NewSubquery(logical.Subquery{Kind: logical.SubScalar, Plan: plan, Typ: t, Correlated: corr}), nil
	case pg.SubLinkType_ANY_SUBLINK, pg.SubLinkType_ALL_SUBLINK:
		if fields := rowItems(sl.Testexpr); fields != nil {
			op := "="
			if len(sl.OperName) > 0 {
				op = lowerName(sl.OperName)
			}
			return b.bindRowSubLink(sl, fields, plan, op, c)
		}
		if len(sch) != 1 {
			if len(sch) > 1 {
				return nil, b.errAt(sl.Location, logical.Errorf(errs.ErrInvalidArgument, "subquery has too many columns"))
			}
			return nil, b.errAt(sl.Location, logical.Errorf(errs.ErrInvalidArgument, "subquery has too few columns"))
		}
		test, err := b.bindExpr(sl.Testexpr, c)
		if err != nil {
			return nil, err
		}
		op := "="
		if len(sl.OperName) > 0 {
			op = lowerName(sl.OperName)
		}
		fn, ok := cmpOps[op]
		if !ok {
			return nil, b.errAt(sl.Location, notSupported("operator %s with a subquery is not supported yet", op))
		}
		// type the comparison as test op column
		col := &logical.Column{Index: 0, Name: sch[0].Name, Typ: sch[0].Type, Null: sch[0].Nullable}
		cmp, err := b.binary(op, test, col, sl.Location)
		if err != nil {
			return nil, err
		}
		args := cmp.(*logical.Call).Args
		test = args[0]
		if _, ok := args[1].(*logical.Column); !ok || !logical.TypesEqual(args[1].Type(), sch[0].Type) {
			exprs := []logical.Expr{args[1]}
			plan = &logical.Project{Input: plan, Exprs: exprs, Names: []string{sch[0].Name}}
		}
		kind := logical.SubIn
		if sl.SubLinkType == pg.SubLinkType_ALL_SUBLINK {
			kind = logical.SubAll
		}
		return logical.NewSubquery(logical.Subquery{Kind: kind, Plan: plan, Test: test, Cmp: fn, Typ: catalog.Bool, Correlated: corr}), nil
	}
	return nil, b.errAt(sl.Location, notSupported("this kind of subquery is not supported yet"))
}
