package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// on_conflict.go: INSERT ... ON CONFLICT [(cols) | ON CONSTRAINT name] DO NOTHING | DO UPDATE
// SET ... [WHERE ...], planned as a MERGE of the inserted rows into the table on the declared
// key (keys are not enforced otherwise, but ON CONFLICT needs one to know what conflicts):
// rows matching a target row on the key update it (DO UPDATE, with EXCLUDED naming the row
// proposed for insertion) or are skipped (DO NOTHING); the others are inserted. A target row
// matched by two inserted rows is an error, as in PostgreSQL, and so are two inserted rows
// with the same new key (PostgreSQL's DO NOTHING would insert the first).
func (b *binder) bindOnConflict(is *pg.InsertStmt, t catalog.Table, root logical.Node) (*boundStmt, error) {
	oc := is.OnConflictClause
	key, err := conflictKey(t, oc.Infer)
	if err != nil {
		return nil, b.errAt(oc.Location, err)
	}
	d, err := b.dmlTable(is.Relation, "INSERT ... ON CONFLICT")
	if err != nil {
		return nil, err
	}
	nt := len(d.scope.cols)
	if len(is.ReturningList) > 0 { // the rows inserted or updated, as PostgreSQL returns them
		if d.ret, err = b.bindReturning(is.ReturningList, d.scope); err != nil {
			return nil, err
		}
	}
	// The proposed rows, named EXCLUDED, with a marker that is NULL where they match nothing.
	src := root.Schema()
	mexprs := make([]logical.Expr, 0, len(src)+1)
	mnames := make([]string, 0, len(src)+1)
	mquals := make([]string, 0, len(src)+1)
	exScope := &scope{}
	for i, f := range src {
		mexprs = append(mexprs, colRef(i, f))
		mnames = append(mnames, f.Name)
		mquals = append(mquals, "excluded")
		exScope.cols = append(exScope.cols, scopeCol{qual: "excluded", name: t.Columns[i].Name, typ: f.Type, nullable: f.Nullable})
		exScope.star = append(exScope.star, i)
	}
	mexprs = append(mexprs, &logical.Literal{Typ: catalog.Bool, Value: true})
	mnames = append(mnames, "__tern_matched")
	mquals = append(mquals, "")
	exScope.cols = append(exScope.cols, scopeCol{name: "__tern_matched", typ: catalog.Bool, nullable: true, hidden: true})
	marked := &logical.Project{Input: root, Exprs: mexprs, Names: mnames, Quals: mquals}

	// target.k = excluded.k for every key column; over target-then-proposed and
	// proposed-then-target rows
	var conds, anti []logical.Expr
	for _, k := range key {
		i := columnIndex(t, k)
		tf := logical.Field{Name: k, Type: t.Columns[i].Type, Nullable: true}
		conds = append(conds, call(proto.FnEqual, catalog.Bool, colRef(i, tf), colRef(nt+i, tf)))
		anti = append(anti, call(proto.FnEqual, catalog.Bool, colRef(i, tf), colRef(len(src)+i, tf)))
	}
	cond, antiCond := andAll(conds), andAll(anti)

	// rows that conflict with nothing are inserted
	allScan, err := d.scanFiles(b.ctx, d.files)
	if err != nil {
		return nil, err
	}
	newRows := func() logical.Node {
		return &logical.Join{Left: root, Right: allScan, Type: logical.JoinAnti, Cond: antiCond}
	}
	// Two proposed rows with the same new key: PostgreSQL inserts the first (DO NOTHING) or
	// fails (DO UPDATE); Tern fails in both cases rather than pick one. A LEFT SINGLE join of
	// the new rows with themselves on the key finds them (each row matches itself once).
	var self []logical.Expr
	for _, k := range key {
		i := columnIndex(t, k)
		tf := logical.Field{Name: k, Type: t.Columns[i].Type, Nullable: true}
		self = append(self, call(proto.FnEqual, catalog.Bool, colRef(i, tf), colRef(len(src)+i, tf)))
	}
	checked := &logical.Join{Left: newRows(), Right: newRows(), Type: logical.JoinSingle, Cond: andAll(self)}
	iexprs := make([]logical.Expr, len(src))
	inames := make([]string, len(src))
	for i, f := range src {
		iexprs[i], inames[i] = colRef(i, f), f.Name
	}
	insert := &logical.Project{Input: checked, Exprs: iexprs, Names: inames}
	d.multi = "ON CONFLICT DO NOTHING: two rows proposed for insertion have the same key; Tern does not pick one"

	if oc.Action != pg.OnConflictAction_ONCONFLICT_UPDATE {
		// DO NOTHING: no existing file changes
		d.files = nil
		return b.rewriteStmt(d, "insert", nil, func(scan logical.Node) (logical.Node, error) { return scan, nil }, insert)
	}
	ts, err := b.joinScopes(d.scope, exScope, -1)
	if err != nil {
		return nil, err
	}
	sets, err := b.bindSetList(oc.TargetList, t, ts)
	if err != nil {
		return nil, err
	}
	matched := call(proto.FnIsNotNull, catalog.Bool, colRef(nt+len(src), logical.Field{Name: "__tern_matched", Type: catalog.Bool, Nullable: true}))
	hit := logical.Expr(matched)
	if oc.WhereClause != nil {
		w, err := b.bindExpr(oc.WhereClause, exprCtx{scope: ts, clause: "WHERE"})
		if err != nil {
			return nil, err
		}
		if w, err = b.toBool(w, "WHERE", nodeLoc(oc.WhereClause)); err != nil {
			return nil, err
		}
		hit = call(proto.FnAnd, catalog.Bool, matched, w)
	}
	hit = isTrue(hit)
	base := d.src.Base
	d.multi = "ON CONFLICT DO UPDATE command cannot affect row a second time"
	return b.rewriteStmt(d, "upsert", nil, func(scan logical.Node) (logical.Node, error) {
		j := &logical.Join{Left: scan, Right: marked, Type: logical.JoinSingle, Cond: cond}
		exprs, names := setColumns(base, sets, hit)
		if d.ret != nil {
			exprs = append(exprs, &logical.Literal{Typ: catalog.Bool, Value: false})
			names = append(names, "__tern_dropped")
		}
		return &logical.Project{Input: j, Exprs: exprs, Names: names}, nil
	}, insert)
}

func andAll(es []logical.Expr) logical.Expr {
	if len(es) == 1 {
		return es[0]
	}
	return call(proto.FnAnd, catalog.Bool, es...)
}

// conflictKey finds the declared key an ON CONFLICT names: the constraint (ON CONSTRAINT), the
// PRIMARY KEY or UNIQUE constraint (or unique index) with exactly the listed columns, or with
// no target the primary key.
func conflictKey(t catalog.Table, inf *pg.InferClause) ([]string, error) {
	noMatch := logical.Errorf(errs.ErrInvalidArgument, "there is no unique or exclusion constraint matching the ON CONFLICT specification")
	if inf == nil {
		for _, c := range t.Constraints {
			if c.Kind == catalog.ConstraintPrimaryKey {
				return c.Columns, nil
			}
		}
		return nil, logical.Errorf(errs.ErrNotSupported, "ON CONFLICT without a conflict target needs a primary key on \"%s\" in Tern (name the key columns)", t.Ref.Name)
	}
	if inf.Conname != "" {
		for _, c := range t.Constraints {
			if c.Name == inf.Conname && (c.Kind == catalog.ConstraintPrimaryKey || c.Kind == catalog.ConstraintUnique) {
				return c.Columns, nil
			}
		}
		return nil, logical.Errorf(errs.ErrNotFound, "constraint \"%s\" for table \"%s\" does not exist", inf.Conname, t.Ref.Name)
	}
	if inf.WhereClause != nil {
		return nil, notSupported("ON CONFLICT with a partial index predicate is not supported")
	}
	var cols []string
	for _, n := range inf.IndexElems {
		e := n.GetIndexElem()
		if e == nil || e.Name == "" {
			return nil, notSupported("ON CONFLICT on expressions is not supported")
		}
		if columnIndex(t, e.Name) < 0 {
			return nil, logical.Errorf(errs.ErrNotFound, "column \"%s\" does not exist", e.Name)
		}
		cols = append(cols, e.Name)
	}
	for _, c := range t.Constraints {
		if (c.Kind == catalog.ConstraintPrimaryKey || c.Kind == catalog.ConstraintUnique) && sameSet(c.Columns, cols) {
			return cols, nil
		}
	}
	for _, ix := range t.Indexes {
		if ix.Unique && sameSet(ix.Columns, cols) {
			return cols, nil
		}
	}
	return nil, noMatch
}
