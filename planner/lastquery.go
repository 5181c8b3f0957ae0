package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// lastquery.go: tern.last_query() answers the caller's session's previous finished statement
// (its job id, text, outcome, rows and bytes scanned, start and end), for clients that cannot
// read a stream's app metadata. The gateway records each statement with the session
// (Session.LastQuery); the statement asking is not its own answer. No previous statement: no
// row.

var lastQueryFields = logical.Schema{
	txt("query_id"), txt("query"), txt("status"), txt("error"),
	i64("rows"), i64("bytes_scanned"),
	{Name: "started", Type: catalog.TimestampTZ, Nullable: true},
	{Name: "ended", Type: catalog.TimestampTZ, Nullable: true},
	{Name: "duration_ms", Type: catalog.Float64, Nullable: true},
}

// isLastQuery reports whether a function in FROM is tern.last_query (qualified or not).
func isLastQuery(fc *pg.FuncCall) bool {
	if lowerName(fc.Funcname) != "last_query" {
		return false
	}
	if len(fc.Funcname) == 1 {
		return true
	}
	return len(fc.Funcname) == 2 && strVal(fc.Funcname[0]) == "tern"
}

func (b *binder) bindLastQuery(fc *pg.FuncCall, rf *pg.RangeFunction) (logical.Node, *scope, error) {
	if len(fc.Args) != 0 {
		return nil, nil, b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument, "tern.last_query takes no arguments"))
	}
	var rows [][]logical.Expr
	if q := b.sess.LastQuery; q != nil {
		errText := lnull(catalog.Text)
		if q.Error != "" {
			errText = ltxt(q.Error)
		}
		rows = append(rows, []logical.Expr{
			ltxt(q.QueryID), ltxt(q.Text), ltxt(q.Status), errText,
			lit(catalog.Int64, q.Rows), lit(catalog.Int64, q.BytesScanned),
			lit(catalog.TimestampTZ, q.Started.UnixMicro()), lit(catalog.TimestampTZ, q.Ended.UnixMicro()),
			lit(catalog.Float64, float64(q.Ended.Sub(q.Started).Microseconds())/1000),
		})
	}
	fields := lastQueryFields
	if len(rows) == 1 {
		// The stream reports a literal column as nullable only when the value is NULL: the
		// promised schema says the same.
		fields = append(logical.Schema(nil), lastQueryFields...)
		for i, e := range rows[0] {
			fields[i].Nullable = e.(*logical.Literal).Value == nil
		}
	}
	qual := "last_query"
	if rf.Alias != nil && rf.Alias.Aliasname != "" {
		qual = rf.Alias.Aliasname
	}
	return b.virtualRows(fields, rows, qual, rf.Alias)
}
