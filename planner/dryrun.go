package planner

import (
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/planner/substrait"
)

// dryrun.go: EXPLAIN (DRY_RUN) <query> and SET tern.dry_run = on answer, instead of the
// query's rows, one row with what its native scans would read after pruning, computed from
// catalog statistics without opening a data file (as BigQuery's dry run).

var dryRunFields = logical.Schema{
	{Name: "estimated_bytes", Type: catalog.Int64},
	{Name: "table_bytes", Type: catalog.Int64},
	{Name: "files", Type: catalog.Int64},
	{Name: "total_files", Type: catalog.Int64},
	{Name: "row_groups", Type: catalog.Int64},
	{Name: "total_row_groups", Type: catalog.Int64},
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
