package optimizer

import (
	"context"
	"fmt"

	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// Context is what rules may consult while rewriting.
type Context struct {
	Pass int // 1-based pass number
	// Ctx is the planning request's context: rules stop (with its error) soon after it is
	// done, so a client that gives up on a huge statement frees the core. nil: never.
	Ctx context.Context
}

// Err returns the request context's error, if any.
func (c *Context) Err() error {
	if c == nil || c.Ctx == nil {
		return nil
	}
	return c.Ctx.Err()
}

// Rule is one named rewrite over a whole plan. Apply returns the plan (the same node when
// nothing changed) and whether it changed anything.
type Rule interface {
	Name() string
	Apply(c *Context, n logical.Node) (logical.Node, bool, error)
}

// MaxPasses caps the fixed-point loop.
const MaxPasses = 16

// Optimizer runs phases of rules, each to a fixed point, one after the other.
type Optimizer struct {
	phases [][]Rule
}

// New returns an optimizer running rules in the given order on every pass.
func New(rules ...Rule) *Optimizer { return &Optimizer{phases: [][]Rule{rules}} }

// NewPhased returns an optimizer running each phase's rules to a fixed point in turn.
func NewPhased(phases ...[]Rule) *Optimizer { return &Optimizer{phases: phases} }

// DefaultRules is the rule set the planner uses (all phases, in order).
func DefaultRules() []Rule {
	var out []Rule
	for _, p := range DefaultPhases() {
		out = append(out, p...)
	}
	return out
}

// DefaultPhases are the planner's phases: rewrites and pushdown first, then join ordering
// over the pushed-down conditions, then the rewrites again over the reordered joins.
// Physical choices (join strategy and build side, top-N) are planner/physical's rules.
func DefaultPhases() [][]Rule {
	return [][]Rule{
		{Decorrelate{}, FoldConstants{}, FactorOr{}, MergeValues{}, PushdownFilter{}, MergeProjections{}, PruneColumns{}},
		{JoinReorder{}},
		{PushdownFilter{}, MergeProjections{}, PruneColumns{}},
	}
}

// Optimize rewrites n and returns the new plan and the names of the rules that changed it,
// in the order they fired (a rule firing in several passes is listed once per pass).
func (o *Optimizer) Optimize(n logical.Node) (logical.Node, []string, error) {
	return o.OptimizeContext(context.Background(), n)
}

// OptimizeContext is Optimize stopping with ctx's error soon after ctx is done.
func (o *Optimizer) OptimizeContext(ctx context.Context, n logical.Node) (logical.Node, []string, error) {
	var fired []string
	pass0 := 0
	for _, rules := range o.phases {
		out, f, passes, err := o.run(ctx, n, rules, pass0)
		fired = append(fired, f...)
		if err != nil {
			return nil, fired, err
		}
		n = out
		pass0 += passes
	}
	return n, fired, nil
}

func (o *Optimizer) run(ctx context.Context, n logical.Node, rules []Rule, pass0 int) (logical.Node, []string, int, error) {
	want := n.Schema()
	var fired []string
	pass := 1
	for ; pass <= MaxPasses; pass++ {
		c := &Context{Pass: pass0 + pass, Ctx: ctx}
		changedPass := false
		for _, r := range rules {
			if err := c.Err(); err != nil {
				return nil, fired, pass, err
			}
			out, changed, err := r.Apply(c, n)
			if err := c.Err(); err != nil {
				return nil, fired, pass, err // a rule may have stopped half-way
			}
			if err != nil {
				return nil, fired, pass, fmt.Errorf("optimizer rule %s: %w", r.Name(), err)
			}
			if !changed {
				continue
			}
			if got := out.Schema(); !logical.SameTypes(want, got) {
				return nil, fired, pass, fmt.Errorf("%w: optimizer rule %s changed the plan's output types", errs.ErrInternal, r.Name())
			}
			n = out
			changedPass = true
			fired = append(fired, fmt.Sprintf("pass %d: %s", pass0+pass, r.Name()))
		}
		if !changedPass {
			break
		}
	}
	if pass > MaxPasses {
		pass = MaxPasses
	}
	return n, fired, pass, nil
}

// transformUp applies f to every node bottom-up, reporting whether any call changed a node.
func transformUp(c *Context, n logical.Node, f func(logical.Node) (logical.Node, bool, error)) (logical.Node, bool, error) {
	changed := false
	out, err := logical.TransformUp(n, func(x logical.Node) (logical.Node, error) {
		if err := c.Err(); err != nil {
			return nil, err
		}
		y, ch, err := f(x)
		changed = changed || ch
		return y, err
	})
	return out, changed, err
}
