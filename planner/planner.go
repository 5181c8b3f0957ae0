package planner

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg "github.com/pganalyze/pg_query_go/v6"
	pgparser "github.com/pganalyze/pg_query_go/v6/parser"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/planner/optimizer"
	"github.com/tern-db/tern/planner/substrait"
	"github.com/tern-db/tern/proto/errs"
)

type planner struct {
	cat    catalog.Catalog
	files  FileAccess
	tables TableFiles
	opt    *optimizer.Optimizer
}

// New returns a Planner over a catalog. files decides which paths SQL may read (nil: none);
// tables resolves native table snapshots to data files.
func New(cat catalog.Catalog, files FileAccess, tables TableFiles) Planner {
	return &planner{cat: cat, files: files, tables: tables, opt: optimizer.NewPhased(optimizer.DefaultPhases()...)}
}

var _ Planner = (*planner)(nil)

// Prepare implements Planner.
func (p *planner) Prepare(ctx context.Context, s Session, sql string) (prep *Prepared, err error) {
	defer recoverInternal(&err)
	text, stmt, err := parseStatement(ctx, sql)
	if err != nil {
		return nil, err
	}
	b := newBinder(ctx, p, s, text, nil, true)
	bs, err := b.bindStatement(stmt)
	if err != nil {
		return nil, err
	}
	out := &Prepared{Kind: bs.kind, Params: b.paramTypes()}
	if bs.kind == KindQuery {
		if bs.returning != nil { // a write with RETURNING (returning.go)
			out.ResultSchema = bs.returning
		} else if bs.explain {
			out.ResultSchema = explainSchema
		} else {
			out.ResultSchema = bs.root.Schema().Arrow()
		}
		if b.dryRun || (s.DryRun && !bs.explain && !showsSetting(stmt)) {
			out.ResultSchema = dryRunFields.Arrow()
		}
	}
	return out, nil
}

// Plan implements Planner.
func (p *planner) Plan(ctx context.Context, s Session, sql string, params []scalar.Scalar) (st Statement, err error) {
	defer recoverInternal(&err)
	text, stmt, err := parseStatement(ctx, sql)
	if err != nil {
		return nil, err
	}
	b := newBinder(ctx, p, s, text, params, false)
	if st, err = p.plan(b, stmt, params); err != nil {
		return nil, err
	}
	if (s.DryRun && !showsSetting(stmt)) || b.dryRun {
		// Every statement of a dry-run session or EXPLAIN (DRY_RUN) passes the one
		// default-deny gate (dryrun.go).
		return b.dryRunOf(st)
	}
	return st, nil
}

// showsSetting reports SHOW, which a dry-run session answers as usual: it reads no data and
// changes nothing, and `SHOW tern.dry_run` must say "on", not a zero estimate.
func showsSetting(stmt *pg.RawStmt) bool { return stmt.GetStmt().GetVariableShowStmt() != nil }

func (p *planner) plan(b *binder, stmt *pg.RawStmt, params []scalar.Scalar) (Statement, error) {
	bs, err := b.bindStatement(stmt)
	if err != nil {
		return nil, err
	}
	if err := checkParamCount(len(b.params), len(params)); err != nil {
		return nil, err
	}
	if bs.root == nil {
		return bs.build(nil, nil)
	}
	root, err := b.substituteParams(bs.root)
	if err != nil {
		return nil, err
	}
	optimized, fired, err := p.optimize(b, root)
	if err != nil {
		return nil, err
	}
	if b.dryRun || b.sess.DryRun {
		if err := b.estimateFileScans(optimized); err != nil {
			return nil, err
		}
	}
	if b.dryRun {
		return b.dryRunStatement()
	}
	if bs.explain && !bs.analyze {
		lines := append([]string{"Logical plan:"}, indent(logical.Explain(optimized))...)
		lines = append(lines, b.pruneLines()...)
		if plan, err := substrait.Produce(optimized, nil); err == nil {
			if phys, err := substrait.Describe(plan); err == nil {
				lines = append(lines, "Physical plan:")
				lines = append(lines, indent(phys)...)
			}
		}
		if bs.verbose {
			if len(fired) == 0 {
				lines = append(lines, "Rules fired: none")
			} else {
				lines = append(lines, "Rules fired:")
				for _, r := range fired {
					lines = append(lines, "  "+r)
				}
			}
		}
		return &Explain{Lines: lines}, nil
	}
	// output names and nullability come from the bound plan: rules may drop renaming
	// projections but never change what the statement returns
	schema := bs.root.Schema().Arrow()
	if bs.schema != nil {
		schema = bs.schema
	}
	q, err := p.produce(b, optimized, schema)
	if err != nil {
		return nil, err
	}
	if bs.analyze {
		phys, err := substrait.Describe(q.Plan)
		if err != nil {
			return nil, err
		}
		return &ExplainAnalyze{Query: q, Logical: logical.Explain(optimized), Lines: phys}, nil
	}
	return bs.build(q, optimized)
}

// compile turns a bound query into the Query that runs it: optimize, prune the scans, produce
// the Substrait plan. schema is the result the client is promised (names and nullability of
// the bound plan: rules may drop renaming projections but never change what it returns).
func (p *planner) compile(b *binder, root logical.Node, schema *arrow.Schema) (*Query, error) {
	optimized, _, err := p.optimize(b, root)
	if err != nil {
		return nil, err
	}
	return p.produce(b, optimized, schema)
}

// optimize runs the optimizer's rules, then prunes native scans (recording the estimate).
func (p *planner) optimize(b *binder, root logical.Node) (logical.Node, []string, error) {
	optimized, fired, err := p.opt.OptimizeContext(b.ctx, root)
	if err != nil {
		return nil, nil, err
	}
	return b.pruneScans(optimized), fired, nil
}

// produce serializes an optimized plan whose output columns are named by schema.
func (p *planner) produce(b *binder, optimized logical.Node, schema *arrow.Schema) (*Query, error) {
	names := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		names[i] = f.Name
	}
	plan, err := substrait.ProduceContext(b.ctx, optimized, names)
	if err != nil {
		return nil, err
	}
	return &Query{Schema: schema, Plan: plan, Snapshots: b.snapshots}, nil
}

func indent(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = "  " + l
	}
	return out
}

var explainSchema = arrow.NewSchema([]arrow.Field{{Name: "QUERY PLAN", Type: arrow.BinaryTypes.String}}, nil)

func recoverInternal(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: planner panic: %v", errs.ErrInternal, r)
	}
}

// parseOne parses sql and returns its single statement.
func parseOne(sql string) (*pg.RawStmt, error) {
	_, stmt, err := parseStatement(context.Background(), sql)
	return stmt, err
}

// parseStatement checks sql against the size and depth limits (sqltext.go), rewrites `?`
// placeholders and parses it; it returns the text (for positions) and the single statement.
func parseStatement(ctx context.Context, sql string) (*sqlText, *pg.RawStmt, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	text, tree, err := parseSQL(sql)
	if err != nil {
		var pe *pgparser.Error
		if errors.As(err, &pe) {
			return nil, nil, errs.At(text.parserPos(pe.Cursorpos), logical.Errorf(errs.ErrInvalidArgument, "%s", pe.Message))
		}
		if text == nil {
			return nil, nil, err // the limits' own errors
		}
		return nil, nil, logical.Errorf(errs.ErrInvalidArgument, "%s", err.Error())
	}
	// parsing a large statement takes seconds of C code that cannot be interrupted: give
	// up here rather than bind what nobody waits for
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	switch len(tree.Stmts) {
	case 0:
		return nil, nil, logical.Errorf(errs.ErrInvalidArgument, "empty query")
	case 1:
		return text, tree.Stmts[0], nil
	}
	return nil, nil, logical.Errorf(errs.ErrInvalidArgument, "cannot insert multiple commands into a prepared statement")
}
