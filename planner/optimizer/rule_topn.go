package optimizer

import "github.com/tern-db/tern/planner/logical"

// TopN brings a LIMIT directly above the ORDER BY it limits, moving it below projections
// that only pick or rename columns (the hidden ORDER BY columns' projection), so the
// executor runs the sort as a top-N (a SortRel directly under a FetchRel, proto/doc.go).
type TopN struct{}

func (TopN) Name() string { return "topn" }

func (TopN) Apply(c *Context, n logical.Node) (logical.Node, bool, error) {
	return transformUp(c, n, func(x logical.Node) (logical.Node, bool, error) {
		l, ok := x.(*logical.Limit)
		if !ok || l.Count == nil {
			return x, false, nil
		}
		p, ok := l.Input.(*logical.Project)
		if !ok {
			return x, false, nil
		}
		if _, ok := p.Input.(*logical.Sort); !ok {
			return x, false, nil
		}
		for _, e := range p.Exprs {
			if _, ok := e.(*logical.Column); !ok {
				return x, false, nil
			}
		}
		nl := *l
		nl.Input = p.Input
		np := *p
		np.Input = &nl
		return &np, true, nil
	})
}
