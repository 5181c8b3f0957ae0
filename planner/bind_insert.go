package planner

import (
	"github.com/apache/arrow-go/v18/arrow"
	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// tableSchema is the Arrow schema of a table's columns, which Insert sources must produce.
func tableSchema(cols []catalog.Column) *arrow.Schema {
	fs := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fs[i] = arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: c.Nullable}
	}
	return arrow.NewSchema(fs, nil)
}

// INSERT: the source's columns are mapped onto the table's columns (missing columns get their
// DEFAULT, else NULL) with assignment casts. CHECK constraints are checked in the source plan
// (withChecks), NOT NULL by the native writer.
func (b *binder) bindInsert(is *pg.InsertStmt) (*boundStmt, error) {
	if is.WithClause != nil {
		saved := b.ctes
		defer func() { b.ctes = saved }()
		if err := b.pushWith(is.WithClause); err != nil {
			return nil, err
		}
	}
	t, err := b.lookupTable(is.Relation)
	if err != nil {
		return nil, err
	}
	if err := b.refuseForeignWrite(t, "insert into", is.Relation.Location); err != nil { // bind_foreign_table.go
		return nil, err
	}
	if _, ok := t.Options[viewOption]; ok {
		return nil, b.errAt(is.Relation.Location, notSupported("cannot insert into view \"%s\"", t.Ref.Name))
	}
	// target columns
	var targets []int
	var targetLocs []int32
	if len(is.Cols) == 0 {
		for i := range t.Columns {
			targets = append(targets, i)
			targetLocs = append(targetLocs, -1)
		}
	} else {
		seen := map[int]bool{}
		for _, c := range is.Cols {
			rt := c.GetResTarget()
			if rt == nil {
				continue
			}
			idx := -1
			for i, col := range t.Columns {
				if col.Name == rt.Name {
					idx = i
				}
			}
			if idx < 0 {
				return nil, b.errAt(rt.Location, logical.Errorf(errs.ErrNotFound, "column \"%s\" of relation \"%s\" does not exist", rt.Name, t.Ref.Name))
			}
			if seen[idx] {
				return nil, b.errAt(rt.Location, logical.Errorf(errs.ErrInvalidArgument, "column \"%s\" specified more than once", rt.Name))
			}
			seen[idx] = true
			targets = append(targets, idx)
			targetLocs = append(targetLocs, rt.Location)
		}
	}
	var src logical.Node
	sel := is.SelectStmt.GetSelectStmt()
	switch {
	case is.SelectStmt == nil:
		// INSERT ... DEFAULT VALUES
		src = &logical.Values{Rows: [][]logical.Expr{{}}}
		targets = nil
	case sel != nil && len(sel.ValuesLists) > 0 && sel.WithClause == nil && len(sel.SortClause) == 0 && sel.LimitCount == nil && sel.LimitOffset == nil:
		types := make([]catalog.Type, len(targets))
		for i, ti := range targets {
			types[i] = t.Columns[ti].Type
		}
		if src, err = b.bindInsertValues(sel.ValuesLists, t, targets); err != nil {
			return nil, err
		}
	case sel != nil:
		if src, err = b.bindQuery(sel); err != nil {
			return nil, err
		}
	default:
		return nil, notSupported("this INSERT source is not supported yet")
	}
	sch := src.Schema()
	if len(sch) > len(targets) {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "INSERT has more expressions than target columns")
	}
	if len(sch) < len(targets) && len(is.Cols) > 0 {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "INSERT has more target columns than expressions")
	}
	root, err := b.mapToTable(src, t, targets, targetLocs)
	if err != nil {
		return nil, err
	}
	if is.OnConflictClause != nil {
		return b.bindOnConflict(is, t, root) // on_conflict.go
	}
	bs, err := b.insertStmt(t, root, "insert")
	if err != nil || len(is.ReturningList) == 0 {
		return bs, err
	}
	return b.insertReturning(bs, t, is.Relation, is.ReturningList)
}

// insertReturning makes an INSERT return rows: its source also computes the RETURNING list
// over the rows it inserts.
func (b *binder) insertReturning(bs *boundStmt, t catalog.Table, rv *pg.RangeVar, list []*pg.Node) (*boundStmt, error) {
	sc := tableScope(t)
	if rv != nil && rv.Alias != nil && rv.Alias.Aliasname != "" {
		for i := range sc.cols {
			sc.cols[i].qual = rv.Alias.Aliasname
		}
	}
	ts, err := b.bindReturning(list, sc)
	if err != nil {
		return nil, err
	}
	ret := returningSchema(ts)
	bs.root = appendReturning(bs.root, ts)
	bs.kind, bs.returning = KindQuery, ret
	fields := append(append([]arrow.Field{}, bs.schema.Fields()...), ret.Fields()...)
	bs.schema = arrow.NewSchema(fields, nil)
	build := bs.build
	bs.build = func(q *Query, n logical.Node) (Statement, error) {
		st, err := build(q, n)
		if err != nil {
			return nil, err
		}
		st.(*Insert).Returning = ret
		return st, nil
	}
	return bs, nil
}

func (b *binder) insertStmt(t catalog.Table, root logical.Node, op string) (*boundStmt, error) {
	root, err := b.withChecks(t, root) // CHECK constraints (bind_constraints.go)
	if err != nil {
		return nil, err
	}
	b.snapshots[t.ID] = t.CurrentSnapshot
	return &boundStmt{kind: KindUpdate, root: root, schema: tableSchema(t.Columns), build: func(q *Query, _ logical.Node) (Statement, error) {
		return &Insert{Table: t, Base: t.CurrentSnapshot, Source: q, Operation: op}, nil
	}}, nil
}

// bindInsertValues binds VALUES rows directly to their target columns' types, so literals
// are converted once (PostgreSQL assigns each VALUES item to the column's type).
func (b *binder) bindInsertValues(lists []*pg.Node, t catalog.Table, targets []int) (logical.Node, error) {
	var rows [][]logical.Expr
	for _, l := range lists {
		items := l.GetList()
		if items == nil {
			return nil, notSupported("unexpected VALUES item")
		}
		if len(items.Items) > len(targets) {
			return nil, b.errAt(nodeLoc(items.Items[len(targets)]), logical.Errorf(errs.ErrInvalidArgument, "INSERT has more expressions than target columns"))
		}
		row := make([]logical.Expr, len(items.Items))
		for i, it := range items.Items {
			col := t.Columns[targets[i]]
			if it.GetSetToDefault() != nil {
				d, err := b.defaultExpr(col, nodeLoc(it))
				if err != nil {
					return nil, err
				}
				row[i] = d
				continue
			}
			e, err := b.bindExpr(it, exprCtx{clause: "VALUES"})
			if err != nil {
				return nil, err
			}
			if row[i], err = b.coerceAssign(e, col.Type, col.Name, nodeLoc(it)); err != nil {
				return nil, err
			}
		}
		rows = append(rows, row)
	}
	width := len(rows[0])
	for _, r := range rows {
		if len(r) != width {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "VALUES lists must all be the same length")
		}
	}
	fields := make(logical.Schema, width)
	for c := 0; c < width; c++ {
		col := t.Columns[targets[c]]
		null := false
		for _, r := range rows {
			null = null || r[c].Nullable()
		}
		fields[c] = logical.Field{Name: col.Name, Type: col.Type, Nullable: null}
	}
	return &logical.Values{Fields: fields, Rows: rows}, nil
}

// mapToTable projects src's columns (assigned to targets, in order) onto all of t's columns.
func (b *binder) mapToTable(src logical.Node, t catalog.Table, targets []int, locs []int32) (logical.Node, error) {
	sch := src.Schema()
	exprs := make([]logical.Expr, len(t.Columns))
	for i, ti := range targets {
		if i >= len(sch) {
			break
		}
		f := sch[i]
		col := t.Columns[ti]
		var e logical.Expr = &logical.Column{Index: i, Name: f.Name, Typ: f.Type, Null: f.Nullable}
		loc := int32(-1)
		if i < len(locs) {
			loc = locs[i]
		}
		var err error
		if e, err = b.coerceAssign(e, col.Type, col.Name, loc); err != nil {
			return nil, err
		}
		exprs[ti] = e
	}
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
		if exprs[i] == nil {
			d, err := b.defaultExpr(c, -1) // the column's DEFAULT, else NULL
			if err != nil {
				return nil, err
			}
			exprs[i] = d
		}
	}
	return &logical.Project{Input: src, Exprs: exprs, Names: names}, nil
}

// COPY: bind_copy.go.
