package planner

import (
	"context"

	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/planner/substrait"
)

// plan_substrait.go: admission of client Substrait plans (Flight SQL
// CommandStatementSubstraitPlan and prepared Substrait plans). A client plan is decoded under
// size and depth limits (substrait.Decode), bound into the logical plan by the binder's rules
// (bind_substrait.go), then optimized, pruned and produced exactly as SQL: what runs is
// always Tern's own plan, never the client's bytes. The result schema promised to the client
// is the plan's root names over the bound plan's types and nullability.

// PlanSubstrait implements Planner.
func (p *planner) PlanSubstrait(ctx context.Context, s Session, raw []byte) (st Statement, err error) {
	defer recoverInternal(&err)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	plan, err := substrait.Decode(raw)
	if err != nil {
		return nil, err
	}
	rootRel, err := substrait.Root(plan)
	if err != nil {
		return nil, err
	}
	funcs, err := substrait.FunctionsOf(plan)
	if err != nil {
		return nil, err
	}
	b := newBinder(ctx, p, s, nil, nil, false)
	c := &substraitBinder{b: b, funcs: funcs}
	root, err := c.rel(rootRel.GetInput())
	if err != nil {
		return nil, err
	}
	sch := root.Schema()
	if len(sch) == 0 {
		return nil, badPlan("the plan returns no columns")
	}
	// Root names are depth-first over nested fields; Tern's columns are never nested, so
	// there is one name per column.
	if names := rootRel.GetNames(); len(names) > 0 {
		if len(names) != len(sch) {
			return nil, badPlan("the root names %d columns, the plan returns %d", len(names), len(sch))
		}
		sch = append(logical.Schema(nil), sch...)
		for i := range sch {
			sch[i].Name = names[i]
		}
	}
	q, err := p.compile(b, root, sch.Arrow())
	if err != nil {
		return nil, err
	}
	if s.DryRun {
		return b.dryRunOf(q) // the estimate, as SQL queries of a dry-run session (dryrun.go)
	}
	return q, nil
}
