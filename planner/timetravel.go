package planner

import (
	"fmt"
	"time"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// timetravel.go: reading a native table as it was.
//
//	SELECT ... FROM tern.as_of('orders', TIMESTAMPTZ '2024-05-01 12:00:00+00') [AS o]
//	SELECT ... FROM tern.as_of('public.orders', 42)          -- a snapshot id
//	SELECT * FROM tern.snapshots('orders')                   -- the retained snapshots
//
// PostgreSQL's grammar has no AS OF clause, so time travel is a table function (schema
// "tern"). A timestamp without time zone is read as UTC. The snapshot read is the last one
// committed at or before the time; times older than the retained history (the table's
// snapshot_retention, 7 days by default) are an error, and so is a time before the table
// existed.

func (b *binder) bindTimeTravel(name string, fc *pg.FuncCall, rf *pg.RangeFunction) (logical.Node, *scope, error) {
	if len(fc.Funcname) == 2 && strVal(fc.Funcname[0]) != "tern" || len(fc.Funcname) > 2 {
		return nil, nil, b.errAt(fc.Location, logical.Errorf(errs.ErrNotFound, "function %s does not exist", name))
	}
	hist, ok := b.p.cat.(catalog.History)
	if !ok {
		return nil, nil, b.errAt(fc.Location, notSupported("time travel is not available here (inside a transaction)"))
	}
	want := 2
	if name == "snapshots" {
		want = 1
	}
	if len(fc.Args) != want {
		return nil, nil, b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument, "tern.%s takes %d arguments", name, want))
	}
	tname, err := b.constText(fc.Args[0], "a table name")
	if err != nil {
		return nil, nil, err
	}
	rv, err := parseRangeVar(tname)
	if err != nil {
		return nil, nil, b.errAt(fc.Location, err)
	}
	rv.Location = fc.Location
	t, err := b.lookupTable(rv)
	if err != nil {
		return nil, nil, err
	}
	snaps, err := hist.Snapshots(b.ctx, t.ID)
	if err != nil {
		return nil, nil, err
	}
	qual := name
	if rf.Alias != nil && rf.Alias.Aliasname != "" {
		qual = rf.Alias.Aliasname
	}
	if name == "snapshots" {
		return b.snapshotsTable(t, snaps, qual, rf.Alias)
	}
	arg, err := b.bindExpr(fc.Args[1], exprCtx{clause: "FROM"})
	if err != nil {
		return nil, nil, err
	}
	lit, ok := arg.(*logical.Literal)
	if !ok || lit.Value == nil {
		return nil, nil, b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument, "tern.as_of needs a constant timestamp or snapshot id"))
	}
	var id uint64
	switch lit.Typ.Kind {
	case catalog.TypeInt16, catalog.TypeInt32, catalog.TypeInt64:
		v, ok := lit.Value.(int64)
		if !ok {
			return nil, nil, b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument, "tern.as_of needs a constant timestamp or snapshot id"))
		}
		id = uint64(v)
		found := false
		for _, s := range snaps {
			found = found || s.ID == id
		}
		if !found {
			return nil, nil, b.errAt(fc.Location, logical.Errorf(errs.ErrNotFound, "relation \"%s\" has no snapshot %d (expired or never existed)", tname, id))
		}
	default:
		v, err := b.coerce(arg, catalog.TimestampTZ)
		if err != nil {
			return nil, nil, b.errAt(fc.Location, err)
		}
		l, ok := v.(*logical.Literal)
		us, isInt := int64(0), false
		if ok {
			us, isInt = l.Value.(int64)
		}
		if !isInt {
			return nil, nil, b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument, "tern.as_of needs a constant timestamp or snapshot id"))
		}
		at := time.UnixMicro(us).UTC()
		if id, err = snapshotAt(t, snaps, at); err != nil {
			return nil, nil, b.errAt(fc.Location, err)
		}
	}
	t.CurrentSnapshot = id
	t.Columns = t.ColumnsAt(id) // the columns the snapshot had (ALTER TABLE since: catalog.Table.History)
	src, err := b.nativeSource(t)
	if err != nil {
		return nil, nil, err
	}
	src.Name = fmt.Sprintf("%s@%d", t.Ref.Name, id)
	return b.scanOf(src, qual, rf.Alias)
}

// snapshotAt picks the snapshot current at time at.
func snapshotAt(t catalog.Table, snaps []catalog.SnapshotInfo, at time.Time) (uint64, error) {
	if at.Before(t.CreatedAt) {
		return 0, logical.Errorf(errs.ErrNotFound, "relation \"%s\" did not exist at %s", t.Ref.Name, at.Format(time.RFC3339Nano))
	}
	id := catalog.NoSnapshot
	for _, s := range snaps {
		if !s.CommittedAt.After(at) {
			id = s.ID
		}
	}
	if id == catalog.NoSnapshot && len(snaps) > 0 && snaps[0].ParentID != catalog.NoSnapshot {
		return 0, logical.Errorf(errs.ErrNotFound, "relation \"%s\" at %s is older than its retained snapshots (from %s)",
			t.Ref.Name, at.Format(time.RFC3339Nano), snaps[0].CommittedAt.Format(time.RFC3339Nano))
	}
	return id, nil
}

// snapshotsTable is tern.snapshots('t'): snapshot_id, parent_id, committed_at, operation.
func (b *binder) snapshotsTable(t catalog.Table, snaps []catalog.SnapshotInfo, qual string, alias *pg.Alias) (logical.Node, *scope, error) {
	fields := logical.Schema{
		{Name: "snapshot_id", Type: catalog.Int64},
		{Name: "parent_id", Type: catalog.Int64, Nullable: true},
		{Name: "committed_at", Type: catalog.TimestampTZ},
		{Name: "operation", Type: catalog.Text},
		{Name: "is_current", Type: catalog.Bool},
	}
	var rows [][]logical.Expr
	for _, s := range snaps {
		parent := &logical.Literal{Typ: catalog.Int64}
		if s.ParentID != catalog.NoSnapshot {
			parent.Value = int64(s.ParentID)
		}
		rows = append(rows, []logical.Expr{
			&logical.Literal{Typ: catalog.Int64, Value: int64(s.ID)}, parent,
			&logical.Literal{Typ: catalog.TimestampTZ, Value: s.CommittedAt.UnixMicro()},
			&logical.Literal{Typ: catalog.Text, Value: s.Operation},
			&logical.Literal{Typ: catalog.Bool, Value: s.ID == t.CurrentSnapshot},
		})
	}
	return b.virtualRows(fields, rows, qual, alias)
}

// virtualRows is a constant relation under a qualifier (system views, tern.snapshots).
func (b *binder) virtualRows(fields logical.Schema, rows [][]logical.Expr, qual string, alias *pg.Alias) (logical.Node, *scope, error) {
	var node logical.Node = &logical.Values{Fields: fields, Rows: rows}
	if len(rows) == 0 {
		node = &logical.Filter{Input: &logical.Values{Fields: fields, Rows: [][]logical.Expr{nullRow(fields)}}, Cond: &logical.Literal{Typ: catalog.Bool, Value: false}}
	}
	return b.aliased(node, qual, alias)
}

func nullRow(fields logical.Schema) []logical.Expr {
	row := make([]logical.Expr, len(fields))
	for i, f := range fields {
		row[i] = &logical.Literal{Typ: f.Type}
	}
	return row
}

// constText binds a constant string argument.
func (b *binder) constText(n *pg.Node, what string) (string, error) {
	e, err := b.bindExpr(n, exprCtx{clause: "FROM"})
	if err != nil {
		return "", err
	}
	l, ok := e.(*logical.Literal)
	if !ok || l.Value == nil {
		return "", b.errAt(nodeLoc(n), logical.Errorf(errs.ErrInvalidArgument, "expected %s as a string literal", what))
	}
	s, ok := l.Value.(string)
	if !ok {
		return "", b.errAt(nodeLoc(n), logical.Errorf(errs.ErrInvalidArgument, "expected %s as a string literal", what))
	}
	return s, nil
}

// parseRangeVar parses a possibly qualified table name as SQL would ("public.t", "T" folds).
func parseRangeVar(name string) (*pg.RangeVar, error) {
	_, tree, err := parseSQL("SELECT FROM " + name)
	if err == nil && len(tree.Stmts) == 1 {
		if sel := tree.Stmts[0].Stmt.GetSelectStmt(); sel != nil && len(sel.FromClause) == 1 {
			if rv := sel.FromClause[0].GetRangeVar(); rv != nil && rv.Alias == nil {
				return rv, nil
			}
		}
	}
	return nil, logical.Errorf(errs.ErrInvalidArgument, "invalid table name %q", name)
}
