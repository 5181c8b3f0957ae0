package optimizer

import (
	"fmt"
	"sort"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// unnestGeneral decorrelates a subquery plan of any shape by the dependent-join method of
// Neumann and Kemper ("Unnesting Arbitrary Queries"). The outer columns the plan references
// form the domain D = DISTINCT of those columns of the outer input in; the dependent join
// of D with the plan is pushed down node by node (filters, projections, aggregates grouped
// by D, joins, set operations, windows, limits per D value) until no node references the
// outer query, where it becomes a plain cross join with D.
//
// The result has the plan's columns followed by D's columns; preds (over the result's
// columns and OuterColumns of in, as pull returns them) join it back to in on D's columns
// with IS NOT DISTINCT FROM (plain equality where the outer column cannot be NULL), so a
// NULL outer value behaves as PostgreSQL's per-row evaluation does. An aggregate without
// GROUP BY yields exactly one row per D value (COUNT's 0 for a value without rows).
func unnestGeneral(in logical.Node, plan logical.Node) (logical.Node, []logical.Expr, error) {
	used := map[int]bool{}
	var walk func(n logical.Node)
	walk = func(n logical.Node) {
		logical.MapExprs(n, func(e logical.Expr) logical.Expr {
			logical.Walk(e, func(x logical.Expr) bool {
				if o, ok := x.(*logical.OuterColumn); ok && o.Depth == 0 {
					used[o.Index] = true
				}
				return true
			})
			return e
		})
		for _, k := range n.Children() {
			walk(k)
		}
	}
	walk(plan)
	cols := make([]int, 0, len(used))
	for c := range used {
		cols = append(cols, c)
	}
	sort.Ints(cols)
	sch := in.Schema()
	pos := map[int]int{}
	var exprs []logical.Expr
	var names []string
	for j, c := range cols {
		pos[c] = j
		f := sch[c]
		exprs = append(exprs, &logical.Column{Index: c, Name: f.Name, Typ: f.Type, Null: f.Nullable})
		names = append(names, f.Name)
	}
	proj := &logical.Project{Input: in, Exprs: exprs, Names: names}
	groups := make([]logical.Expr, len(cols))
	for j := range cols {
		f := proj.Schema()[j]
		groups[j] = &logical.Column{Index: j, Name: f.Name, Typ: f.Type, Null: f.Nullable}
	}
	u := &unnester{domain: &logical.Aggregate{Input: proj, Groups: groups, Names: append([]string{}, names...)}, pos: pos}
	out, err := u.push(plan)
	if err != nil {
		return nil, nil, err
	}
	w := width(plan)
	preds := make([]logical.Expr, len(cols))
	dsch := u.domain.Schema()
	for j, c := range cols {
		f := sch[c]
		fn := proto.FnNotDistinct
		if !f.Nullable {
			fn = proto.FnEqual
		}
		preds[j] = &logical.Call{Fn: fn, Args: []logical.Expr{
			&logical.OuterColumn{Index: c, Name: f.Name, Typ: f.Type, Null: f.Nullable},
			&logical.Column{Index: w + j, Name: dsch[j].Name, Typ: dsch[j].Type, Null: dsch[j].Nullable}}, Typ: catalog.Bool}
	}
	return out, preds, nil
}

type unnester struct {
	domain logical.Node // DISTINCT outer columns
	pos    map[int]int  // outer column index -> domain column
	work   map[int]bool // recursive unions made dependent: their working tables carry the domain
}

func (u *unnester) k() int { return width(u.domain) }

// domainCols are columns at base..base+k-1 standing for the domain's columns.
func (u *unnester) domainCols(base int) []logical.Expr {
	ds := u.domain.Schema()
	out := make([]logical.Expr, len(ds))
	for j, f := range ds {
		out[j] = &logical.Column{Index: base + j, Name: f.Name, Typ: f.Type, Null: f.Nullable}
	}
	return out
}

// subst replaces outer references in e by the domain's columns at base.
func (u *unnester) subst(e logical.Expr, base int) logical.Expr {
	if e == nil {
		return nil
	}
	return logical.Transform(e, func(x logical.Expr) logical.Expr {
		return u.outerRef(x, base)
	})
}

// outerRef maps a reference to the query one level out onto the domain's columns at base
// and moves references further out one level in (the result joins onto that level).
func (u *unnester) outerRef(x logical.Expr, base int) logical.Expr {
	o, ok := x.(*logical.OuterColumn)
	if !ok {
		return x
	}
	if o.Depth > 0 {
		no := *o
		no.Depth--
		return &no
	}
	return &logical.Column{Index: base + u.pos[o.Index], Name: o.Name, Typ: o.Typ, Null: o.Null}
}

func (u *unnester) substNode(n logical.Node, base int) logical.Node {
	return logical.MapExprs(n, func(e logical.Expr) logical.Expr { return u.subst(e, base) })
}

// pickCols projects n's columns in the given order.
func pickCols(n logical.Node, order []int) logical.Node {
	sch := n.Schema()
	exprs := make([]logical.Expr, len(order))
	names := make([]string, len(order))
	quals := make([]string, len(order))
	for i, c := range order {
		f := sch[c]
		exprs[i] = &logical.Column{Index: c, Name: f.Name, Typ: f.Type, Null: f.Nullable}
		names[i], quals[i] = f.Name, f.Qualifier
	}
	return &logical.Project{Input: n, Exprs: exprs, Names: names, Quals: quals}
}

func span(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func (u *unnester) errUnsupported(what string) error {
	return logical.Errorf(errs.ErrNotSupported, "correlated subquery over %s is not supported yet", what)
}

// push returns the dependent join of the domain with n: n's columns followed by the
// domain's, free of outer references.
func (u *unnester) push(n logical.Node) (logical.Node, error) {
	k := u.k()
	if !u.dependent(n) {
		return &logical.Join{Left: decDepth(n), Right: u.domain, Type: logical.JoinInner}, nil
	}
	switch x := n.(type) {
	case *logical.Filter:
		in, err := u.push(x.Input)
		if err != nil {
			return nil, err
		}
		return &logical.Filter{Input: in, Cond: u.subst(x.Cond, width(x.Input))}, nil
	case *logical.Project:
		in, err := u.push(x.Input)
		if err != nil {
			return nil, err
		}
		w := width(x.Input)
		p := &logical.Project{Input: in, Names: append([]string{}, x.Names...)}
		for _, e := range x.Exprs {
			p.Exprs = append(p.Exprs, u.subst(e, w))
		}
		p.Exprs = append(p.Exprs, u.domainCols(w)...)
		for _, f := range u.domain.Schema() {
			p.Names = append(p.Names, f.Name)
		}
		if x.Quals != nil {
			p.Quals = append(append([]string{}, x.Quals...), make([]string, k)...)
		}
		return p, nil
	case *logical.Sort:
		in, err := u.push(x.Input)
		if err != nil {
			return nil, err
		}
		s := u.substNode(x, width(x.Input)).(*logical.Sort)
		s.Input = in
		return s, nil
	case *logical.Limit:
		return u.pushLimit(x)
	case *logical.Aggregate:
		return u.pushAggregate(x)
	case *logical.Window:
		in, err := u.push(x.Input)
		if err != nil {
			return nil, err
		}
		w := width(x.Input)
		win := u.substNode(x, w).(*logical.Window)
		win.Input = in
		win.Partition = append(append([]logical.Expr{}, win.Partition...), u.domainCols(w)...)
		// input, domain, functions -> input, functions, domain
		nf := len(x.Funcs)
		return pickCols(win, append(append(span(0, w), span(w+k, w+k+nf)...), span(w, w+k)...)), nil
	case *logical.Join:
		return u.pushJoin(x)
	case *logical.ProjectSet:
		return u.pushProjectSet(x) // rule_decorrelate_lateral.go
	case *logical.RecursiveUnion:
		return u.pushRecursive(x) // rule_decorrelate_shapes.go
	case *logical.WorkTableScan:
		return u.pushWorkTable(x)
	case *logical.SetOp:
		l, err := u.push(x.Left)
		if err != nil {
			return nil, err
		}
		r, err := u.push(x.Right)
		if err != nil {
			return nil, err
		}
		s := *x
		s.Left, s.Right = l, r
		s.Names = append([]string{}, x.Names...)
		for _, f := range u.domain.Schema() {
			s.Names = append(s.Names, f.Name)
		}
		return &s, nil
	case *logical.Values:
		// one projection of the domain per row, concatenated
		var out logical.Node
		for _, row := range x.Rows {
			p := &logical.Project{Input: u.domain}
			for i, e := range row {
				p.Exprs = append(p.Exprs, u.subst(e, 0))
				p.Names = append(p.Names, x.Fields[i].Name)
			}
			p.Exprs = append(p.Exprs, u.domainCols(0)...)
			for _, f := range u.domain.Schema() {
				p.Names = append(p.Names, f.Name)
			}
			if out == nil {
				out = p
				continue
			}
			out = &logical.SetOp{Left: out, Right: p, Op: logical.SetUnion, All: true, Names: p.Names}
		}
		if out == nil {
			return nil, u.errUnsupported("an empty VALUES list")
		}
		return out, nil
	}
	return nil, u.errUnsupported(fmt.Sprintf("%T", n))
}

// pushAggregate groups by the domain as well. Without GROUP BY, every domain value gets one
// row: the domain is left-joined with the grouped aggregate and COUNTs of values without
// rows become 0.
func (u *unnester) pushAggregate(x *logical.Aggregate) (logical.Node, error) {
	if len(x.GroupingSets) > 1 {
		return u.pushGroupingSets(x) // rule_decorrelate_shapes.go
	}
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
	// groups, domain, aggregates -> groups, aggregates, domain
	grouped := pickCols(a, append(append(span(0, ng), span(ng+k, ng+k+na)...), span(ng, ng+k)...))
	if ng > 0 {
		return grouped, nil
	}
	conds := make([]logical.Expr, k)
	ds := u.domain.Schema()
	for j := 0; j < k; j++ {
		conds[j] = &logical.Call{Fn: proto.FnNotDistinct, Args: []logical.Expr{
			&logical.Column{Index: j, Name: ds[j].Name, Typ: ds[j].Type, Null: ds[j].Nullable},
			&logical.Column{Index: k + na + j, Name: ds[j].Name, Typ: ds[j].Type, Null: ds[j].Nullable}}, Typ: catalog.Bool}
	}
	j := &logical.Join{Left: u.domain, Right: grouped, Type: logical.JoinLeft, Cond: logical.And(conds...)}
	js := j.Schema()
	p := &logical.Project{Input: j}
	for i := 0; i < na; i++ {
		f := js[k+i]
		var e logical.Expr = &logical.Column{Index: k + i, Name: f.Name, Typ: f.Type, Null: true}
		if x.Aggs[i].Fn == proto.AggCount {
			e = &logical.Case{Whens: []logical.When{{Cond: &logical.Call{Fn: proto.FnIsNull, Args: []logical.Expr{e}, Typ: catalog.Bool},
				Result: &logical.Literal{Typ: f.Type, Value: int64(0)}}}, Else: e, Typ: f.Type}
		}
		p.Exprs = append(p.Exprs, e)
		p.Names = append(p.Names, x.Names[ng+i])
	}
	p.Exprs = append(p.Exprs, u.domainCols(0)...)
	for _, f := range ds {
		p.Names = append(p.Names, f.Name)
	}
	return p, nil
}

// pushLimit keeps the first rows per domain value: row_number() over (partition by the
// domain order by the sort below the limit) within (offset, offset+count].
func (u *unnester) pushLimit(x *logical.Limit) (logical.Node, error) {
	k := u.k()
	lit := func(e logical.Expr) (int64, bool, error) {
		if e == nil {
			return 0, false, nil
		}
		l, ok := Fold(e).(*logical.Literal)
		if !ok {
			return 0, false, u.errUnsupported("a LIMIT or OFFSET that is not a constant")
		}
		if l.Value == nil {
			return 0, false, nil
		}
		switch v := l.Value.(type) {
		case int64:
			return v, true, nil
		case int32:
			return int64(v), true, nil
		}
		return 0, false, u.errUnsupported("a LIMIT or OFFSET that is not an integer")
	}
	if !isConstLimit(x.Count) || !isConstLimit(x.Offset) {
		return u.pushLimitExpr(x) // rule_decorrelate_shapes.go
	}
	count, hasCount, err := lit(x.Count)
	if err != nil {
		return nil, err
	}
	offset, _, err := lit(x.Offset)
	if err != nil {
		return nil, err
	}
	win, rn, keys, w, err := u.numberPerDomain(x)
	if err != nil {
		return nil, err
	}
	conds := []logical.Expr{&logical.Call{Fn: proto.FnGt, Args: []logical.Expr{rn, &logical.Literal{Typ: catalog.Int64, Value: offset}}, Typ: catalog.Bool}}
	if hasCount {
		conds = append(conds, &logical.Call{Fn: proto.FnLte, Args: []logical.Expr{rn, &logical.Literal{Typ: catalog.Int64, Value: offset + count}}, Typ: catalog.Bool})
	}
	var out logical.Node = pickCols(&logical.Filter{Input: win, Cond: logical.And(conds...)}, span(0, w+k))
	if len(keys) > 0 {
		// keep the order for an enclosing consumer that cares (e.g. ARRAY(subquery))
		out = &logical.Sort{Input: out, Keys: keys}
	}
	return out, nil
}

// pushJoin pushes the dependent join into the side(s) that reference the outer query. A
// side that does not keeps its rows only where the join type allows it (an inner join's
// independent side, a left join's independent right side); otherwise both sides get the
// domain and match on it.
func (u *unnester) pushJoin(x *logical.Join) (logical.Node, error) {
	k := u.k()
	wl, wr := width(x.Left), width(x.Right)
	ld, rd := u.dependent(x.Left), u.dependent(x.Right)
	condOuter := x.Cond != nil && logical.HasOuter(x.Cond)
	leftOnly := !rd && (ld || condOuter) && x.Type != logical.JoinRight && x.Type != logical.JoinFull
	rightOnly := !ld && rd && x.Type == logical.JoinInner
	if x.Type == logical.JoinInner && !ld && !rd {
		leftOnly = true
	}
	switch {
	case leftOnly:
		l, err := u.push(x.Left)
		if err != nil {
			return nil, err
		}
		var cond logical.Expr
		if x.Cond != nil {
			cond = u.shiftRight(x.Cond, wl, k)
		}
		j := &logical.Join{Left: l, Right: decDepth(x.Right), Type: x.Type, Cond: cond}
		switch x.Type {
		case logical.JoinSemi, logical.JoinAnti:
			return j, nil
		case logical.JoinMark:
			return pickCols(j, append(append(span(0, wl), wl+k), span(wl, wl+k)...)), nil
		}
		return pickCols(j, append(append(span(0, wl), span(wl+k, wl+k+wr)...), span(wl, wl+k)...)), nil
	case rightOnly:
		r, err := u.push(x.Right)
		if err != nil {
			return nil, err
		}
		return &logical.Join{Left: decDepth(x.Left), Right: r, Type: x.Type, Cond: u.subst(x.Cond, wl+wr)}, nil
	}
	l, err := u.push(x.Left)
	if err != nil {
		return nil, err
	}
	r, err := u.push(x.Right)
	if err != nil {
		return nil, err
	}
	// over l (wl + k columns) then r (wr + k columns)
	var conds []logical.Expr
	if x.Cond != nil {
		conds = append(conds, u.shiftRight(x.Cond, wl, k))
	}
	ld2, rd2 := u.domainCols(wl), u.domainCols(wl+k+wr)
	for j := 0; j < k; j++ {
		conds = append(conds, &logical.Call{Fn: proto.FnNotDistinct, Args: []logical.Expr{ld2[j], rd2[j]}, Typ: catalog.Bool})
	}
	if x.Type == logical.JoinFull {
		return u.fullJoin(l, r, wl, wr, conds), nil
	}
	j := &logical.Join{Left: l, Right: r, Type: x.Type, Cond: logical.And(conds...)}
	switch x.Type {
	case logical.JoinSemi, logical.JoinAnti:
		return j, nil
	case logical.JoinMark:
		return pickCols(j, append(append(span(0, wl), wl+k), span(wl, wl+k)...)), nil
	case logical.JoinRight:
		// right rows are kept: the domain comes from the right side
		return pickCols(j, append(append(span(0, wl), span(wl+k, wl+k+wr)...), span(wl+k+wr, wl+k+wr+k)...)), nil
	}
	return pickCols(j, append(append(span(0, wl), span(wl+k, wl+k+wr)...), span(wl, wl+k)...)), nil
}

// fullJoin joins the dependent sides l (wl + k columns) and r (wr + k) fully: a row of
// either side without a partner keeps its own domain value, so the left side carries a
// marker that says which side's domain columns to take.
func (u *unnester) fullJoin(l, r logical.Node, wl, wr int, conds []logical.Expr) logical.Node {
	k := u.k()
	lw := wl + k
	ls := l.Schema()
	lp := &logical.Project{Input: l}
	for i, f := range ls {
		lp.Exprs = append(lp.Exprs, &logical.Column{Index: i, Name: f.Name, Typ: f.Type, Null: f.Nullable})
		lp.Names = append(lp.Names, f.Name)
	}
	lp.Exprs = append(lp.Exprs, &logical.Literal{Typ: catalog.Bool, Value: true})
	lp.Names = append(lp.Names, "present")
	// conditions over l then r: r's columns move one right past the marker
	for i, c := range conds {
		conds[i] = logical.Transform(c, func(e logical.Expr) logical.Expr {
			if col, ok := e.(*logical.Column); ok && col.Index >= lw {
				n := *col
				n.Index++
				return &n
			}
			return e
		})
	}
	j := &logical.Join{Left: lp, Right: r, Type: logical.JoinFull, Cond: logical.And(conds...)}
	js := j.Schema()
	col := func(i int) logical.Expr {
		return &logical.Column{Index: i, Name: js[i].Name, Typ: js[i].Type, Null: js[i].Nullable}
	}
	p := &logical.Project{Input: j}
	for i := 0; i < wl; i++ {
		p.Exprs, p.Names = append(p.Exprs, col(i)), append(p.Names, js[i].Name)
	}
	for i := 0; i < wr; i++ {
		p.Exprs, p.Names = append(p.Exprs, col(lw+1+i)), append(p.Names, js[lw+1+i].Name)
	}
	present := &logical.Call{Fn: proto.FnIsNull, Args: []logical.Expr{col(lw)}, Typ: catalog.Bool}
	for d := 0; d < k; d++ {
		rd := col(lw + 1 + wr + d)
		p.Exprs = append(p.Exprs, &logical.Case{Whens: []logical.When{{Cond: present, Result: rd}}, Else: col(wl + d), Typ: rd.Type()})
		p.Names = append(p.Names, js[wl+d].Name)
	}
	return p
}

// shiftRight rewrites a join condition for a join whose left input gained the k domain
// columns after its wl own: right-side columns move k places, outer references become the
// left input's domain columns.
func (u *unnester) shiftRight(cond logical.Expr, wl, k int) logical.Expr {
	return logical.Transform(cond, func(e logical.Expr) logical.Expr {
		switch c := e.(type) {
		case *logical.Column:
			if c.Index >= wl {
				n := *c
				n.Index += k
				return &n
			}
		case *logical.OuterColumn:
			return u.outerRef(c, wl)
		}
		return e
	})
}

// numberPerDomain is the shared half of pushing the domain through a LIMIT: the domain goes
// into the LIMIT's input (below its Sort, if any) and a window numbers the rows of each
// domain value in the sort's order. It returns the window, its row_number column (at w+k),
// the sort keys over the pushed input, and w, the input's own width.
func (u *unnester) numberPerDomain(x *logical.Limit) (*logical.Window, *logical.Column, []logical.SortKey, int, error) {
	body := x.Input
	var keys []logical.SortKey
	if s, ok := body.(*logical.Sort); ok {
		body, keys = s.Input, s.Keys
	}
	in, err := u.push(body)
	if err != nil {
		return nil, nil, nil, 0, err
	}
	w := width(body)
	for i, key := range keys {
		key.Expr = u.subst(key.Expr, w)
		keys[i] = key
	}
	frame := logical.Frame{Rows: true, Start: logical.Bound{Kind: logical.UnboundedPreceding}, End: logical.Bound{Kind: logical.CurrentRow}}
	win := &logical.Window{Input: in, Partition: u.domainCols(w), Order: keys,
		Funcs: []*logical.WindowFunc{{Fn: proto.WinRowNumber, Typ: catalog.Int64, Frame: frame}}, Names: []string{"row_number"}}
	return win, &logical.Column{Index: w + u.k(), Name: "row_number", Typ: catalog.Int64}, keys, w, nil
}
