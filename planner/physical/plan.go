package physical

import (
	"context"
	"fmt"

	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// Options steer the physical plan.
type Options struct {
	// Partitions > 1 runs grouped aggregates over that many hash partitions of their input
	// (an exchange repartitions by the group keys; the rest of the plan gathers), so that a
	// query runs as several fragments and its final fragment may have several partitions.
	// 0 or 1, the single-process default, inserts no exchange. Tests and the scale-out
	// issue set it.
	Partitions int
	// CutScans (with Partitions > 1) also ends a fragment above every scan with a gather, so
	// every scan runs in a fragment of its own.
	CutScans bool
}

// Context is what rules may consult.
type Context struct {
	Ctx     context.Context
	Options Options
}

// Err returns the request context's error, if any.
func (c *Context) Err() error {
	if c == nil || c.Ctx == nil {
		return nil
	}
	return c.Ctx.Err()
}

// Rule is one named physical rewrite over a whole plan. Apply returns the plan (the same
// node when nothing changed) and whether it changed anything.
type Rule interface {
	Name() string
	Apply(c *Context, n Node) (Node, bool, error)
}

// DefaultRules are the physical rules in the order Plan runs them, once each: strategies
// first (after them no Join or Aggregate is left), then the choices that depend on them.
func DefaultRules() []Rule {
	return []Rule{JoinStrategy{}, AggregateStrategy{}, JoinBuildSide{}, PruneColumns{}, TopNRule{}, Exchanges{}}
}

// Plan lowers an optimized logical plan to a physical plan and runs the physical rules. It
// returns the rules that changed the plan ("physical: <name>"), for EXPLAIN VERBOSE.
func Plan(ctx context.Context, n logical.Node, opts Options) (Node, []string, error) {
	c := &Context{Ctx: ctx, Options: opts}
	p, err := Lower(c, n)
	if err != nil {
		return nil, nil, err
	}
	want := p.Schema()
	var fired []string
	for _, r := range DefaultRules() {
		if err := c.Err(); err != nil {
			return nil, fired, err
		}
		out, changed, err := r.Apply(c, p)
		if err != nil {
			return nil, fired, fmt.Errorf("physical rule %s: %w", r.Name(), err)
		}
		if !changed {
			continue
		}
		if !logical.SameTypes(want, out.Schema()) {
			return nil, fired, fmt.Errorf("%w: physical rule %s changed the plan's output types", errs.ErrInternal, r.Name())
		}
		p = out
		fired = append(fired, "physical: "+r.Name())
	}
	if err := check(p); err != nil {
		return nil, fired, err
	}
	return p, fired, nil
}

// check refuses a plan that still holds a node no strategy was chosen for.
func check(n Node) error {
	switch n.(type) {
	case *Join, *Aggregate:
		return fmt.Errorf("%w: physical plan: no strategy chosen for %s", errs.ErrInternal, n.Describe())
	}
	for _, c := range n.Children() {
		if err := check(c); err != nil {
			return err
		}
	}
	return nil
}

// Lower turns a logical plan into physical nodes one for one; joins and aggregates become
// Join and Aggregate, whose strategies the rules choose.
func Lower(c *Context, n logical.Node) (Node, error) {
	if err := c.Err(); err != nil {
		return nil, err
	}
	kids := n.Children()
	in := make([]Node, len(kids))
	for i, k := range kids {
		p, err := Lower(c, k)
		if err != nil {
			return nil, err
		}
		in[i] = p
	}
	switch x := n.(type) {
	case *logical.Scan:
		return &Scan{Logical: x}, nil
	case *logical.Values:
		return &Values{Logical: x}, nil
	case *logical.Filter:
		return &Filter{Input: in[0], Cond: x.Cond}, nil
	case *logical.Project:
		return &Project{Input: in[0], Exprs: x.Exprs, Names: x.Names, Quals: x.Quals}, nil
	case *logical.Join:
		j := &Join{Left: in[0], Right: in[1], Type: x.Type, Cond: x.Cond, LeftRows: -1, RightRows: -1}
		if x.Type == logical.JoinInner { // join_build_side's estimates
			j.LeftRows, j.RightRows = logical.EstimateRows(x.Left), logical.EstimateRows(x.Right)
		}
		return j, nil
	case *logical.Aggregate:
		return &Aggregate{Input: in[0], Groups: x.Groups, Aggs: x.Aggs, Names: x.Names, Quals: x.Quals, GroupingSets: x.GroupingSets}, nil
	case *logical.Sort:
		return &Sort{Input: in[0], Keys: x.Keys}, nil
	case *logical.Limit:
		return &Limit{Input: in[0], Offset: x.Offset, Count: x.Count}, nil
	case *logical.SetOp:
		return &SetOp{Left: in[0], Right: in[1], Op: x.Op, All: x.All, Names: x.Names}, nil
	case *logical.Window:
		return &Window{Input: in[0], Partition: x.Partition, Order: x.Order, Funcs: x.Funcs, Names: x.Names}, nil
	case *logical.RecursiveUnion:
		return &RecursiveUnion{Anchor: in[0], Recursive: in[1], ID: x.ID, All: x.All, Names: x.Names}, nil
	case *logical.WorkTableScan:
		return &WorkTableScan{Logical: x}, nil
	case *logical.ProjectSet:
		return &ProjectSet{Input: in[0], Calls: x.Calls, Names: x.Names, Ordinality: x.Ordinality}, nil
	}
	return nil, fmt.Errorf("%w: no physical node for logical %s", errs.ErrInternal, logical.Describe(n))
}

// transformUp applies f to every node bottom-up, reporting whether any call changed a node.
func transformUp(c *Context, n Node, f func(Node) (Node, bool, error)) (Node, bool, error) {
	changed := false
	out, err := TransformUp(n, func(x Node) (Node, error) {
		if err := c.Err(); err != nil {
			return nil, err
		}
		y, ch, err := f(x)
		changed = changed || ch
		return y, err
	})
	return out, changed, err
}
