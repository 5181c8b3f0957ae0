package optimizer

import (
	"github.com/tern-db/tern/planner/logical"
)

// decorrelateLateral turns a LATERAL join into an ordinary one. The right side's references
// to the left side are unnested by the general dependent join (rule_decorrelate_general.go):
// the right side is computed once per distinct value of the left columns it reads (the
// domain) and joined back on them, so "per left row" is never a loop; a LEFT JOIN LATERAL
// keeps left rows without partners. A right side that reads nothing of the left side (only
// queries further out, or nothing) is a plain join.
func decorrelateLateral(c *Context, x *logical.LateralJoin) (logical.Node, error) {
	if !hasOuterNode(x.Right) {
		return &logical.Join{Left: x.Left, Right: decDepth(x.Right), Type: x.Type, Cond: x.Cond}, nil
	}
	wl, wr := width(x.Left), width(x.Right)
	plan, preds, err := unnestGeneral(x.Left, x.Right)
	if err != nil {
		return nil, err
	}
	var conds []logical.Expr
	for _, p := range preds {
		conds = append(conds, toJoinSide(p, wl))
	}
	if x.Cond != nil {
		// over the left columns then the right's, which lead plan's columns
		conds = append(conds, x.Cond)
	}
	j := &logical.Join{Left: x.Left, Right: plan, Type: x.Type, Cond: logical.And(conds...)}
	return pickCols(j, span(0, wl+wr)), nil
}

// pushProjectSet is the dependent join through a ProjectSet: the set functions run over the
// input joined with the domain, whose columns move behind the functions' outputs.
func (u *unnester) pushProjectSet(x *logical.ProjectSet) (logical.Node, error) {
	k := u.k()
	in, err := u.push(x.Input)
	if err != nil {
		return nil, err
	}
	w := width(x.Input)
	ps := u.substNode(x, w).(*logical.ProjectSet)
	ps.Input = in
	extra := len(x.Calls)
	if x.Ordinality {
		extra++
	}
	// input, domain, functions -> input, functions, domain
	return pickCols(ps, append(append(span(0, w), span(w+k, w+k+extra)...), span(w, w+k)...)), nil
}
