package planner

import (
	"context"
	"errors"

	"github.com/apache/arrow-go/v18/arrow"
	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/native"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/planner/substrait"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// dml.go: DELETE, UPDATE and MERGE on native tables, by copy-on-write of the affected files.
//
// The statement is planned against the table's current snapshot (Rewrite.Base). Files whose
// statistics show that no row can match the WHERE clause are left alone. Each other file gets
// its own query that reads it and produces what replaces it: the table's columns, then a
// boolean that is true for the rows the statement changed (UPDATE and MERGE's UPDATE);
// deleted rows are simply not produced. The gateway runs them, keeps a file as it is when its
// query changed nothing, and commits the new files and the removal of the old ones in one
// snapshot (catalog.Commit with Rebase: it fails with "could not serialize access due to
// concurrent update" if another statement rewrote or removed one of the same files since).

// bindDML dispatches DELETE, UPDATE and MERGE (the hook in bindStatement).
func (b *binder) bindDML(n *pg.Node) (*boundStmt, error) {
	switch x := n.Node.(type) {
	case *pg.Node_DeleteStmt:
		return b.bindDelete(x.DeleteStmt)
	case *pg.Node_UpdateStmt:
		return b.bindUpdate(x.UpdateStmt)
	case *pg.Node_MergeStmt:
		return b.bindMerge(x.MergeStmt)
	}
	return nil, notSupported("%s is not supported yet", stmtName(n))
}

// dmlTarget is the table a DML statement changes, its scope and its files.
type dmlTarget struct {
	t     catalog.Table
	src   *logical.Source // every file of the current snapshot
	scope *scope
	qual  string
	files []catalog.DataFile
	df    TableDataFiles
	// ret is the RETURNING list, bound over the target's row (returning.go); perFile then
	// produces the "dropped" flag after the changed flag.
	ret []target
	// multi names what a target row matching several source rows means (UPDATE ... FROM).
	multi string
}

func (b *binder) dmlTable(rv *pg.RangeVar, what string) (*dmlTarget, error) {
	if rv == nil {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "%s needs a table", what)
	}
	t, err := b.lookupTable(rv)
	if err != nil {
		return nil, err
	}
	if err := b.refuseForeignWrite(t, "change", rv.Location); err != nil { // bind_foreign_table.go
		return nil, err
	}
	df, ok := b.p.tables.(TableDataFiles)
	if !ok {
		return nil, notSupported("%s is not supported yet inside a transaction", what)
	}
	src, err := b.nativeSource(t)
	if err != nil {
		return nil, err
	}
	var files []catalog.DataFile
	if !b.prepare && t.CurrentSnapshot != catalog.NoSnapshot {
		if files, err = df.SnapshotDataFiles(b.ctx, t, t.CurrentSnapshot); err != nil {
			return nil, err
		}
	}
	qual := rv.Relname
	if rv.Alias != nil && rv.Alias.Aliasname != "" {
		qual = rv.Alias.Aliasname
	}
	_, sc, err := b.scanOf(src, qual, nil)
	if err != nil {
		return nil, err
	}
	return &dmlTarget{t: t, src: src, scope: sc, qual: qual, files: files, df: df}, nil
}

// scanFiles is a scan of every column of the given data files of the target, whole: the
// splits are fixed here (one per file, the native connector's FileSplits), so split planning
// leaves them as they are. No files: a scan that reads nothing (binding checks).
func (d *dmlTarget) scanFiles(ctx context.Context, fs []catalog.DataFile) (*logical.Scan, error) {
	src := *d.src
	src.Splits, src.Planned, src.EstRows = nil, true, 0
	if len(fs) > 0 {
		nt, ok := src.Table.(*native.Table)
		if !ok {
			return nil, notSupported("changing rows of relation \"%s\" (not a native table)", d.t.Ref.Name)
		}
		splits, err := nt.FileSplits(ctx, fs)
		if err != nil {
			return nil, err
		}
		src.Splits = splits
		for _, f := range fs {
			src.EstRows += f.Rows
		}
	}
	cols := make([]int, len(src.Base))
	for i := range cols {
		cols[i] = i
	}
	return &logical.Scan{Source: &src, Qualifier: d.qual, Columns: cols}, nil
}

// scanFile is scanFiles of one file (the empty DataFile: of none).
func (d *dmlTarget) scanFile(ctx context.Context, f catalog.DataFile) (logical.Node, error) {
	var fs []catalog.DataFile
	if f.Path != "" {
		fs = []catalog.DataFile{f}
	}
	return d.scanFiles(ctx, fs)
}

// isTrue is CASE WHEN e THEN true ELSE false END: e IS TRUE, never NULL.
func isTrue(e logical.Expr) logical.Expr {
	return &logical.Case{Whens: []logical.When{{Cond: e, Result: &logical.Literal{Typ: catalog.Bool, Value: true}}},
		Else: &logical.Literal{Typ: catalog.Bool, Value: false}, Typ: catalog.Bool}
}

func not(e logical.Expr) logical.Expr { return call(proto.FnNot, catalog.Bool, e) }

func colRef(i int, f logical.Field) *logical.Column {
	return &logical.Column{Index: i, Name: f.Name, Typ: f.Type, Null: f.Nullable}
}

// rewriteStmt builds the statement: one query per affected file from perFile, plus insert.
func (b *binder) rewriteStmt(d *dmlTarget, op string, where logical.Expr, perFile func(scan logical.Node) (logical.Node, error), insert logical.Node) (*boundStmt, error) {
	t := d.t
	affected := d.files
	if where != nil {
		if nt, ok := d.src.Table.(*native.Table); ok { // pruning with the WHERE clause's filters
			affected = nt.MatchingFiles(d.files, connectorFilters([]logical.Expr{where}, d.src.Base))
		}
	}
	b.snapshots[t.ID] = t.CurrentSnapshot
	b.estimateRewrite(d.files, affected) // dryrun.go
	outSchema := tableSchema(t.Columns)
	names := make([]string, 0, len(t.Columns)+1)
	for _, c := range t.Columns {
		names = append(names, c.Name)
	}
	names = append(names, "__tern_changed")
	fileSchema := withChanged(outSchema)
	var ret *arrow.Schema
	if d.ret != nil { // RETURNING: [columns, changed, dropped, returned...]
		ret = returningSchema(d.ret)
		names = append(names, "__tern_dropped")
		for _, t := range d.ret {
			names = append(names, t.name)
		}
		fields := append(append([]arrow.Field{}, fileSchema.Fields()...), arrow.Field{Name: "__tern_dropped", Type: arrow.FixedWidthTypes.Boolean, Nullable: true})
		fileSchema = arrow.NewSchema(append(fields, ret.Fields()...), nil)
		inner := perFile
		perFile = func(scan logical.Node) (logical.Node, error) {
			root, err := inner(scan)
			if err != nil {
				return nil, err
			}
			return appendReturning(root, d.ret), nil
		}
	}
	plan := func(root logical.Node, names []string) (*Query, error) {
		root, err := b.substituteParams(root)
		if err != nil {
			return nil, err
		}
		opt, _, err := b.p.opt.OptimizeContext(b.ctx, root)
		if err != nil {
			return nil, err
		}
		// the target's scans are fixed to their files; other tables' (USING, FROM, MERGE's
		// source) are planned as any query's
		if opt, err = b.planSplits(opt); err != nil {
			return nil, err
		}
		bytes, err := substrait.ProduceContext(b.ctx, opt, names)
		if err != nil {
			return nil, err
		}
		return &Query{Schema: root.Schema().Arrow(), Plan: bytes, Snapshots: b.snapshots}, nil
	}
	if op != "delete" { // rows an UPDATE or MERGE writes must satisfy the CHECK constraints
		inner := perFile
		perFile = func(scan logical.Node) (logical.Node, error) {
			root, err := inner(scan)
			if err != nil {
				return nil, err
			}
			return b.withChecks(t, root)
		}
		if insert != nil {
			var err error
			if insert, err = b.withChecks(t, insert); err != nil {
				return nil, err
			}
		}
	}
	// Bind once against an empty scan so that Prepare reports errors without files.
	empty, err := d.scanFile(b.ctx, catalog.DataFile{})
	if err != nil {
		return nil, err
	}
	if _, err := perFile(empty); err != nil {
		return nil, err
	}
	kind := KindUpdate
	if ret != nil {
		kind = KindQuery
	}
	return &boundStmt{kind: kind, returning: ret, build: func(*Query, logical.Node) (Statement, error) {
		rw := &Rewrite{Table: t, Base: t.CurrentSnapshot, Operation: op, Returning: ret, MultiMatch: d.multi}
		for _, f := range affected {
			scan, err := d.scanFile(b.ctx, f)
			if err != nil {
				return nil, err
			}
			root, err := perFile(scan)
			if err != nil {
				return nil, err
			}
			q, err := plan(root, names)
			if err != nil {
				return nil, err
			}
			q.Schema = fileSchema
			rw.Files = append(rw.Files, RewriteFile{Path: f.Path, Rows: f.Rows, Query: q})
		}
		if insert != nil {
			insNames, insSchema := names[:len(t.Columns)], outSchema
			if ret != nil { // [columns, returned...]
				insert = appendReturning(insert, d.ret)
				insNames = append(append([]string{}, insNames...), names[len(t.Columns)+2:]...)
				insSchema = arrow.NewSchema(append(append([]arrow.Field{}, outSchema.Fields()...), ret.Fields()...), nil)
			}
			q, err := plan(insert, insNames)
			if err != nil {
				return nil, err
			}
			q.Schema = insSchema
			rw.Insert = q
		}
		return rw, nil
	}}, nil
}

// ---- DELETE

func (b *binder) bindDelete(ds *pg.DeleteStmt) (*boundStmt, error) {
	if ds.WithClause != nil {
		return nil, notSupported("WITH in DELETE is not supported yet")
	}
	d, err := b.dmlTable(ds.Relation, "DELETE")
	if err != nil {
		return nil, err
	}
	// DELETE ... USING: the WHERE clause sees the target's and the USING tables' columns; a
	// target row is deleted when some combination satisfies it.
	var using logical.Node
	sc := d.scope
	if len(ds.UsingClause) > 0 {
		var usc *scope
		if using, usc, err = b.bindFrom(ds.UsingClause); err != nil {
			return nil, err
		}
		if sc, err = b.joinScopes(d.scope, usc, -1); err != nil {
			return nil, err
		}
	}
	var where logical.Expr
	if ds.WhereClause != nil {
		if where, err = b.bindExpr(ds.WhereClause, exprCtx{scope: sc, clause: "WHERE"}); err != nil {
			return nil, err
		}
		if where, err = b.toBool(where, "WHERE", nodeLoc(ds.WhereClause)); err != nil {
			return nil, err
		}
	}
	if len(ds.ReturningList) > 0 {
		if using != nil {
			return nil, notSupported("RETURNING with DELETE ... USING is not supported yet")
		}
		if d.ret, err = b.bindReturning(ds.ReturningList, d.scope); err != nil {
			return nil, err
		}
	}
	base := d.src.Base
	prunable := where
	if using != nil {
		prunable = nil // the condition also reads the USING tables' columns
	}
	return b.rewriteStmt(d, "delete", prunable, func(scan logical.Node) (logical.Node, error) {
		var in logical.Node = scan
		var dropped logical.Expr = &logical.Literal{Typ: catalog.Bool, Value: true}
		switch {
		case using != nil:
			cond := where
			if cond == nil {
				cond = &logical.Literal{Typ: catalog.Bool, Value: true}
			}
			in = &logical.Join{Left: scan, Right: using, Type: logical.JoinAnti, Cond: cond}
		case where != nil:
			dropped = isTrue(where)
			if d.ret == nil {
				in = &logical.Filter{Input: scan, Cond: not(dropped)}
			}
		case d.ret == nil:
			in = &logical.Filter{Input: scan, Cond: &logical.Literal{Typ: catalog.Bool, Value: false}}
		}
		exprs := make([]logical.Expr, 0, len(base)+2)
		names := make([]string, 0, len(base)+2)
		for i, f := range base {
			exprs = append(exprs, colRef(i, f))
			names = append(names, f.Name)
		}
		exprs = append(exprs, &logical.Literal{Typ: catalog.Bool, Value: false})
		names = append(names, "__tern_changed")
		if d.ret != nil { // deleted rows stay, flagged, so that RETURNING sees them
			exprs = append(exprs, dropped)
			names = append(names, "__tern_dropped")
		}
		return &logical.Project{Input: in, Exprs: exprs, Names: names}, nil
	}, nil)
}

// ---- UPDATE

func (b *binder) bindUpdate(us *pg.UpdateStmt) (*boundStmt, error) {
	if us.WithClause != nil {
		return nil, notSupported("WITH in UPDATE is not supported yet")
	}
	d, err := b.dmlTable(us.Relation, "UPDATE")
	if err != nil {
		return nil, err
	}
	// UPDATE ... FROM: each target row is joined with the FROM rows satisfying WHERE (a LEFT
	// SINGLE join: a target row matching several is an error, where PostgreSQL would pick one
	// of them arbitrarily); a marker column tells the rows that matched.
	var from logical.Node
	sc := d.scope
	if len(us.FromClause) > 0 {
		fnode, fsc, err := b.bindFrom(us.FromClause)
		if err != nil {
			return nil, err
		}
		var msc *scope
		from, msc = withMatchMarker(fnode, fsc)
		if sc, err = b.joinScopes(d.scope, msc, -1); err != nil {
			return nil, err
		}
		d.multi = "UPDATE ... FROM: a row of \"" + d.t.Ref.Name + "\" matches more than one row of the FROM list"
	}
	sets, err := b.bindSetList(us.TargetList, d.t, sc)
	if err != nil {
		return nil, err
	}
	var where logical.Expr
	if us.WhereClause != nil {
		if where, err = b.bindExpr(us.WhereClause, exprCtx{scope: sc, clause: "WHERE"}); err != nil {
			return nil, err
		}
		if where, err = b.toBool(where, "WHERE", nodeLoc(us.WhereClause)); err != nil {
			return nil, err
		}
	}
	if len(us.ReturningList) > 0 {
		// over the new values: the per-file projection's first columns
		if d.ret, err = b.bindReturning(us.ReturningList, d.scope); err != nil {
			if from != nil && errors.Is(err, errs.ErrNotFound) {
				return nil, notSupported("RETURNING with UPDATE ... FROM may name only the columns of \"%s\" in Tern: %v", d.t.Ref.Name, err)
			}
			return nil, err
		}
	}
	base := d.src.Base
	prunable := where
	if from != nil {
		prunable = nil // the condition also reads the FROM tables' columns
	}
	nt := len(d.scope.cols)
	return b.rewriteStmt(d, "update", prunable, func(scan logical.Node) (logical.Node, error) {
		var in logical.Node = scan
		hit := logical.Expr(&logical.Literal{Typ: catalog.Bool, Value: true})
		if where != nil {
			hit = isTrue(where)
		}
		if from != nil {
			cond := where
			if cond == nil {
				cond = &logical.Literal{Typ: catalog.Bool, Value: true}
			}
			in = &logical.Join{Left: scan, Right: from, Type: logical.JoinSingle, Cond: cond}
			fw := len(from.Schema())
			hit = call(proto.FnIsNotNull, catalog.Bool, colRef(nt+fw-1, logical.Field{Name: "__tern_matched", Type: catalog.Bool, Nullable: true}))
		}
		exprs, names := setColumns(base, sets, hit)
		if d.ret != nil {
			exprs = append(exprs, &logical.Literal{Typ: catalog.Bool, Value: false})
			names = append(names, "__tern_dropped")
		}
		return &logical.Project{Input: in, Exprs: exprs, Names: names}, nil
	}, nil)
}

// bindSetList binds SET col = expr, ... (assignment casts to the columns' types).
func (b *binder) bindSetList(targets []*pg.Node, t catalog.Table, sc *scope) (map[int]logical.Expr, error) {
	sets := map[int]logical.Expr{}
	for _, n := range targets {
		rt := n.GetResTarget()
		if rt == nil {
			return nil, notSupported("this SET item is not supported")
		}
		if len(rt.Indirection) > 0 {
			return nil, b.errAt(rt.Location, notSupported("assigning to parts of a column is not supported"))
		}
		ci := -1
		for i, c := range t.Columns {
			if c.Name == rt.Name {
				ci = i
			}
		}
		if ci < 0 {
			return nil, b.errAt(rt.Location, logical.Errorf(errs.ErrNotFound, "column \"%s\" of relation \"%s\" does not exist", rt.Name, t.Ref.Name))
		}
		if _, dup := sets[ci]; dup {
			return nil, b.errAt(rt.Location, logical.Errorf(errs.ErrInvalidArgument, "multiple assignments to same column \"%s\"", rt.Name))
		}
		col := t.Columns[ci]
		var e logical.Expr
		if rt.Val.GetSetToDefault() != nil {
			d, err := b.defaultExpr(col, rt.Location)
			if err != nil {
				return nil, err
			}
			e = d
		} else {
			v, err := b.bindExpr(rt.Val, exprCtx{scope: sc, clause: "UPDATE"})
			if err != nil {
				return nil, err
			}
			if e, err = b.coerceAssign(v, col.Type, col.Name, rt.Location); err != nil {
				return nil, err
			}
		}
		sets[ci] = e
	}
	return sets, nil
}

// ---- MERGE

func (b *binder) bindMerge(ms *pg.MergeStmt) (*boundStmt, error) {
	if len(ms.ReturningList) > 0 {
		return nil, notSupported("RETURNING is not supported yet")
	}
	if ms.WithClause != nil {
		return nil, notSupported("WITH in MERGE is not supported yet")
	}
	d, err := b.dmlTable(ms.Relation, "MERGE")
	if err != nil {
		return nil, err
	}
	// The source, with a marker column that is NULL in the target rows it does not match.
	srcNode, srcScope, err := b.bindFromItem(ms.SourceRelation)
	if err != nil {
		return nil, err
	}
	b.estimateSourceReads(srcNode, int64(len(d.files))+1) // dryrun.go: read per target file and for NOT MATCHED
	srcSch := srcNode.Schema()
	marked, markedScope := withMatchMarker(srcNode, srcScope)

	// Target-then-source scope for MATCHED clauses, source-then-target for the anti join.
	ts, err := b.joinScopes(d.scope, markedScope, -1)
	if err != nil {
		return nil, err
	}
	cond, err := b.bindExpr(ms.JoinCondition, exprCtx{scope: ts, clause: "MERGE ON"})
	if err != nil {
		return nil, err
	}
	if cond, err = b.toBool(cond, "MERGE ON", nodeLoc(ms.JoinCondition)); err != nil {
		return nil, err
	}
	nt := len(d.scope.cols)
	matched := call(proto.FnIsNotNull, catalog.Bool, colRef(nt+len(srcSch), logical.Field{Name: "__tern_matched", Type: catalog.Bool, Nullable: true}))

	type action struct {
		pick   logical.Expr
		delete bool
		sets   map[int]logical.Expr
		insert []logical.Expr // NOT MATCHED: values for every table column
	}
	var upd []action
	var ins []action
	var anyUpd, anyIns logical.Expr
	base := d.src.Base
	for _, wn := range ms.MergeWhenClauses {
		w := wn.GetMergeWhenClause()
		if w == nil {
			return nil, notSupported("this MERGE clause is not supported")
		}
		switch w.MatchKind {
		case pg.MergeMatchKind_MERGE_WHEN_MATCHED:
			sel := logical.Expr(matched)
			if w.Condition != nil {
				c, err := b.bindExpr(w.Condition, exprCtx{scope: ts, clause: "WHEN"})
				if err != nil {
					return nil, err
				}
				sel = call(proto.FnAnd, catalog.Bool, matched, c)
			}
			pick := isTrue(sel)
			if anyUpd != nil {
				pick = call(proto.FnAnd, catalog.Bool, pick, not(anyUpd))
				anyUpd = call(proto.FnOr, catalog.Bool, anyUpd, isTrue(sel))
			} else {
				anyUpd = isTrue(sel)
			}
			a := action{pick: pick}
			switch w.CommandType {
			case pg.CmdType_CMD_DELETE:
				a.delete = true
			case pg.CmdType_CMD_UPDATE:
				if a.sets, err = b.bindSetList(w.TargetList, d.t, ts); err != nil {
					return nil, err
				}
			case pg.CmdType_CMD_NOTHING:
			default:
				return nil, notSupported("WHEN MATCHED THEN %s is not allowed", w.CommandType)
			}
			upd = append(upd, a)
		case pg.MergeMatchKind_MERGE_WHEN_NOT_MATCHED_BY_TARGET:
			var sel logical.Expr = &logical.Literal{Typ: catalog.Bool, Value: true}
			if w.Condition != nil {
				c, err := b.bindExpr(w.Condition, exprCtx{scope: srcScope, clause: "WHEN"})
				if err != nil {
					return nil, err
				}
				sel = c
			}
			pick := isTrue(sel)
			if anyIns != nil {
				pick = call(proto.FnAnd, catalog.Bool, pick, not(anyIns))
				anyIns = call(proto.FnOr, catalog.Bool, anyIns, isTrue(sel))
			} else {
				anyIns = isTrue(sel)
			}
			a := action{pick: pick}
			switch w.CommandType {
			case pg.CmdType_CMD_INSERT:
				vals, err := b.mergeInsertValues(w, d.t, srcScope)
				if err != nil {
					return nil, err
				}
				a.insert = vals
			case pg.CmdType_CMD_NOTHING:
			default:
				return nil, notSupported("WHEN NOT MATCHED THEN %s is not allowed", w.CommandType)
			}
			ins = append(ins, a)
		default:
			return nil, notSupported("WHEN NOT MATCHED BY SOURCE is not supported yet")
		}
	}

	perFile := func(scan logical.Node) (logical.Node, error) {
		j := &logical.Join{Left: scan, Right: marked, Type: logical.JoinSingle, Cond: cond}
		var in logical.Node = j
		var dels []logical.Expr
		var changed []logical.Expr
		for _, a := range upd {
			if a.delete {
				dels = append(dels, a.pick)
			} else if a.sets != nil {
				changed = append(changed, a.pick)
			}
		}
		if len(dels) > 0 {
			in = &logical.Filter{Input: j, Cond: not(orAll(dels))}
		}
		exprs := make([]logical.Expr, 0, len(base)+1)
		names := make([]string, 0, len(base)+1)
		for i, f := range base {
			var e logical.Expr = colRef(i, f)
			var whens []logical.When
			for _, a := range upd {
				if v, ok := a.sets[i]; ok {
					whens = append(whens, logical.When{Cond: a.pick, Result: v})
				}
			}
			if len(whens) > 0 {
				e = &logical.Case{Whens: whens, Else: e, Typ: f.Type}
			}
			exprs = append(exprs, e)
			names = append(names, f.Name)
		}
		var flag logical.Expr = &logical.Literal{Typ: catalog.Bool, Value: false}
		if len(changed) > 0 {
			flag = orAll(changed)
		}
		exprs = append(exprs, flag)
		names = append(names, "__tern_changed")
		return &logical.Project{Input: in, Exprs: exprs, Names: names}, nil
	}

	var insert logical.Node
	if len(ins) > 0 {
		// Source rows that match no target row of the snapshot.
		st, err := b.joinScopes(srcScope, d.scope, -1)
		if err != nil {
			return nil, err
		}
		acond, err := b.bindExpr(ms.JoinCondition, exprCtx{scope: st, clause: "MERGE ON"})
		if err != nil {
			return nil, err
		}
		allScan, err := d.scanFiles(b.ctx, d.files)
		if err != nil {
			return nil, err
		}
		anti := &logical.Join{Left: srcNode, Right: allScan, Type: logical.JoinAnti, Cond: acond}
		var picks []logical.Expr
		for _, a := range ins {
			if a.insert != nil {
				picks = append(picks, a.pick)
			}
		}
		if len(picks) > 0 {
			f := &logical.Filter{Input: anti, Cond: orAll(picks)}
			exprs := make([]logical.Expr, len(base))
			names := make([]string, len(base))
			for i, col := range base {
				var whens []logical.When
				for _, a := range ins {
					if a.insert != nil {
						whens = append(whens, logical.When{Cond: a.pick, Result: a.insert[i]})
					}
				}
				exprs[i] = &logical.Case{Whens: whens, Else: &logical.Literal{Typ: col.Type}, Typ: col.Type}
				names[i] = col.Name
			}
			insert = &logical.Project{Input: f, Exprs: exprs, Names: names}
		}
	}
	// Every target file may hold a matching row: MERGE reads them all, and keeps the files
	// where nothing changed.
	return b.rewriteStmt(d, "merge", nil, perFile, insert)
}

func orAll(es []logical.Expr) logical.Expr {
	if len(es) == 1 {
		return es[0]
	}
	return call(proto.FnOr, catalog.Bool, es...)
}

// mergeInsertValues binds INSERT [(cols)] VALUES (...) | DEFAULT VALUES of a NOT MATCHED
// clause: one expression per table column, over the source's scope.
func (b *binder) mergeInsertValues(w *pg.MergeWhenClause, t catalog.Table, sc *scope) ([]logical.Expr, error) {
	out := make([]logical.Expr, len(t.Columns))
	targets := make([]int, 0, len(t.Columns))
	if len(w.TargetList) == 0 {
		for i := range t.Columns {
			targets = append(targets, i)
		}
	} else {
		for _, n := range w.TargetList {
			rt := n.GetResTarget()
			ci := -1
			for i, c := range t.Columns {
				if rt != nil && c.Name == rt.Name {
					ci = i
				}
			}
			if ci < 0 {
				return nil, logical.Errorf(errs.ErrNotFound, "column \"%s\" of relation \"%s\" does not exist", rt.GetName(), t.Ref.Name)
			}
			targets = append(targets, ci)
		}
	}
	if len(w.Values) > len(targets) {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "INSERT has more expressions than target columns")
	}
	for i, v := range w.Values {
		col := t.Columns[targets[i]]
		if v.GetSetToDefault() != nil {
			continue // filled with the default below
		}
		e, err := b.bindExpr(v, exprCtx{scope: sc, clause: "VALUES"})
		if err != nil {
			return nil, err
		}
		if out[targets[i]], err = b.coerceAssign(e, col.Type, col.Name, nodeLoc(v)); err != nil {
			return nil, err
		}
	}
	for i, c := range t.Columns {
		if out[i] == nil {
			d, err := b.defaultExpr(c, -1)
			if err != nil {
				return nil, err
			}
			out[i] = d
		}
	}
	return out, nil
}

func withChanged(s *arrow.Schema) *arrow.Schema {
	fields := append(append([]arrow.Field{}, s.Fields()...), arrow.Field{Name: "__tern_changed", Type: arrow.FixedWidthTypes.Boolean, Nullable: true})
	return arrow.NewSchema(fields, nil)
}

// withMatchMarker appends to a source a column that is TRUE in its rows, so that after a LEFT
// (SINGLE) join from the target it tells the target rows that matched (NOT NULL); hidden from
// names.
func withMatchMarker(src logical.Node, sc *scope) (logical.Node, *scope) {
	sch := src.Schema()
	exprs := make([]logical.Expr, 0, len(sch)+1)
	names := make([]string, 0, len(sch)+1)
	quals := make([]string, 0, len(sch)+1)
	for i, f := range sch {
		exprs = append(exprs, colRef(i, f))
		names = append(names, f.Name)
		quals = append(quals, f.Qualifier)
	}
	exprs = append(exprs, &logical.Literal{Typ: catalog.Bool, Value: true})
	names = append(names, "__tern_matched")
	quals = append(quals, "")
	msc := &scope{cols: append(append([]scopeCol{}, sc.cols...), scopeCol{name: "__tern_matched", typ: catalog.Bool, nullable: true, hidden: true}), star: sc.star}
	return &logical.Project{Input: src, Exprs: exprs, Names: names, Quals: quals}, msc
}

// setColumns is the row an UPDATE writes: each column, or where hit its SET value, then the
// changed flag (hit).
func setColumns(base logical.Schema, sets map[int]logical.Expr, hit logical.Expr) ([]logical.Expr, []string) {
	exprs := make([]logical.Expr, 0, len(base)+2)
	names := make([]string, 0, len(base)+2)
	for i, f := range base {
		var e logical.Expr = colRef(i, f)
		if v, ok := sets[i]; ok {
			e = &logical.Case{Whens: []logical.When{{Cond: hit, Result: v}}, Else: e, Typ: f.Type}
		}
		exprs = append(exprs, e)
		names = append(names, f.Name)
	}
	return append(exprs, hit), append(names, "__tern_changed")
}
