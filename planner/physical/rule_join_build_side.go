package physical

import "github.com/tern-db/tern/planner/logical"

// JoinBuildSide puts the smaller input of an inner join on the right, the side the
// executor's hash join builds (and a nested loop join holds), when row estimates say the
// left is smaller; a projection on top restores the original column order.
type JoinBuildSide struct{}

func (JoinBuildSide) Name() string { return "join_build_side" }

func (JoinBuildSide) Apply(c *Context, n Node) (Node, bool, error) {
	return transformUp(c, n, func(x Node) (Node, bool, error) {
		var left, right Node
		var l, r int64
		switch j := x.(type) {
		case *HashJoin:
			if j.Type != logical.JoinInner {
				return x, false, nil
			}
			left, right, l, r = j.Left, j.Right, j.LeftRows, j.RightRows
		case *NestedLoopJoin:
			if j.Type != logical.JoinInner {
				return x, false, nil
			}
			left, right, l, r = j.Left, j.Right, j.LeftRows, j.RightRows
		default:
			return x, false, nil
		}
		if l < 0 || r < 0 || l >= r {
			return x, false, nil
		}
		nl, nr := len(left.Schema()), len(right.Schema())
		// swapped join: right columns first
		m := map[int]int{}
		for i := 0; i < nl; i++ {
			m[i] = nr + i
		}
		for i := 0; i < nr; i++ {
			m[nl+i] = i
		}
		var sw Node
		switch j := x.(type) {
		case *HashJoin:
			h := &HashJoin{Left: right, Right: left, Type: logical.JoinInner, LeftKeys: j.RightKeys, RightKeys: j.LeftKeys,
				NullEqual: j.NullEqual, Build: j.Build, LeftRows: r, RightRows: l}
			if j.Residual != nil {
				h.Residual = logical.RemapColumns(j.Residual, m)
			}
			sw = h
		case *NestedLoopJoin:
			nj := &NestedLoopJoin{Left: right, Right: left, Type: logical.JoinInner, LeftRows: r, RightRows: l}
			if j.Cond != nil {
				nj.Cond = logical.RemapColumns(j.Cond, m)
			}
			sw = nj
		}
		sch := x.Schema()
		exprs := make([]logical.Expr, len(sch))
		names := make([]string, len(sch))
		quals := make([]string, len(sch))
		for i, f := range sch {
			exprs[i] = &logical.Column{Index: m[i], Name: f.Name, Typ: f.Type, Null: f.Nullable}
			names[i], quals[i] = f.Name, f.Qualifier
		}
		return &Project{Input: sw, Exprs: exprs, Names: names, Quals: quals}, true, nil
	})
}
