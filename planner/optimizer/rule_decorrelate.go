package optimizer

import (
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// Decorrelate turns subquery expressions into joins, so no subquery ever runs once per row:
//   - EXISTS / IN conjuncts of a filter become semi joins, NOT EXISTS (and NOT IN over
//     columns that cannot be NULL) anti joins;
//   - other EXISTS / IN / ANY / ALL uses become mark joins (a boolean column with SQL's
//     three-valued IN result);
//   - scalar subqueries become single joins (at most one row per outer row);
//   - predicates that reference the outer query are pulled out of the subquery into the
//     join condition; below an aggregate, equality predicates become grouping keys (the
//     aggregate is computed per correlation value and joined back with a left join, and
//     COUNT's 0 for outer rows without partner rows is restored with a CASE).
//
// It runs first: the binder leaves subqueries in filters and projections only.
type Decorrelate struct{}

func (Decorrelate) Name() string { return "decorrelate_subqueries" }

func (d Decorrelate) Apply(c *Context, n logical.Node) (logical.Node, bool, error) {
	return transformUp(c, n, func(x logical.Node) (logical.Node, bool, error) {
		switch x := x.(type) {
		case *logical.LateralJoin:
			out, err := decorrelateLateral(c, x) // rule_decorrelate_lateral.go
			return out, true, err
		case *logical.Filter:
			if !logical.HasSubquery(x.Cond) {
				return x, false, nil
			}
			out, err := decorrelateFilter(c, x)
			return out, true, err
		case *logical.Project:
			has := false
			for _, e := range x.Exprs {
				has = has || logical.HasSubquery(e)
			}
			if !has {
				return x, false, nil
			}
			out, err := decorrelateProject(c, x)
			return out, true, err
		}
		if j, ok := x.(*logical.Join); ok && j.Cond != nil && logical.HasSubquery(j.Cond) {
			out, err := decorrelateJoin(c, j)
			return out, true, err
		}
		has := false
		logical.MapExprs(x, func(e logical.Expr) logical.Expr {
			has = has || logical.HasSubquery(e)
			return e
		})
		if a, ok := x.(*logical.Aggregate); ok && has {
			// subqueries in grouping keys or aggregate arguments: joined onto the input
			in := a.Input
			var err error
			out := logical.MapExprs(a, func(e logical.Expr) logical.Expr {
				if err != nil || !logical.HasSubquery(e) {
					return e
				}
				var ne logical.Expr
				in, ne, err = replaceSubqueries(c, in, e)
				return ne
			}).(*logical.Aggregate)
			out.Input = in
			return out, true, err
		}
		if w, ok := x.(*logical.Window); ok && has {
			// subqueries in partition keys, order keys or arguments: joined onto the input
			in := w.Input
			nw := width(in)
			var err error
			out := logical.MapExprs(w, func(e logical.Expr) logical.Expr {
				if err != nil || !logical.HasSubquery(e) {
					return e
				}
				var ne logical.Expr
				in, ne, err = replaceSubqueries(c, in, e)
				return ne
			}).(*logical.Window)
			if err != nil {
				return nil, false, err
			}
			out.Input = in
			extra := width(in) - nw
			return pickCols(out, append(span(0, nw), span(nw+extra, nw+extra+len(w.Funcs))...)), true, nil
		}
		if v, ok := x.(*logical.Values); ok && has {
			// each row is a projection of one row, the rows concatenated
			one := &logical.Values{Fields: logical.Schema{{Name: "one", Type: catalog.Int32}}, Rows: [][]logical.Expr{{&logical.Literal{Typ: catalog.Int32, Value: int64(1)}}}}
			names := make([]string, len(v.Fields))
			for i, f := range v.Fields {
				names[i] = f.Name
			}
			var out logical.Node
			for _, row := range v.Rows {
				p, err := decorrelateProject(c, &logical.Project{Input: one, Exprs: row, Names: names})
				if err != nil {
					return nil, false, err
				}
				if out == nil {
					out = p
					continue
				}
				out = &logical.SetOp{Left: out, Right: p, Op: logical.SetUnion, All: true, Names: names}
			}
			return out, true, nil
		}
		if has {
			return nil, false, logical.Errorf(errs.ErrNotSupported, "subqueries are not supported here yet (only in WHERE, HAVING and the select list)")
		}
		return x, false, nil
	})
}

func width(n logical.Node) int { return len(n.Schema()) }

// keepFirst projects the first k columns of n (n itself when it has exactly k).
func keepFirst(n logical.Node, k int) logical.Node {
	sch := n.Schema()
	if len(sch) == k {
		return n
	}
	exprs := make([]logical.Expr, k)
	names := make([]string, k)
	quals := make([]string, k)
	for i := 0; i < k; i++ {
		f := sch[i]
		exprs[i] = &logical.Column{Index: i, Name: f.Name, Typ: f.Type, Null: f.Nullable}
		names[i], quals[i] = f.Name, f.Qualifier
	}
	return &logical.Project{Input: n, Exprs: exprs, Names: names, Quals: quals}
}

func decorrelateFilter(c *Context, f *logical.Filter) (logical.Node, error) {
	in := f.Input
	nl := width(in)
	var rest []logical.Expr
	for _, cj := range logical.Conjuncts(f.Cond) {
		if s, neg, ok := asSubquery(cj); ok && (s.Kind == logical.SubExists || s.Kind == logical.SubIn) {
			jt := logical.JoinSemi
			if neg {
				jt = logical.JoinAnti
			}
			if !neg || s.Kind == logical.SubExists || (!s.Test.Nullable() && !s.Plan.Schema()[0].Nullable) {
				out, _, err := attach(c, in, s, jt)
				if err != nil {
					return nil, err
				}
				in = out
				continue
			}
		}
		if !logical.HasSubquery(cj) {
			rest = append(rest, cj)
			continue
		}
		out, e, err := replaceSubqueries(c, in, cj)
		if err != nil {
			return nil, err
		}
		in = out
		rest = append(rest, e)
	}
	var out logical.Node = in
	if len(rest) > 0 {
		out = &logical.Filter{Input: in, Cond: logical.And(rest...)}
	}
	return keepFirst(out, nl), nil
}

func decorrelateProject(c *Context, p *logical.Project) (logical.Node, error) {
	in := p.Input
	exprs := make([]logical.Expr, len(p.Exprs))
	for i, e := range p.Exprs {
		if !logical.HasSubquery(e) {
			exprs[i] = e
			continue
		}
		out, ne, err := replaceSubqueries(c, in, e)
		if err != nil {
			return nil, err
		}
		in, exprs[i] = out, ne
	}
	np := *p
	np.Input, np.Exprs = in, exprs
	return &np, nil
}

// asSubquery recognizes s and NOT s.
func asSubquery(e logical.Expr) (*logical.Subquery, bool, bool) {
	if s, ok := e.(*logical.Subquery); ok {
		return s, false, true
	}
	if c, ok := e.(*logical.Call); ok && c.Fn == proto.FnNot && len(c.Args) == 1 {
		if s, ok := c.Args[0].(*logical.Subquery); ok {
			return s, true, true
		}
	}
	return nil, false, false
}

// replaceSubqueries joins every subquery of e onto in (columns appended) and returns e
// over the new input.
func replaceSubqueries(c *Context, in logical.Node, e logical.Expr) (logical.Node, logical.Expr, error) {
	var err error
	out := logical.Transform(e, func(x logical.Expr) logical.Expr {
		s, ok := x.(*logical.Subquery)
		if !ok || err != nil {
			return x
		}
		jt := logical.JoinMark
		if s.Kind == logical.SubScalar {
			jt = logical.JoinSingle
		}
		var n logical.Node
		var v logical.Expr
		n, v, err = attach(c, in, s, jt)
		if err != nil {
			return x
		}
		in = n
		return v
	})
	return in, out, err
}

// attach joins subquery s onto in with join type jt and returns the join and the
// expression (over the join) that stands for the subquery's value.
func attach(c *Context, in logical.Node, s *logical.Subquery, jt logical.JoinType) (logical.Node, logical.Expr, error) {
	plan, _, err := Decorrelate{}.Apply(c, s.Plan)
	if err != nil {
		return nil, nil, err
	}
	orig := plan
	origWidth := width(plan)
	var preds []logical.Expr
	grouped := false
	if hasOuterNode(plan) {
		// fast path: predicates pulled up into the join condition (equalities under an
		// aggregate); anything else takes the general dependent-join rewrite
		p, pr, g, perr := pull(plan)
		if perr == nil && !hasOuterNode(p) {
			plan, preds, grouped = decDepth(p), pr, g
		} else if plan, preds, err = unnestGeneral(in, plan); err != nil {
			return nil, nil, err
		}
	} else {
		// references further out (a subquery of a LATERAL item reading the items to its
		// left) now sit one level nearer
		plan = decDepth(plan)
	}
	nl := width(in)
	var guards []logical.Expr
	if jt == logical.JoinMark && len(preds) > 0 {
		plan, preds, guards = nullSafeCorrelation(plan, preds)
	}
	var conds []logical.Expr
	for _, p := range preds {
		conds = append(conds, toJoinSide(p, nl))
	}
	rs := plan.Schema()
	if s.Kind == logical.SubIn || s.Kind == logical.SubAll {
		col := &logical.Column{Index: nl, Name: rs[0].Name, Typ: rs[0].Type, Null: rs[0].Nullable}
		fn := s.Cmp
		if s.Kind == logical.SubAll {
			fn = negateCmp[fn]
		}
		conds = append([]logical.Expr{&logical.Call{Fn: fn, Args: []logical.Expr{s.Test, col}, Typ: catalog.Bool, Null: s.Test.Nullable() || col.Null}}, conds...)
	}
	if s.Kind == logical.SubScalar && grouped {
		jt = logical.JoinLeft
	}
	j := &logical.Join{Left: in, Right: plan, Type: jt, Cond: logical.And(conds...)}
	switch jt {
	case logical.JoinSemi, logical.JoinAnti:
		return j, nil, nil
	case logical.JoinMark:
		var mark logical.Expr = &logical.Column{Index: nl, Name: "mark", Typ: catalog.Bool, Null: true}
		if len(guards) > 0 {
			// an outer row whose correlation value is NULL sees an empty subquery: FALSE
			var isNull []logical.Expr
			for _, g := range guards {
				isNull = append(isNull, &logical.Call{Fn: proto.FnIsNull, Args: []logical.Expr{toJoinSide(g, nl)}, Typ: catalog.Bool})
			}
			cond := isNull[0]
			if len(isNull) > 1 {
				cond = &logical.Call{Fn: proto.FnOr, Args: isNull, Typ: catalog.Bool}
			}
			mark = &logical.Case{Whens: []logical.When{{Cond: cond, Result: &logical.Literal{Typ: catalog.Bool, Value: false}}}, Else: mark, Typ: catalog.Bool}
		}
		switch s.Kind {
		case logical.SubExists:
			// EXISTS is never NULL
			return j, &logical.Call{Fn: proto.FnNotDistinct, Args: []logical.Expr{mark, &logical.Literal{Typ: catalog.Bool, Value: true}}, Typ: catalog.Bool}, nil
		case logical.SubAll:
			return j, &logical.Call{Fn: proto.FnNot, Args: []logical.Expr{mark}, Typ: catalog.Bool, Null: true}, nil
		}
		return j, mark, nil
	}
	var v logical.Expr = &logical.Column{Index: nl, Name: rs[0].Name, Typ: rs[0].Type, Null: true}
	if grouped {
		// outer rows without partner rows see the aggregate of no rows (COUNT gives 0)
		if ev := emptyValue(orig); ev != nil {
			if l, ok := ev.(*logical.Literal); !ok || l.Value != nil {
				marker := &logical.Column{Index: nl + origWidth, Name: rs[origWidth].Name, Typ: rs[origWidth].Type, Null: true}
				v = &logical.Case{Whens: []logical.When{{Cond: &logical.Call{Fn: proto.FnIsNull, Args: []logical.Expr{marker}, Typ: catalog.Bool}, Result: ev}},
					Else: v, Typ: v.Type()}
			}
		}
	}
	return j, v, nil
}

var negateCmp = map[string]string{proto.FnEqual: proto.FnNotEqual, proto.FnNotEqual: proto.FnEqual, proto.FnLt: proto.FnGte, proto.FnLte: proto.FnGt, proto.FnGt: proto.FnLte, proto.FnGte: proto.FnLt}

// toJoinSide rewrites a pulled predicate (inner columns, outer references) over a join of
// the outer input (nl columns) and the subquery.
func toJoinSide(e logical.Expr, nl int) logical.Expr {
	return logical.Transform(e, func(x logical.Expr) logical.Expr {
		switch c := x.(type) {
		case *logical.Column:
			n := *c
			n.Index += nl
			return &n
		case *logical.OuterColumn:
			if c.Depth > 0 {
				n := *c
				n.Depth--
				return &n
			}
			return &logical.Column{Index: c.Index, Name: c.Name, Typ: c.Typ, Null: c.Null}
		}
		return x
	})
}

// decDepth moves references further out one level in: a subquery joined onto its
// enclosing query's plan becomes part of that plan.
func decDepth(n logical.Node) logical.Node {
	return logical.MapOuterColumns(n, func(o *logical.OuterColumn, level int) logical.Expr {
		if o.Depth > level {
			no := *o
			no.Depth--
			return &no
		}
		return o
	})
}

func hasOuterNode(n logical.Node) bool {
	found := false
	logical.MapExprs(n, func(e logical.Expr) logical.Expr {
		found = found || logical.HasOuter(e)
		return e
	})
	for _, k := range n.Children() {
		found = found || hasOuterNode(k)
	}
	return found
}

func unsupportedCorrelation() error {
	return logical.Errorf(errs.ErrNotSupported, "this correlated subquery is not supported yet")
}

// pull removes the predicates that reference the outer query from n and returns them over
// n's new output (which may have columns appended). grouped reports that an aggregate was
// turned into one grouped by the correlation values.
func pull(n logical.Node) (logical.Node, []logical.Expr, bool, error) {
	if !hasOuterNode(n) {
		return n, nil, false, nil
	}
	switch x := n.(type) {
	case *logical.Filter:
		in, preds, grouped, err := pull(x.Input)
		if err != nil {
			return nil, nil, false, err
		}
		var plain []logical.Expr
		for _, c := range logical.Conjuncts(x.Cond) {
			if logical.HasOuter(c) {
				preds = append(preds, c)
			} else {
				plain = append(plain, c)
			}
		}
		if len(plain) == 0 {
			return in, preds, grouped, nil
		}
		return &logical.Filter{Input: in, Cond: logical.And(plain...)}, preds, grouped, nil
	case *logical.Sort:
		in, preds, grouped, err := pull(x.Input)
		if err != nil {
			return nil, nil, false, err
		}
		s := *x
		s.Input = in
		return &s, preds, grouped, nil
	case *logical.Project:
		for _, e := range x.Exprs {
			if logical.HasOuter(e) {
				return nil, nil, false, unsupportedCorrelation()
			}
		}
		in, preds, grouped, err := pull(x.Input)
		if err != nil {
			return nil, nil, false, err
		}
		p := *x
		p.Input = in
		p.Exprs = append([]logical.Expr{}, x.Exprs...)
		p.Names = append([]string{}, x.Names...)
		if x.Quals != nil {
			p.Quals = append([]string{}, x.Quals...)
		}
		sch := in.Schema()
		m := map[int]int{}
		for _, pr := range preds {
			for col := range logical.ColumnsUsed(pr, nil) {
				if _, ok := m[col]; ok {
					continue
				}
				m[col] = len(p.Exprs)
				f := sch[col]
				p.Exprs = append(p.Exprs, &logical.Column{Index: col, Name: f.Name, Typ: f.Type, Null: f.Nullable})
				p.Names = append(p.Names, f.Name)
				if p.Quals != nil {
					p.Quals = append(p.Quals, f.Qualifier)
				}
			}
		}
		out := make([]logical.Expr, len(preds))
		for i, pr := range preds {
			out[i] = logical.RemapColumns(pr, m)
		}
		return &p, out, grouped, nil
	case *logical.Aggregate:
		if len(x.GroupingSets) > 1 {
			return nil, nil, false, unsupportedCorrelation()
		}
		for _, a := range x.Aggs {
			if logical.HasOuter(a) {
				return nil, nil, false, unsupportedCorrelation()
			}
		}
		in, preds, _, err := pull(x.Input)
		if err != nil {
			return nil, nil, false, err
		}
		a := *x
		a.Input = in
		a.Groups = append([]logical.Expr{}, x.Groups...)
		a.Names = append([]string{}, x.Names[:len(x.Groups)]...)
		var quals []string
		if x.Quals != nil {
			quals = append([]string{}, x.Quals...)
		}
		var keys []logical.Expr
		var outerSides []logical.Expr
		for _, p := range preds {
			c, ok := p.(*logical.Call)
			if !ok || c.Fn != proto.FnEqual || len(c.Args) != 2 {
				return nil, nil, false, unsupportedCorrelation()
			}
			inner, outer := c.Args[0], c.Args[1]
			if logical.HasOuter(inner) {
				inner, outer = outer, inner
			}
			if logical.HasOuter(inner) || len(logical.ColumnsUsed(outer, nil)) > 0 {
				return nil, nil, false, unsupportedCorrelation()
			}
			keys = append(keys, inner)
			outerSides = append(outerSides, outer)
		}
		ng := len(x.Groups)
		for i, k := range keys {
			a.Groups = append(a.Groups, k)
			a.Names = append(a.Names, "corr")
			if quals != nil {
				quals = append(quals, "")
			}
			_ = i
		}
		a.Names = append(a.Names, x.Names[ng:]...)
		a.Quals = quals
		// restore the original order: groups, aggregates, then the correlation keys
		sch := a.Schema()
		var exprs []logical.Expr
		var names []string
		col := func(i int) *logical.Column {
			return &logical.Column{Index: i, Name: sch[i].Name, Typ: sch[i].Type, Null: sch[i].Nullable}
		}
		for i := 0; i < ng; i++ {
			exprs, names = append(exprs, col(i)), append(names, sch[i].Name)
		}
		na := len(x.Aggs)
		for i := 0; i < na; i++ {
			exprs, names = append(exprs, col(ng+len(keys)+i)), append(names, sch[ng+len(keys)+i].Name)
		}
		out := make([]logical.Expr, len(keys))
		for i := range keys {
			exprs, names = append(exprs, col(ng+i)), append(names, "corr")
			k := col(ng + i)
			k.Index = ng + na + i
			out[i] = &logical.Call{Fn: proto.FnEqual, Args: []logical.Expr{k, outerSides[i]}, Typ: catalog.Bool, Null: true}
		}
		return &logical.Project{Input: &a, Exprs: exprs, Names: names}, out, true, nil
	}
	return nil, nil, false, unsupportedCorrelation()
}

// emptyValue is the value a scalar subquery over an aggregate without GROUP BY returns
// when the aggregate sees no rows (COUNT: 0, others NULL); nil when unknown.
func emptyValue(n logical.Node) logical.Expr {
	row := emptyRow(n)
	if row == nil || len(row) == 0 {
		return nil
	}
	return row[0]
}

func emptyRow(n logical.Node) []logical.Expr {
	switch x := n.(type) {
	case *logical.Aggregate:
		if len(x.Groups) > 0 {
			return nil
		}
		row := make([]logical.Expr, len(x.Aggs))
		for i, a := range x.Aggs {
			if a.Fn == proto.AggCount {
				row[i] = &logical.Literal{Typ: catalog.Int64, Value: int64(0)}
			} else {
				row[i] = &logical.Literal{Typ: a.Typ}
			}
		}
		return row
	case *logical.Project:
		in := emptyRow(x.Input)
		if in == nil {
			return nil
		}
		out := make([]logical.Expr, len(x.Exprs))
		for i, e := range x.Exprs {
			out[i] = Fold(logical.Substitute(e, in))
			if _, ok := out[i].(*logical.Literal); !ok {
				return nil
			}
		}
		return out
	case *logical.Filter:
		in := emptyRow(x.Input)
		if in == nil {
			return nil
		}
		if l, ok := Fold(logical.Substitute(x.Cond, in)).(*logical.Literal); ok && l.Value == true {
			return in
		}
		return nil
	case *logical.Sort:
		return emptyRow(x.Input)
	}
	return nil
}

// nullSafeCorrelation keeps a mark join's NULL for its comparison only: the mark join counts
// any NULL in its condition as "a comparison was NULL", but a correlation predicate that is
// NULL just means the subquery row does not belong to the outer row. Equalities stay join
// keys, with the subquery's NULL keys filtered out and the outer side returned as guards
// (a NULL outer value makes the mark FALSE); other predicates become "p IS TRUE".
func nullSafeCorrelation(plan logical.Node, preds []logical.Expr) (logical.Node, []logical.Expr, []logical.Expr) {
	var guards, notNull []logical.Expr
	out := make([]logical.Expr, len(preds))
	for i, p := range preds {
		out[i] = p
		c, ok := p.(*logical.Call)
		if ok && c.Fn == proto.FnNotDistinct {
			continue
		}
		if ok && c.Fn == proto.FnEqual && len(c.Args) == 2 {
			a, b := c.Args[0], c.Args[1]
			if logical.HasOuter(a) {
				a, b = b, a
			}
			if !logical.HasOuter(a) && len(logical.ColumnsUsed(b, nil)) == 0 {
				if a.Nullable() {
					notNull = append(notNull, &logical.Call{Fn: proto.FnNot, Args: []logical.Expr{
						&logical.Call{Fn: proto.FnIsNull, Args: []logical.Expr{a}, Typ: catalog.Bool}}, Typ: catalog.Bool})
				}
				if b.Nullable() {
					guards = append(guards, b)
				}
				continue
			}
		}
		if p.Nullable() || !ok {
			out[i] = &logical.Call{Fn: proto.FnNotDistinct, Args: []logical.Expr{p, &logical.Literal{Typ: catalog.Bool, Value: true}}, Typ: catalog.Bool}
		}
	}
	if len(notNull) > 0 {
		plan = &logical.Filter{Input: plan, Cond: logical.And(notNull...)}
	}
	return plan, out, guards
}

// decorrelateJoin handles subqueries in a join condition. An inner join becomes a filter
// over the cross join (the subqueries are then joined onto it); for other join types each
// subquery that reads only one input's columns is joined onto that input.
func decorrelateJoin(c *Context, j *logical.Join) (logical.Node, error) {
	wl, wr := width(j.Left), width(j.Right)
	if j.Type == logical.JoinInner {
		return decorrelateFilter(c, &logical.Filter{Input: &logical.Join{Left: j.Left, Right: j.Right, Type: logical.JoinInner}, Cond: j.Cond})
	}
	both := false
	logical.Walk(j.Cond, func(x logical.Expr) bool {
		if s, ok := x.(*logical.Subquery); ok && !rightOnly(s, wl) && !leftOnlyExpr(s, wl) {
			both = true
		}
		return !both
	})
	if both {
		if out, ok, err := decorrelateJoinBoth(c, j); ok || err != nil { // rule_decorrelate_shapes.go
			return out, err
		}
	}
	left, right := j.Left, j.Right
	var err error
	// subqueries over the right input first: its new columns follow its own
	cond := logical.Transform(j.Cond, func(x logical.Expr) logical.Expr {
		s, ok := x.(*logical.Subquery)
		if !ok || err != nil || !rightOnly(s, wl) {
			return x
		}
		var v logical.Expr
		right, v, err = replaceSubqueries(c, right, shiftAll(s, -wl))
		return logical.ShiftColumns(v, wl)
	})
	if err != nil {
		return nil, err
	}
	// then those over the left input (placeholders until the left input's width is known)
	var vals []logical.Expr
	cond = logical.Transform(cond, func(x logical.Expr) logical.Expr {
		s, ok := x.(*logical.Subquery)
		if !ok || err != nil {
			return x
		}
		if !leftOnlyExpr(s, wl) {
			err = logical.Errorf(errs.ErrNotSupported, "a subquery in the condition of a %s join that reads both inputs is not supported yet", j.Type)
			return x
		}
		var v logical.Expr
		left, v, err = replaceSubqueries(c, left, s)
		vals = append(vals, v)
		return &logical.Column{Index: -len(vals)}
	})
	if err != nil {
		return nil, err
	}
	nl := width(left)
	delta := nl - wl
	cond = logical.Transform(cond, func(x logical.Expr) logical.Expr {
		col, ok := x.(*logical.Column)
		switch {
		case !ok:
			return x
		case col.Index < 0:
			return vals[-col.Index-1]
		case col.Index >= wl:
			n := *col
			n.Index += delta
			return &n
		}
		return x
	})
	out := &logical.Join{Left: left, Right: right, Type: j.Type, Cond: cond}
	switch j.Type {
	case logical.JoinSemi, logical.JoinAnti:
		return keepFirst(out, wl), nil
	case logical.JoinMark:
		return pickCols(out, append(span(0, wl), nl)), nil
	}
	return pickCols(out, append(span(0, wl), span(nl, nl+wr)...)), nil
}

// leftOnlyExpr reports whether e (over a join's columns, subqueries' outer references and
// tests included) reads columns before wl only.
func leftOnlyExpr(e logical.Expr, wl int) bool {
	ok := true
	logical.Walk(e, func(x logical.Expr) bool {
		if c, isCol := x.(*logical.Column); isCol {
			ok = ok && c.Index < wl
		}
		if s, isSub := x.(*logical.Subquery); isSub && s.Test != nil {
			ok = ok && leftOnlyExpr(s.Test, wl)
		}
		return ok
	})
	logical.MapOuterExpr(e, func(o *logical.OuterColumn, level int) logical.Expr {
		if o.Depth == level-1 {
			ok = ok && o.Index < wl
		}
		return o
	})
	return ok
}

// rightOnly reports whether e (over a join's columns, subqueries' outer references and tests
// included) reads columns at or after wl only.
func rightOnly(e logical.Expr, wl int) bool {
	ok := true
	logical.Walk(e, func(x logical.Expr) bool {
		if c, isCol := x.(*logical.Column); isCol {
			ok = ok && c.Index >= wl
		}
		return ok
	})
	logical.MapOuterExpr(e, func(o *logical.OuterColumn, level int) logical.Expr {
		if o.Depth == level-1 {
			ok = ok && o.Index >= wl
		}
		return o
	})
	var walkTests func(x logical.Expr)
	walkTests = func(x logical.Expr) {
		logical.Walk(x, func(y logical.Expr) bool {
			if s, isSub := y.(*logical.Subquery); isSub && s.Test != nil {
				ok = ok && rightOnly(s.Test, wl)
			}
			return true
		})
	}
	walkTests(e)
	return ok
}

// shiftAll shifts e's columns, its subqueries' tests and their outer references to e's level.
func shiftAll(e logical.Expr, d int) logical.Expr {
	e = logical.MapOuterExpr(e, func(o *logical.OuterColumn, level int) logical.Expr {
		if o.Depth == level-1 {
			no := *o
			no.Index += d
			return &no
		}
		return o
	})
	return logical.Transform(e, func(x logical.Expr) logical.Expr {
		switch v := x.(type) {
		case *logical.Column:
			n := *v
			n.Index += d
			return &n
		case *logical.Subquery:
			if v.Test != nil {
				ns := *v
				ns.Test = shiftAll(v.Test, d)
				return &ns
			}
		}
		return x
	})
}
