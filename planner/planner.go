package planner

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

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
	stmt, err := parseOne(sql)
	if err != nil {
		return nil, err
	}
	b := newBinder(ctx, p, s, sql, nil, true)
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
		if b.dryRun || (s.DryRun && !bs.explain) {
			out.ResultSchema = dryRunFields.Arrow()
		}
	}
	return out, nil
}

// Plan implements Planner.
func (p *planner) Plan(ctx context.Context, s Session, sql string, params []scalar.Scalar) (st Statement, err error) {
	defer recoverInternal(&err)
	stmt, err := parseOne(sql)
	if err != nil {
		return nil, err
	}
	b := newBinder(ctx, p, s, sql, params, false)
	bs, err := b.bindStatement(stmt)
	if err != nil {
		return nil, err
	}
	if n := len(b.params); n > len(params) {
		return nil, logical.Errorf(errs.ErrInvalidArgument,
			"bind message supplies %d parameters, but prepared statement requires %d", len(params), n)
	}
	if bs.root == nil {
		return bs.build(nil, nil)
	}
	root, err := b.substituteParams(bs.root)
	if err != nil {
		return nil, err
	}
	optimized, fired, err := p.opt.Optimize(root)
	if err != nil {
		return nil, err
	}
	optimized = b.pruneScans(optimized)
	if b.dryRun || (s.DryRun && bs.kind == KindQuery && !bs.explain) {
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
	names := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		names[i] = f.Name
	}
	plan, err := substrait.Produce(optimized, names)
	if err != nil {
		return nil, err
	}
	q := &Query{Schema: schema, Plan: plan, Snapshots: b.snapshots}
	if bs.analyze {
		phys, err := substrait.Describe(plan)
		if err != nil {
			return nil, err
		}
		return &ExplainAnalyze{Query: q, Logical: logical.Explain(optimized), Lines: phys}, nil
	}
	return bs.build(q, optimized)
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
	tree, err := pg.Parse(sql)
	if err != nil {
		var pe *pgparser.Error
		if errors.As(err, &pe) {
			return nil, errs.At(pe.Cursorpos, logical.Errorf(errs.ErrInvalidArgument, "%s", pe.Message))
		}
		return nil, logical.Errorf(errs.ErrInvalidArgument, "%s", err.Error())
	}
	switch len(tree.Stmts) {
	case 0:
		return nil, logical.Errorf(errs.ErrInvalidArgument, "empty query")
	case 1:
		return tree.Stmts[0], nil
	}
	return nil, logical.Errorf(errs.ErrInvalidArgument, "cannot insert multiple commands into a prepared statement")
}

// charPos converts a pg_query location (0-based byte offset, -1 unknown) to a 1-based
// character offset (0 unknown).
func charPos(sql string, loc int32) int {
	if loc < 0 || int(loc) > len(sql) {
		return 0
	}
	return utf8.RuneCountInString(sql[:loc]) + 1
}
