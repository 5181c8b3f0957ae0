package optimizer

import (
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
)

// The dependent join through the shapes the first version of the general decorrelation
// refused: LIMIT/OFFSET computed from the outer row, and GROUPING SETS.

// isConstLimit reports whether a LIMIT/OFFSET expression folds to a literal.
func isConstLimit(e logical.Expr) bool {
	if e == nil {
		return true
	}
	_, ok := Fold(e).(*logical.Literal)
	return ok
}

// pushLimitExpr is pushLimit for a LIMIT or OFFSET that reads the outer query: the row
// number per domain value is compared with the expressions evaluated over the domain's
// columns (a NULL LIMIT keeps every row, a NULL OFFSET skips none, as PostgreSQL's).
func (u *unnester) pushLimitExpr(x *logical.Limit) (logical.Node, error) {
	k := u.k()
	win, rn, keys, w, err := u.numberPerDomain(x) // rule_decorrelate_general.go
	if err != nil {
		return nil, err
	}
	zero := &logical.Literal{Typ: catalog.Int64, Value: int64(0)}
	// over the window's columns: the domain sits at w..w+k-1
	orZero := func(e logical.Expr) logical.Expr {
		if e == nil {
			return zero
		}
		e = u.subst(e, w)
		return &logical.Case{Whens: []logical.When{{Cond: &logical.Call{Fn: proto.FnIsNull, Args: []logical.Expr{e}, Typ: catalog.Bool}, Result: zero}},
			Else: e, Typ: catalog.Int64}
	}
	off := orZero(x.Offset)
	conds := []logical.Expr{&logical.Call{Fn: proto.FnGt, Args: []logical.Expr{rn, off}, Typ: catalog.Bool}}
	if x.Count != nil {
		cnt := u.subst(x.Count, w)
		within := &logical.Call{Fn: proto.FnLte, Args: []logical.Expr{rn,
			&logical.Call{Fn: proto.FnAdd, Args: []logical.Expr{off, cnt}, Typ: catalog.Int64, Null: cnt.Nullable()}}, Typ: catalog.Bool, Null: cnt.Nullable()}
		noLimit := &logical.Call{Fn: proto.FnIsNull, Args: []logical.Expr{cnt}, Typ: catalog.Bool}
		conds = append(conds, &logical.Call{Fn: proto.FnOr, Args: []logical.Expr{noLimit, within}, Typ: catalog.Bool, Null: true})
	}
	var out logical.Node = pickCols(&logical.Filter{Input: win, Cond: logical.And(conds...)}, span(0, w+k))
	if len(keys) > 0 {
		out = &logical.Sort{Input: out, Keys: keys}
	}
	return out, nil
}

// pushGroupingSets groups every set by the domain as well. A grand-total set (()) yields a
// row even for a domain value without input rows, as the set of no rows does in
// PostgreSQL: those rows are added for the domain values the grouped aggregate missed.
func (u *unnester) pushGroupingSets(x *logical.Aggregate) (logical.Node, error) {
	k := u.k()
	in, err := u.push(x.Input)
	if err != nil {
		return nil, err
	}
	w := width(x.Input)
	a := u.substNode(x, w).(*logical.Aggregate)
	a.Input = in
	ng, na := len(x.Groups), len(x.Aggs)
	a.Groups = append(append([]logical.Expr{}, a.Groups...), u.domainCols(w)...)
	a.Names = append([]string{}, x.Names[:ng]...)
	for _, f := range u.domain.Schema() {
		a.Names = append(a.Names, f.Name)
	}
	a.Names = append(a.Names, x.Names[ng:]...)
	if x.Quals != nil {
		a.Quals = append(append([]string{}, x.Quals...), make([]string, k)...)
	}
	a.GroupingSets = make([][]int, len(x.GroupingSets))
	total := -1
	for i, set := range x.GroupingSets {
		a.GroupingSets[i] = append(append([]int{}, set...), span(ng, ng+k)...)
		if len(set) == 0 && total < 0 {
			total = i
		}
	}
	// groups, domain, aggregates, set id -> groups, aggregates, set id, domain
	grouped := pickCols(a, append(append(span(0, ng), span(ng+k, ng+k+na+1)...), span(ng, ng+k)...))
	if total < 0 {
		return grouped, nil
	}
	gs := grouped.Schema()
	ds := u.domain.Schema()
	dw := ng + na + 1 // the domain's columns in grouped
	conds := make([]logical.Expr, k)
	for j := 0; j < k; j++ {
		conds[j] = &logical.Call{Fn: proto.FnNotDistinct, Args: []logical.Expr{
			&logical.Column{Index: j, Name: ds[j].Name, Typ: ds[j].Type, Null: ds[j].Nullable},
			&logical.Column{Index: k + dw + j, Name: ds[j].Name, Typ: ds[j].Type, Null: ds[j].Nullable}}, Typ: catalog.Bool}
	}
	missing := &logical.Join{Left: u.domain, Right: grouped, Type: logical.JoinAnti, Cond: logical.And(conds...)}
	p := &logical.Project{Input: missing}
	for i := 0; i < ng; i++ {
		p.Exprs = append(p.Exprs, &logical.Literal{Typ: gs[i].Type})
		p.Names = append(p.Names, gs[i].Name)
	}
	for i, ag := range x.Aggs {
		var e logical.Expr = &logical.Literal{Typ: ag.Typ}
		if ag.Fn == proto.AggCount {
			e = &logical.Literal{Typ: ag.Typ, Value: int64(0)}
		}
		p.Exprs = append(p.Exprs, e)
		p.Names = append(p.Names, gs[ng+i].Name)
	}
	p.Exprs = append(p.Exprs, &logical.Literal{Typ: catalog.Int32, Value: int64(total)})
	p.Names = append(p.Names, gs[ng+na].Name)
	p.Exprs = append(p.Exprs, u.domainCols(0)...)
	for _, f := range ds {
		p.Names = append(p.Names, f.Name)
	}
	names := make([]string, len(gs))
	for i, f := range gs {
		names[i] = f.Name
	}
	return &logical.SetOp{Left: grouped, Right: p, Op: logical.SetUnion, All: true, Names: names}, nil
}

// decorrelateJoinBoth handles an outer, semi or anti join whose condition holds a subquery
// reading both inputs. The condition becomes a filter over one input evaluated per row of
// the other (a LATERAL filter, unnested like any other): LEFT JOIN is the left input LEFT
// JOIN LATERAL (right input WHERE cond); RIGHT JOIN the same with the inputs swapped; FULL
// JOIN the LEFT form plus the right rows for which no left row satisfies cond (NOT EXISTS);
// semi and anti joins filter the left input with [NOT] EXISTS (right input WHERE cond).
func decorrelateJoinBoth(c *Context, j *logical.Join) (logical.Node, bool, error) {
	wl, wr := width(j.Left), width(j.Right)
	overRight := &logical.Filter{Input: j.Right, Cond: condAsSide(j.Cond, wl, true)}
	overLeft := &logical.Filter{Input: j.Left, Cond: condAsSide(j.Cond, wl, false)}
	exists := func(plan logical.Node, neg bool) logical.Expr {
		var e logical.Expr = logical.NewSubquery(logical.Subquery{Kind: logical.SubExists, Plan: plan, Typ: catalog.Bool, Correlated: true})
		if neg {
			e = &logical.Call{Fn: proto.FnNot, Args: []logical.Expr{e}, Typ: catalog.Bool}
		}
		return e
	}
	var out logical.Node
	switch j.Type {
	case logical.JoinLeft:
		out = &logical.LateralJoin{Left: j.Left, Right: overRight, Type: logical.JoinLeft}
	case logical.JoinRight:
		lat := &logical.LateralJoin{Left: j.Right, Right: overLeft, Type: logical.JoinLeft}
		out = pickCols(lat, append(span(wr, wr+wl), span(0, wr)...))
	case logical.JoinFull:
		left := &logical.LateralJoin{Left: j.Left, Right: overRight, Type: logical.JoinLeft}
		lone := &logical.Filter{Input: j.Right, Cond: exists(overLeft, true)}
		ls, rs := j.Left.Schema(), j.Right.Schema()
		p := &logical.Project{Input: lone}
		var names []string
		for _, f := range ls {
			p.Exprs = append(p.Exprs, &logical.Literal{Typ: f.Type})
			p.Names = append(p.Names, f.Name)
		}
		for i, f := range rs {
			p.Exprs = append(p.Exprs, &logical.Column{Index: i, Name: f.Name, Typ: f.Type, Null: f.Nullable})
			p.Names = append(p.Names, f.Name)
		}
		names = append(names, p.Names...)
		out = &logical.SetOp{Left: left, Right: p, Op: logical.SetUnion, All: true, Names: names}
	case logical.JoinSemi:
		out = &logical.Filter{Input: j.Left, Cond: exists(overRight, false)}
	case logical.JoinAnti:
		out = &logical.Filter{Input: j.Left, Cond: exists(overRight, true)}
	default:
		return nil, false, nil
	}
	res, _, err := Decorrelate{}.Apply(c, out)
	return res, true, err
}

// condAsSide rewrites a join condition (over the left input's wl columns then the right's)
// as a condition over one input, local (the right one when localRight), evaluated per row of
// the other, which becomes the enclosing scope: its columns turn into OuterColumns of depth
// 0, the local columns move to their own indexes, and references further out (and, inside
// subqueries, every reference past the join) move one level out.
func condAsSide(cond logical.Expr, wl int, localRight bool) logical.Expr {
	local := func(i int) bool { return (i >= wl) == localRight }
	localIdx := func(i int) int {
		if localRight {
			return i - wl
		}
		return i
	}
	outerIdx := func(i int) int {
		if localRight {
			return i
		}
		return i - wl
	}
	e := logical.MapOuterExpr(cond, func(o *logical.OuterColumn, level int) logical.Expr {
		n := *o
		switch {
		case o.Depth == level-1: // the join's own columns, from inside a subquery
			if local(o.Index) {
				n.Index = localIdx(o.Index)
			} else {
				n.Index, n.Depth = outerIdx(o.Index), level
			}
		case o.Depth >= level:
			n.Depth++
		}
		return &n
	})
	var cols func(e logical.Expr) logical.Expr
	cols = func(e logical.Expr) logical.Expr {
		return logical.Transform(e, func(x logical.Expr) logical.Expr {
			switch v := x.(type) {
			case *logical.Column:
				if local(v.Index) {
					n := *v
					n.Index = localIdx(v.Index)
					return &n
				}
				return &logical.OuterColumn{Index: outerIdx(v.Index), Name: v.Name, Typ: v.Typ, Null: v.Null}
			case *logical.Subquery:
				if v.Test != nil {
					ns := *v
					ns.Test = cols(v.Test)
					return &ns
				}
			}
			return x
		})
	}
	return cols(e)
}

// dependent reports whether n depends on the outer row: it references the outer query, or
// reads the working table of a recursive union the dependent join went through.
func (u *unnester) dependent(n logical.Node) bool {
	if hasOuterNode(n) {
		return true
	}
	if len(u.work) == 0 {
		return false
	}
	found := false
	var walk func(n logical.Node)
	walk = func(n logical.Node) {
		if w, ok := n.(*logical.WorkTableScan); ok && u.work[w.ID] {
			found = true
		}
		for _, k := range n.Children() {
			if !found {
				walk(k)
			}
		}
	}
	walk(n)
	return found
}

// pushRecursive is the dependent join through WITH RECURSIVE whose terms read the outer row
// (a recursion bounded by an outer column): both terms carry the domain, and so does the
// working table, so every outer value recurses on its own rows (UNION's duplicates are per
// outer value too).
func (u *unnester) pushRecursive(x *logical.RecursiveUnion) (logical.Node, error) {
	if u.work == nil {
		u.work = map[int]bool{}
	}
	u.work[x.ID] = true
	a, err := u.push(x.Anchor)
	if err != nil {
		return nil, err
	}
	r, err := u.push(x.Recursive)
	if err != nil {
		return nil, err
	}
	names := append([]string{}, x.Names...)
	for _, f := range u.domain.Schema() {
		names = append(names, f.Name)
	}
	return &logical.RecursiveUnion{ID: x.ID, Anchor: a, Recursive: r, All: x.All, Names: names}, nil
}

// pushWorkTable reads a dependent recursive union's working table with its domain columns.
func (u *unnester) pushWorkTable(x *logical.WorkTableScan) (logical.Node, error) {
	if !u.work[x.ID] {
		return &logical.Join{Left: x, Right: u.domain, Type: logical.JoinInner}, nil
	}
	w := *x
	w.Fields = append(append(logical.Schema{}, x.Fields...), u.domain.Schema()...)
	return &w, nil
}
