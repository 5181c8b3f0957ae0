package optimizer

import (
	"github.com/tern-db/tern/planner/logical"
)

// JoinBuildSide puts the smaller input of an inner join on the right, the build side of a
// hash join, when row estimates say the left is smaller; a projection on top restores the
// original column order.
type JoinBuildSide struct{}

func (JoinBuildSide) Name() string { return "join_build_side" }

func (JoinBuildSide) Apply(c *Context, n logical.Node) (logical.Node, bool, error) {
	return transformUp(c, n, func(x logical.Node) (logical.Node, bool, error) {
		j, ok := x.(*logical.Join)
		if !ok || j.Type != logical.JoinInner {
			return x, false, nil
		}
		l, r := logical.EstimateRows(j.Left), logical.EstimateRows(j.Right)
		if l < 0 || r < 0 || l >= r {
			return x, false, nil
		}
		ls, rs := j.Left.Schema(), j.Right.Schema()
		nl, nr := len(ls), len(rs)
		// swapped join: right columns first
		m := map[int]int{}
		for i := 0; i < nl; i++ {
			m[i] = nr + i
		}
		for i := 0; i < nr; i++ {
			m[nl+i] = i
		}
		sw := &logical.Join{Left: j.Right, Right: j.Left, Type: logical.JoinInner}
		if j.Cond != nil {
			sw.Cond = logical.RemapColumns(j.Cond, m)
		}
		sch := j.Schema()
		exprs := make([]logical.Expr, len(sch))
		names := make([]string, len(sch))
		quals := make([]string, len(sch))
		for i, f := range sch {
			exprs[i] = &logical.Column{Index: m[i], Name: f.Name, Typ: f.Type, Null: f.Nullable}
			names[i], quals[i] = f.Name, f.Qualifier
		}
		return &logical.Project{Input: sw, Exprs: exprs, Names: names, Quals: quals}, true, nil
	})
}
