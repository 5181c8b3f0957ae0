package planner

import (
	"errors"
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// target is one bound select-list entry.
type target struct {
	expr logical.Expr
	name string
	qual string
}

func (b *binder) bindSelect(s *pg.SelectStmt) (logical.Node, error) {
	if s.IntoClause != nil {
		return nil, notSupported("SELECT INTO is not supported yet; use CREATE TABLE AS")
	}
	if len(s.LockingClause) > 0 {
		return nil, notSupported("SELECT FOR UPDATE/SHARE is not supported")
	}
	leaf := b.takeSetopLeaf() // bind_setop_types.go
	savedWindows := b.windows
	b.windows = s.WindowClause
	defer func() { b.windows = savedWindows }()
	if s.LimitOption == pg.LimitOption_LIMIT_OPTION_WITH_TIES {
		return nil, notSupported("FETCH ... WITH TIES is not supported yet")
	}
	var from logical.Node
	var sc *scope
	var err error
	star := false
	if len(s.ValuesLists) > 0 {
		if from, err = b.bindValues(s.ValuesLists, nil); err != nil {
			return nil, err
		}
		sc = scopeOf(from.Schema())
		star = true
	} else if from, sc, err = b.bindFrom(s.FromClause); err != nil {
		return nil, err
	}

	if s.WhereClause != nil {
		cond, err := b.bindExpr(s.WhereClause, exprCtx{scope: sc, clause: "WHERE"})
		if err != nil {
			return nil, err
		}
		if cond, err = b.toBool(cond, "WHERE", nodeLoc(s.WhereClause)); err != nil {
			return nil, err
		}
		from = &logical.Filter{Input: from, Cond: cond}
	}

	// select list, bound over the FROM scope (aggregates allowed)
	var targets []target
	if star {
		for i, f := range from.Schema() {
			targets = append(targets, target{expr: &logical.Column{Index: i, Name: f.Name, Typ: f.Type, Null: f.Nullable}, name: f.Name})
		}
	}
	list, err := b.bindTargetsLeaf(s.TargetList, sc, exprCtx{scope: sc, clause: "SELECT", aggOK: true}, leaf)
	if err != nil {
		return nil, err
	}
	targets = append(targets, list...)

	distinct := len(s.DistinctClause) == 1 && s.DistinctClause[0].Node == nil
	distinctOn := len(s.DistinctClause) > 0 && !distinct

	// GROUP BY
	var groups []logical.Expr
	var sets [][]int
	if len(s.GroupClause) > 0 {
		if groups, sets, err = b.bindGroupBy(s.GroupClause, sc, targets); err != nil {
			return nil, err
		}
	}
	var having logical.Expr
	if s.HavingClause != nil {
		if having, err = b.bindExpr(s.HavingClause, exprCtx{scope: sc, clause: "HAVING", aggOK: true}); err != nil {
			return nil, err
		}
		if having, err = b.toBool(having, "HAVING", nodeLoc(s.HavingClause)); err != nil {
			return nil, err
		}
	}
	// ORDER BY: each key is an index into targets (hidden targets appended)
	type orderKey struct {
		idx        int
		desc       bool
		nullsFirst bool
	}
	var keys []orderKey
	visible := len(targets)
	for _, o := range s.SortClause {
		sb := o.GetSortBy()
		if sb == nil {
			continue
		}
		if sb.SortbyDir == pg.SortByDir_SORTBY_USING {
			return nil, b.errAt(sb.Location, notSupported("ORDER BY USING is not supported"))
		}
		idx, err := b.bindOrderItem(sb.Node, sc, &targets, visible, distinct, "ORDER BY")
		if err != nil {
			return nil, err
		}
		k := orderKey{idx: idx, desc: sb.SortbyDir == pg.SortByDir_SORTBY_DESC}
		k.nullsFirst = k.desc
		switch sb.SortbyNulls {
		case pg.SortByNulls_SORTBY_NULLS_FIRST:
			k.nullsFirst = true
		case pg.SortByNulls_SORTBY_NULLS_LAST:
			k.nullsFirst = false
		}
		keys = append(keys, k)
		leaf.sorted(idx) // ORDER BY made it text (bind_setop_types.go)
	}
	// DISTINCT ON: indices of its expressions in targets (hidden ones appended), checked
	// against the ORDER BY as PostgreSQL does (transformDistinctOnClause)
	var onIdx []int
	if distinctOn {
		locs := map[int]int32{}
		for _, n := range s.DistinctClause {
			idx, err := b.bindOrderItem(n, sc, &targets, visible, false, "DISTINCT ON")
			if err != nil {
				return nil, err
			}
			if _, dup := locs[idx]; !dup {
				locs[idx] = nodeLoc(n)
				onIdx = append(onIdx, idx)
			}
		}
		mismatch := func(idx int) error {
			return b.errAt(locs[idx], logical.Errorf(errs.ErrInvalidArgument, "SELECT DISTINCT ON expressions must match initial ORDER BY expressions"))
		}
		skipped := false
		sorted := map[int]bool{}
		for _, k := range keys {
			if _, on := locs[k.idx]; !on {
				skipped = true
				continue
			}
			if skipped {
				return nil, mismatch(k.idx)
			}
			sorted[k.idx] = true
		}
		for _, idx := range onIdx {
			if skipped && !sorted[idx] {
				return nil, mismatch(idx)
			}
		}
	}

	// aggregation
	hasAgg := false
	for _, t := range targets {
		hasAgg = hasAgg || containsAgg(t.expr)
	}
	if len(s.GroupClause) > 0 || hasAgg || having != nil {
		agg, rewrite, err := b.buildAggregate(from, groups, sc, sets)
		if err != nil {
			return nil, err
		}
		for i := range targets {
			if targets[i].expr, err = rewrite(targets[i].expr); err != nil {
				return nil, err
			}
		}
		if having != nil {
			if having, err = rewrite(having); err != nil {
				return nil, err
			}
		}
		// rewrite collected more aggregates: rebuild the node with all of them
		from = agg()
		if len(sets) > 1 {
			// the grouping-set index column comes after the aggregates
			gid := len(from.Schema()) - 1
			fix := func(e logical.Expr) logical.Expr {
				return logical.Transform(e, func(x logical.Expr) logical.Expr {
					if c, ok := x.(*logical.Column); ok && c.Index == gidPlaceholder {
						n := *c
						n.Index = gid
						return &n
					}
					return x
				})
			}
			for i := range targets {
				targets[i].expr = fix(targets[i].expr)
			}
			if having != nil {
				having = fix(having)
			}
		}
		if having != nil {
			from = &logical.Filter{Input: from, Cond: having}
		}
	}

	exprs := make([]logical.Expr, len(targets))
	names := make([]string, len(targets))
	quals := make([]string, len(targets))
	for i, t := range targets {
		exprs[i], names[i], quals[i] = t.expr, t.name, t.qual
	}
	from, exprs = buildWindows(from, exprs)
	from, exprs = buildSets(from, exprs, false) // bind_setfunc.go
	var out logical.Node = &logical.Project{Input: from, Exprs: exprs, Names: names, Quals: quals}
	if distinct {
		out = distinctOf(out)
	}
	if distinctOn {
		sch := out.Schema()
		sk := make([]logical.SortKey, len(keys))
		for i, k := range keys {
			f := sch[k.idx]
			sk[i] = logical.SortKey{Expr: &logical.Column{Index: k.idx, Name: f.Name, Typ: f.Type, Null: f.Nullable}, Desc: k.desc, NullsFirst: k.nullsFirst}
		}
		out = distinctOnOf(out, onIdx, sk)
	}
	if len(keys) > 0 {
		sch := out.Schema()
		sk := make([]logical.SortKey, len(keys))
		for i, k := range keys {
			f := sch[k.idx]
			sk[i] = logical.SortKey{Expr: &logical.Column{Index: k.idx, Name: f.Name, Typ: f.Type, Null: f.Nullable}, Desc: k.desc, NullsFirst: k.nullsFirst}
		}
		out = &logical.Sort{Input: out, Keys: sk}
	}
	if s.LimitCount != nil || s.LimitOffset != nil {
		lim := &logical.Limit{Input: out}
		if lim.Count, err = b.bindLimit(s.LimitCount, "LIMIT"); err != nil {
			return nil, err
		}
		if lim.Offset, err = b.bindLimit(s.LimitOffset, "OFFSET"); err != nil {
			return nil, err
		}
		out = lim
	}
	if len(targets) > visible {
		sch := out.Schema()
		pe := make([]logical.Expr, visible)
		pn := make([]string, visible)
		pq := make([]string, visible)
		for i := 0; i < visible; i++ {
			pe[i] = &logical.Column{Index: i, Name: sch[i].Name, Typ: sch[i].Type, Null: sch[i].Nullable}
			pn[i], pq[i] = sch[i].Name, sch[i].Qualifier
		}
		out = &logical.Project{Input: out, Exprs: pe, Names: pn, Quals: pq}
	}
	return out, nil
}

// distinctOf groups by every column of n.
func distinctOf(n logical.Node) logical.Node {
	sch := n.Schema()
	g := make([]logical.Expr, len(sch))
	names := make([]string, len(sch))
	quals := make([]string, len(sch))
	for i, f := range sch {
		g[i] = &logical.Column{Index: i, Name: f.Name, Typ: f.Type, Null: f.Nullable}
		names[i], quals[i] = f.Name, f.Qualifier
	}
	return &logical.Aggregate{Input: n, Groups: g, Names: names, Quals: quals}
}

// distinctOnOf keeps the first row of each group of equal (not distinct) values of the
// columns on, first in the order of keys (any row without keys): row_number() over
// (partition by on order by keys) = 1. The output has n's columns.
func distinctOnOf(n logical.Node, on []int, keys []logical.SortKey) logical.Node {
	sch := n.Schema()
	part := make([]logical.Expr, len(on))
	for i, idx := range on {
		f := sch[idx]
		part[i] = &logical.Column{Index: idx, Name: f.Name, Typ: f.Type, Null: f.Nullable}
	}
	frame := logical.Frame{Rows: true, Start: logical.Bound{Kind: logical.UnboundedPreceding}, End: logical.Bound{Kind: logical.CurrentRow}}
	win := &logical.Window{Input: n, Partition: part, Order: keys,
		Funcs: []*logical.WindowFunc{{Fn: proto.WinRowNumber, Typ: catalog.Int64, Frame: frame}}, Names: []string{"row_number"}}
	rn := &logical.Column{Index: len(sch), Name: "row_number", Typ: catalog.Int64}
	filter := &logical.Filter{Input: win, Cond: &logical.Call{Fn: proto.FnEqual, Args: []logical.Expr{rn, &logical.Literal{Typ: catalog.Int64, Value: int64(1)}}, Typ: catalog.Bool}}
	exprs := make([]logical.Expr, len(sch))
	names := make([]string, len(sch))
	quals := make([]string, len(sch))
	for i, f := range sch {
		exprs[i] = &logical.Column{Index: i, Name: f.Name, Typ: f.Type, Null: f.Nullable}
		names[i], quals[i] = f.Name, f.Qualifier
	}
	return &logical.Project{Input: filter, Exprs: exprs, Names: names, Quals: quals}
}

func nodeLoc(n *pg.Node) int32 {
	if n == nil {
		return -1
	}
	switch x := n.Node.(type) {
	case *pg.Node_AExpr:
		return x.AExpr.Location
	case *pg.Node_BoolExpr:
		return x.BoolExpr.Location
	case *pg.Node_ColumnRef:
		return x.ColumnRef.Location
	case *pg.Node_AConst:
		return x.AConst.Location
	case *pg.Node_FuncCall:
		return x.FuncCall.Location
	case *pg.Node_TypeCast:
		return x.TypeCast.Location
	case *pg.Node_ParamRef:
		return x.ParamRef.Location
	case *pg.Node_NullTest:
		return x.NullTest.Location
	case *pg.Node_CaseExpr:
		return x.CaseExpr.Location
	}
	return -1
}

// containsAgg reports whether e has an aggregate of this query level: its own aggregate
// calls (not those that belong to an enclosing query) and aggregates of this level inside
// its subqueries (PostgreSQL's rule: an aggregate belongs to the level of its variables).
func containsAgg(e logical.Expr) bool {
	found := false
	logical.Walk(e, func(x logical.Expr) bool {
		switch v := x.(type) {
		case *logical.AggCall:
			if !isOuterAgg(v, 0) {
				found = true
			}
		case *logical.Subquery:
			found = found || hasOuterAgg(v.Plan)
		}
		return !found
	})
	return found
}

// isOuterAgg reports whether aggregate a, sitting level subqueries deep, belongs to the
// query level that its depth-level outer references point to: its arguments read no column
// of its own level and some of that enclosing one.
func isOuterAgg(a *logical.AggCall, level int) bool {
	local, outer := false, false
	check := func(e logical.Expr) {
		if e == nil {
			return
		}
		logical.Walk(e, func(x logical.Expr) bool {
			switch v := x.(type) {
			case *logical.Column:
				local = true
			case *logical.OuterColumn:
				if v.Depth == level {
					outer = true
				} else if v.Depth < level {
					local = true
				}
			}
			return true
		})
	}
	check(a.Arg)
	check(a.Filter)
	for _, e := range a.Extra {
		check(e)
	}
	for _, k := range a.Order {
		check(k.Expr)
	}
	return outer && !local
}

// hasOuterAgg reports whether a subquery plan holds aggregates of the enclosing query.
func hasOuterAgg(plan logical.Node) bool {
	found := false
	mapOuterAggs(plan, func(a *logical.AggCall, level int) logical.Expr {
		found = true
		return a
	})
	return found
}

// mapOuterAggs applies f to the aggregates in plan (and its nested subqueries) that belong
// to the query enclosing plan.
func mapOuterAggs(plan logical.Node, f func(a *logical.AggCall, level int) logical.Expr) logical.Node {
	var mapNode func(n logical.Node, level int) logical.Node
	var mapExpr func(e logical.Expr, level int) logical.Expr
	mapExpr = func(e logical.Expr, level int) logical.Expr {
		return logical.Transform(e, func(x logical.Expr) logical.Expr {
			switch v := x.(type) {
			case *logical.AggCall:
				if isOuterAgg(v, level) {
					return f(v, level)
				}
			case *logical.Subquery:
				ns := *v
				if v.Test != nil {
					ns.Test = mapExpr(v.Test, level)
				}
				ns.Plan = mapNode(v.Plan, level+1)
				return &ns
			}
			return x
		})
	}
	mapNode = func(n logical.Node, level int) logical.Node {
		kids := n.Children()
		if len(kids) > 0 {
			nk := make([]logical.Node, len(kids))
			for i, k := range kids {
				nk[i] = mapNode(k, level)
			}
			n = n.WithChildren(nk)
		}
		return logical.MapExprs(n, func(e logical.Expr) logical.Expr { return mapExpr(e, level) })
	}
	return mapNode(plan, 0)
}

func (b *binder) expandStar(cr *pg.ColumnRef, sc *scope) ([]target, error) {
	var qual string
	if len(cr.Fields) >= 2 {
		qual = strVal(cr.Fields[len(cr.Fields)-2])
	}
	if len(sc.cols) == 0 && qual == "" {
		return nil, b.errAt(cr.Location, logical.Errorf(errs.ErrInvalidArgument, "SELECT * with no tables specified is not valid"))
	}
	if qual != "" && !sc.hasQual(qual) {
		return nil, b.errAt(cr.Location, logical.Errorf(errs.ErrInvalidArgument, "missing FROM-clause entry for table \"%s\"", qual))
	}
	var out []target
	add := func(i int) {
		c := sc.cols[i]
		out = append(out, target{expr: &logical.Column{Index: i, Name: c.name, Typ: c.typ, Null: c.nullable}, name: c.name, qual: c.qual})
	}
	if qual == "" {
		for _, i := range sc.star {
			if !sc.cols[i].hidden {
				add(i)
			}
		}
	} else {
		for i, c := range sc.cols {
			if c.qual == qual {
				add(i)
			}
		}
	}
	return out, nil
}

// constInt returns the integer of an integer constant node.
func constInt(n *pg.Node) (int, bool) {
	if c := n.GetAConst(); c != nil {
		if iv, ok := c.Val.(*pg.A_Const_Ival); ok {
			return int(iv.Ival.Ival), true
		}
	}
	return 0, false
}

// nonIntegerConst refuses a bare non-integer constant as a top-level GROUP BY, ORDER BY or
// DISTINCT ON item, as PostgreSQL does (an integer there is a position; any other constant
// is almost surely a mistake, so neither engine groups or sorts by it).
func nonIntegerConst(b *binder, n *pg.Node, clause string) error {
	if c := n.GetAConst(); c != nil {
		if _, ok := constInt(n); !ok {
			return b.errAt(c.Location, logical.Errorf(errs.ErrInvalidArgument, "non-integer constant in %s", clause))
		}
	}
	return nil
}

func (b *binder) bindGroupItem(g *pg.Node, sc *scope, targets []target) (logical.Expr, error) {
	if g.GetGroupingSet() != nil {
		return nil, b.errAt(g.GetGroupingSet().Location, notSupported("nested grouping sets are not supported here"))
	}
	if i, ok := constInt(g); ok {
		if i < 1 || i > len(targets) {
			return nil, b.errAt(nodeLoc(g), logical.Errorf(errs.ErrInvalidArgument, "GROUP BY position %d is not in select list", i))
		}
		e := targets[i-1].expr
		if containsAgg(e) {
			return nil, b.errAt(nodeLoc(g), logical.Errorf(errs.ErrInvalidArgument, "aggregate functions are not allowed in GROUP BY"))
		}
		return e, nil
	}
	e, err := b.bindExpr(g, exprCtx{scope: sc, clause: "GROUP BY"})
	if err != nil {
		// an output column name is accepted when no input column has that name
		if cr := g.GetColumnRef(); cr != nil && len(cr.Fields) == 1 && errors.Is(err, errs.ErrNotFound) {
			name := strVal(cr.Fields[0])
			for _, t := range targets {
				if t.name == name && !containsAgg(t.expr) {
					return t.expr, nil
				}
			}
		}
		return nil, err
	}
	return b.resolveUnknown(e), nil
}

// bindOrderItem returns the index of the target an ORDER BY item sorts by, appending a
// hidden target when it is not in the select list.
// clause names it in errors ("ORDER BY", "DISTINCT ON").
func (b *binder) bindOrderItem(n *pg.Node, sc *scope, targets *[]target, visible int, distinct bool, clause string) (int, error) {
	if err := nonIntegerConst(b, n, clause); err != nil {
		return 0, err
	}
	if i, ok := constInt(n); ok {
		if i < 1 || i > visible {
			return 0, b.errAt(nodeLoc(n), logical.Errorf(errs.ErrInvalidArgument, "%s position %d is not in select list", clause, i))
		}
		return i - 1, nil
	}
	if cr := n.GetColumnRef(); cr != nil && len(cr.Fields) == 1 && cr.Fields[0].GetAStar() == nil {
		name := strVal(cr.Fields[0])
		found := -1
		for i := 0; i < visible; i++ {
			if (*targets)[i].name == name {
				if found >= 0 && (*targets)[found].expr.String() != (*targets)[i].expr.String() {
					return 0, b.errAt(cr.Location, logical.Errorf(errs.ErrInvalidArgument, "%s \"%s\" is ambiguous", clause, name))
				}
				if found < 0 {
					found = i
				}
			}
		}
		if found >= 0 {
			return found, nil
		}
	}
	e, err := b.bindExpr(n, exprCtx{scope: sc, clause: "ORDER BY", aggOK: true})
	if err != nil {
		return 0, err
	}
	e = b.resolveUnknown(e)
	key := e.String()
	for i, t := range *targets {
		if t.expr.String() == key {
			return i, nil
		}
	}
	if distinct {
		return 0, b.errAt(nodeLoc(n), logical.Errorf(errs.ErrInvalidArgument, "for SELECT DISTINCT, ORDER BY expressions must appear in select list"))
	}
	*targets = append(*targets, target{expr: e, name: "?order?"})
	return len(*targets) - 1, nil
}

// buildAggregate prepares an Aggregate over from grouped by groups. rewrite maps an
// expression bound over the FROM scope onto the aggregate's output (collecting aggregate
// calls); node builds the Aggregate once every expression is rewritten.
func (b *binder) buildAggregate(from logical.Node, groups []logical.Expr, sc *scope, sets [][]int) (node func() logical.Node, rewrite func(logical.Expr) (logical.Expr, error), err error) {
	gkeys := map[string]int{}
	var gs []logical.Expr
	var names, quals []string
	for _, g := range groups {
		k := g.String()
		if _, ok := gkeys[k]; ok {
			continue
		}
		gkeys[k] = len(gs)
		gs = append(gs, g)
		name, qual := "?column?", ""
		if c, ok := g.(*logical.Column); ok {
			name, qual = c.Name, sc.cols[c.Index].qual
		}
		names = append(names, name)
		quals = append(quals, qual)
	}
	var aggs []*logical.AggCall
	akeys := map[string]int{}
	var rec func(e logical.Expr) (logical.Expr, error)
	rec = func(e logical.Expr) (logical.Expr, error) {
		if i, ok := gkeys[e.String()]; ok {
			return &logical.Column{Index: i, Name: names[i], Typ: gs[i].Type(), Null: gs[i].Nullable() || len(sets) > 1}, nil
		}
		switch x := e.(type) {
		case *logical.Call:
			if x.Fn == "grouping" {
				return groupingValue(x, gkeys, sets)
			}
		case *logical.Subquery:
			return regroupSubquery(x, gkeys, len(sets) > 1, sc, rec)
		case *logical.AggCall:
			if isOuterAgg(x, 0) {
				return x, nil // an enclosing query's aggregate, computed there
			}
			k := x.String()
			i, ok := akeys[k]
			if !ok {
				i = len(aggs)
				akeys[k] = i
				aggs = append(aggs, x)
			}
			return &logical.Column{Index: len(gs) + i, Name: x.Fn, Typ: x.Typ, Null: x.Nullable()}, nil
		case *logical.Column:
			c := sc.cols[x.Index]
			name := c.name
			if c.qual != "" {
				name = c.qual + "." + c.name
			}
			return nil, errs.At(x.Pos, logical.Errorf(errs.ErrInvalidArgument,
				"column \"%s\" must appear in the GROUP BY clause or be used in an aggregate function", name))
		}
		kids := logical.Children(e)
		if len(kids) == 0 {
			return e, nil
		}
		nk := make([]logical.Expr, len(kids))
		for i, k := range kids {
			var err error
			if nk[i], err = rec(k); err != nil {
				return nil, err
			}
		}
		return logical.WithChildren(e, nk), nil
	}
	node = func() logical.Node {
		n := append([]string{}, names...)
		for _, a := range aggs {
			n = append(n, a.Fn)
		}
		a := &logical.Aggregate{Input: from, Groups: gs, Aggs: aggs, Names: n, Quals: quals}
		if len(sets) > 1 {
			a.GroupingSets = sets
			a.Names = append(a.Names, "grouping_id")
		}
		return a
	}
	return node, rec, nil
}

func (b *binder) bindLimit(n *pg.Node, what string) (logical.Expr, error) {
	if n == nil {
		return nil, nil
	}
	if c := n.GetAConst(); c != nil && c.Isnull {
		return nil, nil // LIMIT ALL / LIMIT NULL
	}
	e, err := b.bindExpr(n, exprCtx{clause: what})
	if err != nil {
		return nil, err
	}
	if !logical.IsConstant(e) && !outerOnly(e) { // bind_lateral.go: a subquery's LIMIT may read the outer row
		if _, ok := e.(*logical.Param); !ok {
			return nil, b.errAt(nodeLoc(n), notSupported("%s must be a constant or a parameter", what))
		}
	}
	t := e.Type()
	if !isInt(t) && !isUnknown(t) && !canImplicit(t, catalog.Int64) {
		return nil, b.errAt(nodeLoc(n), logical.Errorf(errs.ErrInvalidArgument, "argument of %s must be type bigint, not type %s", what, opTypeName(t)))
	}
	out, err := b.coerce(e, catalog.Int64)
	if err != nil {
		return nil, b.errAt(nodeLoc(n), err)
	}
	if l, ok := out.(*logical.Literal); ok && l.Value != nil && l.Value.(int64) < 0 {
		if what == "LIMIT" {
			return nil, b.errAt(nodeLoc(n), logical.Errorf(errs.ErrInvalidArgument, "LIMIT must not be negative"))
		}
		return nil, b.errAt(nodeLoc(n), logical.Errorf(errs.ErrInvalidArgument, "OFFSET must not be negative"))
	}
	return out, nil
}

// bindValues binds VALUES lists; with types set (INSERT), each column is assigned to that type.
func (b *binder) bindValues(lists []*pg.Node, types []catalog.Type) (logical.Node, error) {
	var rows [][]logical.Expr
	width := -1
	for _, l := range lists {
		items := l.GetList()
		if items == nil {
			return nil, notSupported("unexpected VALUES item")
		}
		if width >= 0 && len(items.Items) != width {
			return nil, b.errAt(nodeLoc(items.Items[0]), logical.Errorf(errs.ErrInvalidArgument, "VALUES lists must all be the same length"))
		}
		width = len(items.Items)
		row := make([]logical.Expr, width)
		for i, it := range items.Items {
			if it.GetSetToDefault() != nil {
				row[i] = &logical.Literal{Typ: catalog.Type{}}
				continue
			}
			e, err := b.bindExpr(it, exprCtx{clause: "VALUES"})
			if err != nil {
				return nil, err
			}
			row[i] = e
		}
		rows = append(rows, row)
	}
	fields := make(logical.Schema, width)
	for c := 0; c < width; c++ {
		col := make([]logical.Expr, len(rows))
		for r := range rows {
			col[r] = rows[r][c]
		}
		t, err := b.commonOf(col, "VALUES", -1)
		if err != nil {
			return nil, err
		}
		null := false
		for r := range rows {
			if rows[r][c], err = b.coerce(rows[r][c], t); err != nil {
				return nil, err
			}
			null = null || rows[r][c].Nullable()
		}
		fields[c] = logical.Field{Name: fmt.Sprintf("column%d", c+1), Type: t, Nullable: null}
	}
	return &logical.Values{Fields: fields, Rows: rows}, nil
}

// bindTargets binds a target list (SELECT's, RETURNING's) in ctx: `*` and `t.*` expand over
// sc, every other item is an expression named by its alias or PostgreSQL's figured name.
func (b *binder) bindTargets(list []*pg.Node, sc *scope, ctx exprCtx) ([]target, error) {
	return b.bindTargetsLeaf(list, sc, ctx, nil)
}

// bindTargetsLeaf is bindTargets for the input leaf of a set operation (nil: none), whose
// unknown-typed items it notes or types as the set operation asks (bind_setop_types.go).
func (b *binder) bindTargetsLeaf(list []*pg.Node, sc *scope, ctx exprCtx, leaf *setopLeaf) ([]target, error) {
	var out []target
	for _, n := range list {
		rt := n.GetResTarget()
		if rt == nil {
			continue
		}
		if cr := rt.Val.GetColumnRef(); cr != nil && len(cr.Fields) > 0 && cr.Fields[len(cr.Fields)-1].GetAStar() != nil {
			ts, err := b.expandStar(cr, sc)
			if err != nil {
				return nil, err
			}
			out = append(out, ts...)
			continue
		}
		if len(rt.Indirection) > 0 {
			return nil, b.errAt(rt.Location, notSupported("subscripts are not supported yet"))
		}
		e, err := b.bindExpr(rt.Val, ctx)
		if err != nil {
			return nil, err
		}
		if t, ok := leaf.typeOf(len(out)); ok && isUnknown(e.Type()) {
			if e, err = b.coerce(e, t); err != nil {
				return nil, b.errAt(rt.Location, err)
			}
		} else if leaf != nil && isUnknown(e.Type()) {
			leaf.unknown[len(out)] = true
		}
		e = b.resolveUnknown(e)
		name := rt.Name
		if name == "" {
			name = figureName(rt.Val)
		}
		out = append(out, target{expr: e, name: name})
	}
	return out, nil
}

// regroupSubquery rebinds a subquery of an aggregated query's select list or HAVING over the
// aggregate's output: its outer references must be grouping keys (PostgreSQL's rule), and
// they are renumbered onto the key columns; its test expression is rewritten like any other.
func regroupSubquery(x *logical.Subquery, gkeys map[string]int, sets bool, sc *scope, rec func(logical.Expr) (logical.Expr, error)) (logical.Expr, error) {
	ns := *x
	if x.Test != nil {
		t, err := rec(x.Test)
		if err != nil {
			return nil, err
		}
		ns.Test = t
	}
	if !x.Correlated && !hasOuterAgg(x.Plan) {
		if ns.Test == x.Test {
			return x, nil
		}
		return &ns, nil
	}
	var err error
	// this level's aggregates inside the subquery are computed here; the subquery reads
	// their outputs (marked by a negative index until the other references are remapped)
	plan := mapOuterAggs(x.Plan, func(a *logical.AggCall, level int) logical.Expr {
		if err != nil {
			return a
		}
		na := *a
		toLocal := func(e logical.Expr) logical.Expr {
			if e == nil {
				return nil
			}
			return logical.MapOuterExpr(e, func(o *logical.OuterColumn, l int) logical.Expr {
				if o.Depth == level+l {
					return &logical.Column{Index: o.Index, Name: o.Name, Typ: o.Typ, Null: o.Null}
				}
				no := *o
				no.Depth -= level + 1
				return &no
			})
		}
		na.Arg, na.Filter = toLocal(a.Arg), toLocal(a.Filter)
		if a.Extra != nil {
			na.Extra = make([]logical.Expr, len(a.Extra))
			for i, e := range a.Extra {
				na.Extra[i] = toLocal(e)
			}
		}
		if a.Order != nil {
			na.Order = make([]logical.SortKey, len(a.Order))
			for i, k := range a.Order {
				k.Expr = toLocal(k.Expr)
				na.Order[i] = k
			}
		}
		var v logical.Expr
		if v, err = rec(&na); err != nil {
			return a
		}
		c, ok := v.(*logical.Column)
		if !ok {
			err = logical.Errorf(errs.ErrInternal, "outer aggregate did not become a column")
			return a
		}
		return &logical.OuterColumn{Index: -1 - c.Index, Name: c.Name, Typ: c.Typ, Null: c.Null, Depth: level}
	})
	if err != nil {
		return nil, err
	}
	ns.Plan = logical.MapOuterColumns(plan, func(o *logical.OuterColumn, level int) logical.Expr {
		if o.Depth != level || err != nil {
			return o
		}
		if o.Index < 0 {
			no := *o
			no.Index = -1 - o.Index
			return &no
		}
		key := (&logical.Column{Index: o.Index, Name: o.Name}).String()
		i, ok := gkeys[key]
		if !ok {
			name := o.Name
			if c := sc.cols[o.Index]; c.qual != "" {
				name = c.qual + "." + c.name
			}
			err = logical.Errorf(errs.ErrInvalidArgument, "subquery uses ungrouped column \"%s\" from outer query", name)
			return o
		}
		return &logical.OuterColumn{Index: i, Name: o.Name, Typ: o.Typ, Null: o.Null || sets, Depth: o.Depth}
	})
	if err != nil {
		return nil, err
	}
	return &ns, nil
}
