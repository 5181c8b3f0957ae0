package optimizer

import (
	"github.com/tern-db/tern/planner/logical"
)

// MergeValues evaluates a projection over a constant relation into the relation itself:
// Project(Values) becomes Values whose rows are the projected expressions with each row's
// values substituted (SELECT 1+1, INSERT ... VALUES with casts). Constant folding then
// turns most rows into plain literals.
type MergeValues struct{}

func (MergeValues) Name() string { return "merge_values" }

func (MergeValues) Apply(c *Context, n logical.Node) (logical.Node, bool, error) {
	return transformUp(c, n, func(x logical.Node) (logical.Node, bool, error) {
		p, ok := x.(*logical.Project)
		if !ok {
			return x, false, nil
		}
		v, ok := p.Input.(*logical.Values)
		if !ok || len(p.Exprs) == 0 {
			return x, false, nil
		}
		out := &logical.Values{Fields: make(logical.Schema, len(p.Exprs))}
		for _, row := range v.Rows {
			nr := make([]logical.Expr, len(p.Exprs))
			for i, e := range p.Exprs {
				nr[i] = logical.Substitute(e, row)
			}
			out.Rows = append(out.Rows, nr)
		}
		for i, e := range p.Exprs {
			null := false
			for _, r := range out.Rows {
				null = null || r[i].Nullable()
			}
			out.Fields[i] = logical.Field{Name: p.Names[i], Type: e.Type(), Nullable: null}
		}
		return out, true, nil
	})
}
