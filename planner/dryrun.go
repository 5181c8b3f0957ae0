package planner

import (
	"fmt"
	"strings"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/prune"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/planner/substrait"
	"github.com/tern-db/tern/proto/errs"
)

// dryrun.go: EXPLAIN (DRY_RUN) <query> and SET tern.dry_run = on answer, instead of the
// query's rows, one row with what its scans would read after pruning, computed from catalog
// statistics and file footers without reading data (as BigQuery's dry run): the splits the
// connectors planned and their tables' extents (splits.go).
//
// Under SET tern.dry_run = on nothing may change. dryRunOf is the single decision point:
// every statement the planner builds passes through it, and it is default-deny. Statements
// that read and would write (INSERT ... SELECT, COPY FROM, CTAS, UPDATE/DELETE/MERGE) answer
// the estimate of what they would read and run nothing; statements that only touch the
// session (SET) or only describe (EXPLAIN) pass; every other kind, including kinds added
// later that nobody classified, is refused with ErrFailedPrecondition.

var dryRunFields = logical.Schema{
	{Name: "estimated_bytes", Type: catalog.Int64},
	{Name: "table_bytes", Type: catalog.Int64},
	{Name: "files", Type: catalog.Int64},
	{Name: "total_files", Type: catalog.Int64},
	{Name: "row_groups", Type: catalog.Int64},
	{Name: "total_row_groups", Type: catalog.Int64},
}

// DryRunAction is what a dry run does with a statement kind.
type DryRunAction uint8

const (
	DryRunRefuse   DryRunAction = iota // refused: the statement would change something and reads nothing to estimate
	DryRunEstimate                     // answered with the estimate of what it would read; nothing runs
	DryRunPass                         // runs as usual: it changes nothing but the session, or only describes
)

// DryRunActionOf classifies a built statement for a dry run. Unknown kinds are refused.
func DryRunActionOf(st Statement) DryRunAction {
	switch x := st.(type) {
	case *Set:
		return DryRunPass // the session only; SET tern.dry_run = off must work
	case *Explain:
		return DryRunPass // text; nothing runs
	case *Query, *ExplainAnalyze, *Insert, *Rewrite, *CopyTo:
		return DryRunEstimate
	case *CreateTable:
		if x.As != nil {
			return DryRunEstimate
		}
	}
	return DryRunRefuse
}

// dryRunOf applies the dry run to a built statement (see the file comment).
func (b *binder) dryRunOf(st Statement) (Statement, error) {
	switch DryRunActionOf(st) {
	case DryRunPass:
		return st, nil
	case DryRunEstimate:
		return b.dryRunStatement()
	}
	return nil, logical.Errorf(errs.ErrFailedPrecondition,
		"cannot execute %s while tern.dry_run is on (a dry run changes nothing; SET tern.dry_run = off to run it)", statementName(st))
}

// statementName names a statement kind for messages: "*planner.DropTable" -> "DropTable".
func statementName(st Statement) string {
	s := fmt.Sprintf("%T", st)
	return s[strings.LastIndex(s, ".")+1:]
}

func (b *binder) dryRunStatement() (Statement, error) {
	e := b.estimate
	row := []logical.Expr{}
	for _, v := range []int64{e.Bytes, e.TableBytes, e.Files, e.TotalFiles, e.RowGroups, e.TotalRowGroups} {
		row = append(row, &logical.Literal{Typ: catalog.Int64, Value: v})
	}
	vals := &logical.Values{Fields: dryRunFields, Rows: [][]logical.Expr{row}}
	names := make([]string, len(dryRunFields))
	for i, f := range dryRunFields {
		names[i] = f.Name
	}
	plan, err := substrait.Produce(vals, names)
	if err != nil {
		return nil, err
	}
	return &Query{Schema: vals.Schema().Arrow(), Plan: plan, Snapshots: b.snapshots}, nil
}

// estimateRewrite adds a copy-on-write DML's reads: every column of each affected file (its
// rows are read to write the replacement), out of all files of the snapshot.
func (b *binder) estimateRewrite(all, affected []catalog.DataFile) {
	e := &b.estimate
	e.TotalFiles += int64(len(all))
	for _, f := range all {
		e.TableBytes += f.Bytes
		e.TotalRowGroups += int64(max(len(f.RowGroups), 1))
	}
	for _, f := range affected {
		e.Files++
		e.RowGroups += int64(max(len(f.RowGroups), 1))
		e.Bytes += prune.Selection{File: f}.EstimateBytes(nil)
	}
}

// estimateSourceReads adds what a DML statement's source relation (MERGE ... USING src) reads:
// the per-file rewrite queries each read it, so its bytes count times times.
func (b *binder) estimateSourceReads(src logical.Node, times int64) {
	if !(b.dryRun || b.sess.DryRun) || b.prepare {
		return
	}
	saved := b.estimate
	b.estimate = ScanEstimate{}
	planned, err := b.planSplits(src)
	if err == nil {
		err = b.countScans(planned, true)
	}
	if err == nil {
		err = b.countScans(planned, false)
	}
	if err != nil {
		b.estimate = saved // an estimate only: the statement itself reports the error
		return
	}
	e := b.estimate
	b.estimate = saved
	b.estimate.Bytes += e.Bytes * times
	b.estimate.TableBytes += e.TableBytes
	b.estimate.Files += e.Files
	b.estimate.TotalFiles += e.TotalFiles
	b.estimate.RowGroups += e.RowGroups
	b.estimate.TotalRowGroups += e.TotalRowGroups
}
