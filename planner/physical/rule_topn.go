package physical

import "github.com/tern-db/tern/planner/logical"

// TopNRule (named topn) turns a LIMIT with a count directly over the ORDER BY it limits into
// a TopN, looking through a projection that only picks or renames columns (the hidden ORDER
// BY columns' projection), which it moves above the TopN.
type TopNRule struct{}

func (TopNRule) Name() string { return "topn" }

func (TopNRule) Apply(c *Context, n Node) (Node, bool, error) {
	return transformUp(c, n, func(x Node) (Node, bool, error) {
		l, ok := x.(*Limit)
		if !ok || l.Count == nil {
			return x, false, nil
		}
		if s, ok := l.Input.(*Sort); ok {
			return &TopN{Input: s.Input, Keys: s.Keys, Offset: l.Offset, Count: l.Count}, true, nil
		}
		p, ok := l.Input.(*Project)
		if !ok {
			return x, false, nil
		}
		s, ok := p.Input.(*Sort)
		if !ok {
			return x, false, nil
		}
		for _, e := range p.Exprs {
			if _, ok := e.(*logical.Column); !ok {
				return x, false, nil
			}
		}
		np := *p
		np.Input = &TopN{Input: s.Input, Keys: s.Keys, Offset: l.Offset, Count: l.Count}
		return &np, true, nil
	})
}
