package optimizer

import (
	"fmt"

	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// Context is what rules may consult while rewriting.
type Context struct {
	Pass int // 1-based pass number
}

// Rule is one named rewrite over a whole plan. Apply returns the plan (the same node when
// nothing changed) and whether it changed anything.
type Rule interface {
	Name() string
	Apply(c *Context, n logical.Node) (logical.Node, bool, error)
}

// MaxPasses caps the fixed-point loop.
const MaxPasses = 16

// Optimizer runs rules to a fixed point.
type Optimizer struct {
	rules []Rule
}

// New returns an optimizer running rules in the given order on every pass.
func New(rules ...Rule) *Optimizer { return &Optimizer{rules: rules} }

// DefaultRules is the rule set the planner uses.
func DefaultRules() []Rule {
	return []Rule{
		Decorrelate{},
		FoldConstants{},
		MergeValues{},
		PushdownFilter{},
		MergeProjections{},
		PruneColumns{},
		JoinReorder{},
		JoinBuildSide{},
	}
}

// Optimize rewrites n and returns the new plan and the names of the rules that changed it,
// in the order they fired (a rule firing in several passes is listed once per pass).
func (o *Optimizer) Optimize(n logical.Node) (logical.Node, []string, error) {
	want := n.Schema()
	var fired []string
	for pass := 1; pass <= MaxPasses; pass++ {
		c := &Context{Pass: pass}
		changedPass := false
		for _, r := range o.rules {
			out, changed, err := r.Apply(c, n)
			if err != nil {
				return nil, fired, fmt.Errorf("optimizer rule %s: %w", r.Name(), err)
			}
			if !changed {
				continue
			}
			if got := out.Schema(); !logical.SameTypes(want, got) {
				return nil, fired, fmt.Errorf("%w: optimizer rule %s changed the plan's output types", errs.ErrInternal, r.Name())
			}
			n = out
			changedPass = true
			fired = append(fired, fmt.Sprintf("pass %d: %s", pass, r.Name()))
		}
		if !changedPass {
			break
		}
	}
	return n, fired, nil
}

// transformUp applies f to every node bottom-up, reporting whether any call changed a node.
func transformUp(n logical.Node, f func(logical.Node) (logical.Node, bool, error)) (logical.Node, bool, error) {
	changed := false
	out, err := logical.TransformUp(n, func(x logical.Node) (logical.Node, error) {
		y, ch, err := f(x)
		changed = changed || ch
		return y, err
	})
	return out, changed, err
}
