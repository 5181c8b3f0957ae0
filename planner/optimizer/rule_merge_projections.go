package optimizer

import (
	"github.com/tern-db/tern/planner/logical"
)

// MergeProjections collapses a projection over a projection when the inner one only renames,
// reorders or computes constants (so no expression is evaluated twice), and removes
// projections that return their input unchanged. Output names are kept by the planner from
// the bound plan, so renaming projections can go.
type MergeProjections struct{}

func (MergeProjections) Name() string { return "merge_projections" }

func (MergeProjections) Apply(c *Context, n logical.Node) (logical.Node, bool, error) {
	return transformUp(c, n, func(x logical.Node) (logical.Node, bool, error) {
		p, ok := x.(*logical.Project)
		if !ok {
			return x, false, nil
		}
		if isIdentity(p) {
			return p.Input, true, nil
		}
		in, ok := p.Input.(*logical.Project)
		if !ok {
			return x, false, nil
		}
		for _, e := range in.Exprs {
			switch e.(type) {
			case *logical.Column, *logical.Literal:
			default:
				return x, false, nil
			}
		}
		out := *p
		out.Input = in.Input
		out.Exprs = make([]logical.Expr, len(p.Exprs))
		for i, e := range p.Exprs {
			out.Exprs[i] = logical.Substitute(e, in.Exprs)
		}
		return &out, true, nil
	})
}

func isIdentity(p *logical.Project) bool {
	if len(p.Exprs) != len(p.Input.Schema()) {
		return false
	}
	for i, e := range p.Exprs {
		c, ok := e.(*logical.Column)
		if !ok || c.Index != i {
			return false
		}
	}
	return true
}
