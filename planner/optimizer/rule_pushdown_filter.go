package optimizer

import (
	"github.com/tern-db/tern/planner/logical"
)

// PushdownFilter moves filter conditions toward the scans: it merges stacked filters, moves
// a filter below projections (substituting the projected expressions), sorts and aggregates
// (conjuncts over group columns only), splits conjuncts over inner joins into the side they
// reference (or the join condition when they reference both, which turns cross joins into
// equi-joins), pushes single-side conjuncts out of join conditions, and copies the
// conditions above a scan into the scan as a pruning hint (the Filter stays: hints are
// Inexact).
type PushdownFilter struct{}

func (PushdownFilter) Name() string { return "pushdown_filter" }

func (PushdownFilter) Apply(c *Context, n logical.Node) (logical.Node, bool, error) {
	return transformUp(c, n, func(x logical.Node) (logical.Node, bool, error) {
		switch x := x.(type) {
		case *logical.Filter:
			return pushFilter(x)
		case *logical.Join:
			return pushJoinCond(x)
		}
		return x, false, nil
	})
}

func pushFilter(f *logical.Filter) (logical.Node, bool, error) {
	switch in := f.Input.(type) {
	case *logical.Filter:
		return &logical.Filter{Input: in.Input, Cond: logical.And(in.Cond, f.Cond)}, true, nil
	case *logical.Project:
		cond := logical.Substitute(f.Cond, in.Exprs)
		p := *in
		p.Input = &logical.Filter{Input: in.Input, Cond: cond}
		return &p, true, nil
	case *logical.Sort:
		s := *in
		s.Input = &logical.Filter{Input: in.Input, Cond: f.Cond}
		return &s, true, nil
	case *logical.Aggregate:
		if len(in.GroupingSets) > 1 {
			return f, false, nil
		}
		var below, above []logical.Expr
		for _, c := range logical.Conjuncts(f.Cond) {
			ok := true
			for col := range logical.ColumnsUsed(c, nil) {
				if col >= len(in.Groups) {
					ok = false
				}
			}
			if ok && len(in.Groups) > 0 {
				below = append(below, logical.Substitute(c, in.Groups))
			} else {
				above = append(above, c)
			}
		}
		if len(below) == 0 {
			return f, false, nil
		}
		a := *in
		a.Input = &logical.Filter{Input: in.Input, Cond: logical.And(below...)}
		var out logical.Node = &a
		if len(above) > 0 {
			out = &logical.Filter{Input: out, Cond: logical.And(above...)}
		}
		return out, true, nil
	case *logical.Join:
		if in.Type != logical.JoinInner {
			return pushFilterOuter(f, in)
		}
		j := *in
		j.Cond = logical.And(in.Cond, f.Cond)
		out, _, err := pushJoinCond(&j)
		return out, true, err
	case *logical.Scan:
		var hints []logical.Expr
		have := map[string]bool{}
		for _, h := range in.Filters {
			have[h.String()] = true
		}
		m := map[int]int{}
		for i, c := range in.Columns {
			m[i] = c
		}
		for _, c := range logical.Conjuncts(f.Cond) {
			if !logical.IsConstant(c) || len(logical.ColumnsUsed(c, nil)) > 0 {
				h := logical.RemapColumns(c, m)
				// the key of a million-item IN list takes a while: compute it once
				if k := h.String(); !have[k] && !hasParam(h) {
					hints = append(hints, h)
					have[k] = true
				}
			}
		}
		if len(hints) == 0 {
			return f, false, nil
		}
		s := *in
		s.Filters = append(append([]logical.Expr{}, in.Filters...), hints...)
		return &logical.Filter{Input: &s, Cond: f.Cond}, true, nil
	}
	return f, false, nil
}

func hasParam(e logical.Expr) bool {
	found := false
	logical.Walk(e, func(x logical.Expr) bool {
		if _, ok := x.(*logical.Param); ok {
			found = true
		}
		return !found
	})
	return found
}

// pushFilterOuter moves the conjuncts of a filter above a non-inner join that only look at
// the side whose rows the join preserves unchanged (left for LEFT, semi, anti, mark and
// single joins; right for RIGHT joins) below the join.
func pushFilterOuter(f *logical.Filter, j *logical.Join) (logical.Node, bool, error) {
	nl := len(j.Left.Schema())
	var down, stay []logical.Expr
	for _, c := range logical.Conjuncts(f.Cond) {
		cols := logical.ColumnsUsed(c, nil)
		ok := len(cols) > 0
		for col := range cols {
			switch j.Type {
			case logical.JoinRight:
				ok = ok && col >= nl
			case logical.JoinFull:
				ok = false
			default:
				ok = ok && col < nl
			}
		}
		if ok {
			down = append(down, c)
		} else {
			stay = append(stay, c)
		}
	}
	if len(down) == 0 {
		return f, false, nil
	}
	out := *j
	if j.Type == logical.JoinRight {
		out.Right = &logical.Filter{Input: j.Right, Cond: logical.ShiftColumns(logical.And(down...), -nl)}
	} else {
		out.Left = &logical.Filter{Input: j.Left, Cond: logical.And(down...)}
	}
	if len(stay) == 0 {
		return &out, true, nil
	}
	return &logical.Filter{Input: &out, Cond: logical.And(stay...)}, true, nil
}

// pushJoinCond moves conjuncts of a join's condition that reference one side only into a
// filter on that side, where that keeps the join's meaning: both sides of an inner join,
// the right side of LEFT, semi, anti and single joins (a right row failing them can never
// match), the left side of semi and RIGHT joins.
func pushJoinCond(j *logical.Join) (logical.Node, bool, error) {
	if j.Cond == nil || j.Type == logical.JoinFull {
		return j, false, nil
	}
	if j.Type != logical.JoinInner {
		return pushOuterCond(j)
	}
	nl := len(j.Left.Schema())
	var left, right, both []logical.Expr
	for _, c := range logical.Conjuncts(j.Cond) {
		cols := logical.ColumnsUsed(c, nil)
		l, r := false, false
		for col := range cols {
			if col < nl {
				l = true
			} else {
				r = true
			}
		}
		switch {
		case l && !r:
			left = append(left, c)
		case r && !l:
			right = append(right, logical.ShiftColumns(c, -nl))
		default:
			both = append(both, c)
		}
	}
	if len(left) == 0 && len(right) == 0 {
		return j, false, nil
	}
	out := *j
	if len(left) > 0 {
		out.Left = &logical.Filter{Input: j.Left, Cond: logical.And(left...)}
	}
	if len(right) > 0 {
		out.Right = &logical.Filter{Input: j.Right, Cond: logical.And(right...)}
	}
	out.Cond = logical.And(both...)
	return &out, true, nil
}

func pushOuterCond(j *logical.Join) (logical.Node, bool, error) {
	nl := len(j.Left.Schema())
	leftOK := j.Type == logical.JoinSemi || j.Type == logical.JoinRight
	// a mark join's comparison decides between FALSE and NULL: it stays in the join
	rightOK := j.Type != logical.JoinRight && j.Type != logical.JoinMark
	var left, right, both []logical.Expr
	for _, c := range logical.Conjuncts(j.Cond) {
		l, r := false, false
		for col := range logical.ColumnsUsed(c, nil) {
			if col < nl {
				l = true
			} else {
				r = true
			}
		}
		switch {
		case l && !r && leftOK:
			left = append(left, c)
		case r && !l && rightOK:
			right = append(right, logical.ShiftColumns(c, -nl))
		default:
			both = append(both, c)
		}
	}
	if len(left) == 0 && len(right) == 0 {
		return j, false, nil
	}
	out := *j
	if len(left) > 0 {
		out.Left = &logical.Filter{Input: j.Left, Cond: logical.And(left...)}
	}
	if len(right) > 0 {
		out.Right = &logical.Filter{Input: j.Right, Cond: logical.And(right...)}
	}
	out.Cond = logical.And(both...)
	return &out, true, nil
}
