package planner

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg "github.com/pganalyze/pg_query_go/v6"
	pgparser "github.com/pganalyze/pg_query_go/v6/parser"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/planner/optimizer"
	"github.com/tern-db/tern/planner/physical"
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
			out.ResultSchema = bs.root.Schema().ClientArrow()
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
		if err := b.countScans(optimized, false); err != nil {
			return nil, err
		}
	}
	if b.dryRun {
		return b.dryRunStatement()
	}
	// output names and nullability come from the bound plan: rules may drop renaming
	// projections but never change what the statement returns
	schema := bs.root.Schema().ClientArrow()
	if bs.schema != nil {
		schema = bs.schema
	}
	opts := physical.Options{}
	if !bs.analyze { // EXPLAIN ANALYZE profiles one fragment
		opts = b.physicalOptions()
	}
	if bs.explain && !bs.analyze {
		return p.explain(b, optimized, fired, schema, opts, bs.verbose)
	}
	q, _, err := p.produce(b, optimized, schema, opts)
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
	st, err := bs.build(q, optimized)
	if err != nil {
		return nil, err
	}
	if _, ok := st.(*Query); !ok && len(q.Fragments) > 1 {
		// Writes, COPY TO and RETURNING run their source as one fragment (their runners
		// take Plan alone); the statement holds q, so replace its contents.
		one, _, err := p.produce(b, optimized, schema, physical.Options{})
		if err != nil {
			return nil, err
		}
		*q = *one
	}
	return st, nil
}

// compile runs a bound logical plan (parameters substituted) through the rest of a query's
// path: optimize -> prune -> physical -> fragments -> Substrait. schema is the result schema
// promised to the client (the bound plan's: rules never change what a statement returns).
// Every query the planner returns, from SQL or from a client's Substrait plan, comes out of
// here.
func (p *planner) compile(b *binder, root logical.Node, schema *arrow.Schema) (*Query, error) {
	optimized, _, err := p.optimize(b, root)
	if err != nil {
		return nil, err
	}
	q, _, err := p.produce(b, optimized, schema, b.physicalOptions())
	return q, err
}

// optimize runs the optimizer's rules and plans every scan's splits through its connector
// (the native connector prunes files and row groups with the pushed filters). It returns the rules that fired, for EXPLAIN VERBOSE.
func (p *planner) optimize(b *binder, root logical.Node) (logical.Node, []string, error) {
	optimized, fired, err := p.opt.OptimizeContext(b.ctx, root)
	if err != nil {
		return nil, nil, err
	}
	if optimized, err = b.planSplits(optimized); err != nil { // splits.go
		return nil, nil, err
	}
	if err := b.countScans(optimized, true); err != nil {
		return nil, nil, err
	}
	return optimized, fired, nil
}

// physicalOptions are the session's physical plan options (tern.partitions).
func (b *binder) physicalOptions() physical.Options {
	n, _ := strconv.Atoi(SettingValue(b.sess.Settings, SettingPartitions))
	if n <= 1 {
		return physical.Options{}
	}
	return physical.Options{Partitions: n, CutScans: true}
}

// staged is a query at each step of its path after the optimizer, for EXPLAIN.
type staged struct {
	physical  physical.Node
	fired     []string // physical rules that fired
	fragments []*physical.Fragment
}

// produce plans an optimized logical plan physically, cuts it into fragments and
// serializes each to Substrait: the Query the gateway runs.
func (p *planner) produce(b *binder, optimized logical.Node, schema *arrow.Schema, opts physical.Options) (*Query, *staged, error) {
	st := &staged{}
	var err error
	if st.physical, st.fired, err = physical.Plan(b.ctx, optimized, opts); err != nil {
		return nil, st, err
	}
	if st.fragments, err = physical.Fragments(st.physical); err != nil {
		return nil, st, err
	}
	names := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		names[i] = f.Name
	}
	q := &Query{Schema: schema, Snapshots: b.snapshots, Ordered: physical.Ordered(st.physical)}
	for i, f := range st.fragments {
		var fn []string // inner fragments keep their columns' own names
		if i == len(st.fragments)-1 {
			fn = names
		}
		plan, err := substrait.ProducePhysical(b.ctx, f.Root, fn)
		if err != nil {
			return nil, st, err
		}
		q.Fragments = append(q.Fragments, Fragment{ID: f.ID, Plan: plan, Partitions: f.Partitions, Inputs: f.Inputs})
	}
	q.Plan = q.Fragments[len(q.Fragments)-1].Plan
	return q, st, nil
}

// explain answers EXPLAIN: the query's path after binding, the logical plan, the physical
// plan (each node with its partitioning, ordering and site) and the fragments it is cut into,
// each as the Substrait relations the node runs. A step that fails fails EXPLAIN, as it
// would fail the query (PostgreSQL's EXPLAIN does the same).
func (p *planner) explain(b *binder, optimized logical.Node, fired []string, schema *arrow.Schema, opts physical.Options, verbose bool) (*Explain, error) {
	lines := append([]string{"Logical plan:"}, indent(logical.Explain(optimized))...)
	lines = append(lines, b.pruneLines()...)
	q, st, err := p.produce(b, optimized, schema, opts)
	if err != nil {
		return nil, fmt.Errorf("EXPLAIN: %w", err)
	}
	lines = append(lines, "Physical plan:")
	lines = append(lines, indent(physical.Explain(st.physical))...)
	for i, f := range st.fragments {
		head := fmt.Sprintf("Fragment %d: partitions=%d output=%s", f.ID, f.Partitions, f.Output)
		if len(f.Inputs) > 0 {
			head += fmt.Sprintf(" inputs=%v", f.Inputs)
		}
		lines = append(lines, head)
		rels, err := substrait.Describe(q.Fragments[i].Plan)
		if err != nil {
			return nil, fmt.Errorf("EXPLAIN: %w", err)
		}
		lines = append(lines, indent(rels)...)
	}
	if verbose {
		fired = append(fired, st.fired...)
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
