package planner

import (
	"errors"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/functions"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// bindFrom binds the FROM list: items are cross-joined (conditions come from WHERE and are
// pushed into the joins by the optimizer). No FROM: one empty row.
func (b *binder) bindFrom(items []*pg.Node) (logical.Node, *scope, error) {
	if len(items) == 0 {
		return &logical.Values{Rows: [][]logical.Expr{{}}}, &scope{}, nil
	}
	var node logical.Node
	var sc *scope
	savedLeft, savedHit := b.lateralLeft, b.lateralHit
	defer func() { b.lateralLeft, b.lateralHit = savedLeft, savedHit }()
	for _, it := range items {
		b.lateralLeft, b.lateralHit = sc, false // LATERAL items see the items before them
		n, s, err := b.bindFromItem(it)
		if err != nil {
			return nil, nil, err
		}
		if node == nil {
			node, sc = n, s
			continue
		}
		if sc, err = b.joinScopes(sc, s, nodeLocFrom(it)); err != nil {
			return nil, nil, err
		}
		if b.lateralHit {
			node = &logical.LateralJoin{Left: node, Right: n, Type: logical.JoinInner}
			continue
		}
		node = &logical.Join{Left: node, Right: n, Type: logical.JoinInner}
	}
	return node, sc, nil
}

func nodeLocFrom(n *pg.Node) int32 {
	if rv := n.GetRangeVar(); rv != nil {
		return rv.Location
	}
	return -1
}

// joinScopes concatenates two scopes, refusing a table name used twice.
func (b *binder) joinScopes(l, r *scope, loc int32) (*scope, error) {
	seen := map[string]bool{}
	for _, c := range l.cols {
		if c.qual != "" {
			seen[c.qual] = true
		}
	}
	for _, c := range r.cols {
		if c.qual != "" && seen[c.qual] {
			return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "table name \"%s\" specified more than once", c.qual))
		}
	}
	out := &scope{cols: append(append([]scopeCol{}, l.cols...), r.cols...)}
	out.star = append(out.star, l.star...)
	for _, i := range r.star {
		out.star = append(out.star, i+len(l.cols))
	}
	return out, nil
}

func (b *binder) bindFromItem(n *pg.Node) (logical.Node, *scope, error) {
	switch x := n.Node.(type) {
	case *pg.Node_RangeVar:
		return b.bindTable(x.RangeVar)
	case *pg.Node_JoinExpr:
		if b.lateralLeft != nil && hasLateralItem(n) {
			// its LATERAL items may read the FROM items before the join, too
			return b.bindLateral(func() (logical.Node, *scope, error) { return b.bindJoin(x.JoinExpr) }) // bind_lateral.go
		}
		return b.bindJoin(x.JoinExpr)
	case *pg.Node_RangeFunction:
		// functions in FROM are LATERAL whether or not they say so (PostgreSQL)
		return b.bindLateral(func() (logical.Node, *scope, error) { return b.bindRangeFunction(x.RangeFunction) })
	case *pg.Node_RangeSubselect:
		rs := x.RangeSubselect
		sel := rs.Subquery.GetSelectStmt()
		if sel == nil {
			return nil, nil, notSupported("this subquery in FROM is not supported yet")
		}
		if rs.Lateral {
			return b.bindLateral(func() (logical.Node, *scope, error) { return b.bindSubselect(rs, sel) }) // bind_lateral.go
		}
		return b.bindSubselect(rs, sel)
	}
	return nil, nil, notSupported("this FROM item is not supported yet")
}

// bindSubselect binds a subquery in FROM under its alias. Its own FROM items start a new
// LATERAL context.
func (b *binder) bindSubselect(rs *pg.RangeSubselect, sel *pg.SelectStmt) (logical.Node, *scope, error) {
	savedLeft := b.lateralLeft
	b.lateralLeft = nil
	node, err := b.bindQuery(sel)
	b.lateralLeft = savedLeft
	if err != nil {
		return nil, nil, err
	}
	alias := ""
	if rs.Alias != nil {
		alias = rs.Alias.Aliasname
	}
	return b.aliased(node, alias, rs.Alias)
}

// aliased renames a relation's outputs under alias (with optional column aliases).
func (b *binder) aliased(node logical.Node, qual string, alias *pg.Alias) (logical.Node, *scope, error) {
	sch := node.Schema()
	exprs := make([]logical.Expr, len(sch))
	names := make([]string, len(sch))
	quals := make([]string, len(sch))
	var colAliases []*pg.Node
	if alias != nil {
		colAliases = alias.Colnames
	}
	if len(colAliases) > len(sch) {
		return nil, nil, logical.Errorf(errs.ErrInvalidArgument, "table \"%s\" has %d columns available but %d columns specified", qual, len(sch), len(colAliases))
	}
	for i, f := range sch {
		exprs[i] = &logical.Column{Index: i, Name: f.Name, Typ: f.Type, Null: f.Nullable}
		names[i], quals[i] = f.Name, qual
		if i < len(colAliases) {
			names[i] = strVal(colAliases[i])
		}
	}
	p := &logical.Project{Input: node, Exprs: exprs, Names: names, Quals: quals}
	return p, scopeOf(p.Schema()), nil
}

// lookupTable resolves a table name, with PostgreSQL's error for unknown relations.
func (b *binder) lookupTable(rv *pg.RangeVar) (catalog.Table, error) {
	if rv.Catalogname != "" && rv.Catalogname != catalog.CatalogName {
		return catalog.Table{}, b.errAt(rv.Location, notSupported("cross-database references are not implemented: %s", relName(rv)))
	}
	t, err := b.p.cat.GetTable(b.ctx, b.existingRef(rv))
	if err != nil {
		if errors.Is(err, errs.ErrNotFound) {
			return catalog.Table{}, b.errAt(rv.Location, logical.Errorf(errs.ErrNotFound, "relation \"%s\" does not exist", relName(rv)))
		}
		return catalog.Table{}, err
	}
	return t, nil
}

// nativeSource describes the current snapshot of a catalog table (t.CurrentSnapshot, which
// time travel sets) through its connector's handle, and pins the snapshot.
func (b *binder) nativeSource(t catalog.Table) (*logical.Source, error) {
	base := make(logical.Schema, len(t.Columns))
	for i, c := range t.Columns {
		base[i] = logical.Field{Name: c.Name, Type: c.Type, Nullable: c.Nullable}
	}
	if !b.prepare && b.p.tables == nil {
		return nil, logical.Errorf(errs.ErrInternal, "planner has no table file resolver")
	}
	tb, err := b.p.tableHandle(b.ctx, t, b.sess.User) // connectors.go
	if err != nil {
		return nil, err
	}
	src := &logical.Source{Connector: t.SourceName(), Table: tb, Name: t.Ref.Name, Snapshot: t.CurrentSnapshot, Base: base, EstRows: -1}
	b.snapshots[t.ID] = t.CurrentSnapshot
	if t.CurrentSnapshot != catalog.NoSnapshot {
		if snap, err := b.p.cat.Snapshot(b.ctx, t.ID, t.CurrentSnapshot); err == nil {
			src.EstRows = snap.Rows()
		}
		if ss, ok := b.p.cat.(catalog.StatsReader); ok {
			if st, err := ss.TableStats(b.ctx, t.Ref); err == nil {
				src.Stats = &st
			}
		}
	} else if !t.IsForeign() { // a foreign table's size is unknown, not zero
		src.EstRows = 0
	}
	return src, nil
}

func (b *binder) bindTable(rv *pg.RangeVar) (logical.Node, *scope, error) {
	if rv.Schemaname == "" && rv.Catalogname == "" {
		if w, err := b.workTableRef(rv); err != nil || w != nil { // bind_recursive.go
			if err != nil {
				return nil, nil, err
			}
			return b.bindWorkTable(w, rv)
		}
		if c := b.lookupCTE(rv.Relname); c != nil {
			return b.bindCTERef(c, rv)
		}
	}
	if n, sc, ok, err := b.systemView(rv); ok { // sysviews.go
		return n, sc, err
	}
	t, err := b.lookupTable(rv)
	if err != nil {
		return nil, nil, err
	}
	if _, ok := t.Options[viewOption]; ok {
		return b.bindView(t, rv)
	}
	if t.IsForeign() && t.Source == "files" {
		return b.bindFilesForeign(t, rv) // bind_foreign_table.go
	}
	src, err := b.nativeSource(t)
	if err != nil {
		return nil, nil, err
	}
	qual := rv.Relname
	if rv.Alias != nil && rv.Alias.Aliasname != "" {
		qual = rv.Alias.Aliasname
	}
	return b.scanOf(src, qual, rv.Alias)
}

func (b *binder) scanOf(src *logical.Source, qual string, alias *pg.Alias) (logical.Node, *scope, error) {
	cols := make([]int, len(src.Base))
	for i := range cols {
		cols[i] = i
	}
	var node logical.Node = &logical.Scan{Source: src, Qualifier: qual, Columns: cols}
	if alias != nil && len(alias.Colnames) > 0 {
		return b.aliased(node, qual, alias)
	}
	return node, scopeOf(node.Schema()), nil
}

func (b *binder) bindRangeFunction(rf *pg.RangeFunction) (logical.Node, *scope, error) {
	if fc := jsonEachOf(rf); fc != nil && !rf.IsRowsfrom {
		return b.bindJSONEachFrom(fc, rf) // bind_json.go
	}
	if fc := setFuncOf(rf); fc != nil {
		name := lowerName(fc.Funcname)
		fn, _ := functions.SetFuncBySQL(name)
		return b.bindSetFuncFrom(fn, name, fc, rf) // bind_setfunc.go
	}
	if rf.Ordinality || rf.IsRowsfrom || len(rf.Functions) != 1 {
		return nil, nil, notSupported("this function in FROM is not supported yet")
	}
	l := rf.Functions[0].GetList()
	if l == nil || len(l.Items) == 0 {
		return nil, nil, notSupported("this function in FROM is not supported yet")
	}
	fc := l.Items[0].GetFuncCall()
	if fc == nil {
		return nil, nil, notSupported("this function in FROM is not supported yet")
	}
	name := lowerName(fc.Funcname)
	if name == "as_of" || name == "snapshots" {
		return b.bindTimeTravel(name, fc, rf) // timetravel.go
	}
	if isLastQuery(fc) {
		return b.bindLastQuery(fc, rf) // lastquery.go
	}
	if _, ok := readFunctions[name]; ok {
		return b.bindReadFunction(name, fc, rf) // bind_files.go
	}
	return nil, nil, b.errAt(fc.Location, logical.Errorf(errs.ErrNotFound, "function %s does not exist", name))
}

// checkPath asks FileAccess whether SQL may read path.
func (b *binder) checkPath(path string, loc int32) (string, error) {
	if b.p.files == nil {
		return "", b.errAt(loc, logical.Errorf(errs.ErrPermissionDenied, "reading files is not allowed: %s", path))
	}
	abs, err := b.p.files.CheckRead(path)
	if err != nil {
		// A missing file inside an allowed directory stays NotFound (FileAccess says so only
		// there); anything else unexpected is refused.
		if !errors.Is(err, errs.ErrPermissionDenied) && !errors.Is(err, errs.ErrNotFound) {
			err = logical.Errorf(errs.ErrPermissionDenied, "%s", err.Error())
		}
		return "", b.errAt(loc, err)
	}
	return abs, nil
}

func (b *binder) bindJoin(j *pg.JoinExpr) (logical.Node, *scope, error) {
	jt := logical.JoinInner
	switch j.Jointype {
	case pg.JoinType_JOIN_INNER:
	case pg.JoinType_JOIN_LEFT:
		jt = logical.JoinLeft
	case pg.JoinType_JOIN_RIGHT:
		jt = logical.JoinRight
	case pg.JoinType_JOIN_FULL:
		jt = logical.JoinFull
	default:
		return nil, nil, notSupported("this join type is not supported yet")
	}
	if j.Alias != nil || j.JoinUsingAlias != nil {
		return nil, nil, notSupported("aliases on JOIN are not supported yet")
	}
	// a recursive reference may not sit on an outer join's null-extended side
	if jt == logical.JoinRight || jt == logical.JoinFull {
		b.rec.nullable++
	}
	l, ls, err := b.bindFromItem(j.Larg)
	if jt == logical.JoinRight || jt == logical.JoinFull {
		b.rec.nullable--
	}
	if err != nil {
		return nil, nil, err
	}
	// the right item may be LATERAL over the left one
	savedLeft, savedHit := b.lateralLeft, b.lateralHit
	b.lateralLeft, b.lateralHit = ls, false
	if jt == logical.JoinLeft || jt == logical.JoinFull {
		b.rec.nullable++
	}
	r, rs, err := b.bindFromItem(j.Rarg)
	if jt == logical.JoinLeft || jt == logical.JoinFull {
		b.rec.nullable--
	}
	lateral := b.lateralHit
	b.lateralLeft, b.lateralHit = savedLeft, savedHit
	if err != nil {
		return nil, nil, err
	}
	if lateral && (jt == logical.JoinRight || jt == logical.JoinFull) {
		return nil, nil, b.errAt(-1, logical.Errorf(errs.ErrInvalidArgument,
			"invalid reference to FROM-clause entry for table \"%s\"", ls.firstQual()))
	}
	sc, err := b.joinScopes(ls, rs, nodeLocFrom(j.Rarg))
	if err != nil {
		return nil, nil, err
	}
	// the null-extended side of an outer join reads NULL for unmatched rows: references to its
	// columns above the join are nullable whatever the table says (as Join.Schema has it)
	for i := range sc.cols {
		left := i < len(ls.cols)
		if (left && (jt == logical.JoinRight || jt == logical.JoinFull)) || (!left && (jt == logical.JoinLeft || jt == logical.JoinFull)) {
			sc.cols[i].nullable = true
		}
	}
	join := &logical.Join{Left: l, Right: r, Type: jt}
	using := j.UsingClause
	if j.IsNatural {
		using = nil
		for _, lc := range ls.cols {
			if lc.hidden {
				continue
			}
			for _, rc := range rs.cols {
				if rc.name == lc.name && !rc.hidden {
					using = append(using, &pg.Node{Node: &pg.Node_String_{String_: &pg.String{Sval: lc.name}}})
					break
				}
			}
		}
	}
	if len(using) > 0 {
		var conds []logical.Expr
		var front []int
		hidden := map[int]bool{}
		var merged [][2]int // (left, right) column pairs a FULL/RIGHT join must merge
		for _, u := range using {
			name := strVal(u)
			li, err := usingCol(ls, name, "left")
			if err != nil {
				return nil, nil, err
			}
			ri, err := usingCol(rs, name, "right")
			if err != nil {
				return nil, nil, err
			}
			lc, rc := ls.cols[li], rs.cols[ri]
			lcol := &logical.Column{Index: li, Name: name, Typ: lc.typ, Null: lc.nullable}
			rcol := &logical.Column{Index: len(ls.cols) + ri, Name: name, Typ: rc.typ, Null: rc.nullable}
			eq, err := b.binary("=", lcol, rcol, -1)
			if err != nil {
				return nil, nil, err
			}
			conds = append(conds, eq)
			front = append(front, li)
			hidden[len(ls.cols)+ri] = true
			// unqualified name resolves to the left column only
			sc.cols[len(ls.cols)+ri].hidden = true
			merged = append(merged, [2]int{li, len(ls.cols) + ri})
		}
		var star []int
		star = append(star, front...)
		inFront := map[int]bool{}
		for _, f := range front {
			inFront[f] = true
		}
		for _, i := range sc.star {
			if !inFront[i] && !hidden[i] {
				star = append(star, i)
			}
		}
		sc.star = star
		join.Cond = logical.And(conds...)
		if jt == logical.JoinRight || jt == logical.JoinFull {
			return b.mergeUsing(join, sc, merged)
		}
		if lateral {
			return lateralJoin(join), sc, nil
		}
	} else if j.Quals != nil {
		cond, err := b.bindExpr(j.Quals, exprCtx{scope: sc, clause: "JOIN conditions"})
		if err != nil {
			return nil, nil, err
		}
		if cond, err = b.toBool(cond, "JOIN/ON", nodeLoc(j.Quals)); err != nil {
			return nil, nil, err
		}
		join.Cond = cond
	}
	if lateral {
		return lateralJoin(join), sc, nil
	}
	return join, sc, nil
}

func usingCol(s *scope, name, side string) (int, error) {
	found := -1
	for i, c := range s.cols {
		if c.name == name && !c.hidden {
			if found >= 0 {
				return 0, logical.Errorf(errs.ErrInvalidArgument, "common column name \"%s\" appears more than once in %s table", name, side)
			}
			found = i
		}
	}
	if found < 0 {
		return 0, logical.Errorf(errs.ErrNotFound, "column \"%s\" specified in USING clause does not exist in %s table", name, side)
	}
	return found, nil
}

// mergeUsing gives a RIGHT or FULL join's USING columns their merged value (the right
// column for RIGHT, COALESCE(left, right) for FULL): a projection adds the merged columns,
// which take the unqualified names and the first places of *.
func (b *binder) mergeUsing(join *logical.Join, sc *scope, pairs [][2]int) (logical.Node, *scope, error) {
	sch := join.Schema()
	var exprs []logical.Expr
	var names, quals []string
	for i, f := range sch {
		exprs = append(exprs, &logical.Column{Index: i, Name: f.Name, Typ: f.Type, Null: f.Nullable})
		names, quals = append(names, f.Name), append(quals, sc.cols[i].qual)
	}
	out := &scope{cols: append([]scopeCol{}, sc.cols...)}
	var front []int
	inFront := map[int]bool{}
	for _, p := range pairs {
		l := exprs[p[0]].(*logical.Column)
		r := exprs[p[1]].(*logical.Column)
		var e logical.Expr = r
		if join.Type == logical.JoinFull {
			t, ok := commonType(l.Typ, r.Typ)
			if !ok {
				return nil, nil, logical.Errorf(errs.ErrInvalidArgument, "JOIN/USING types %s and %s cannot be matched", opTypeName(l.Typ), opTypeName(r.Typ))
			}
			lc, err := b.coerce(l, t)
			if err != nil {
				return nil, nil, err
			}
			rc, err := b.coerce(r, t)
			if err != nil {
				return nil, nil, err
			}
			e = &logical.Case{Whens: []logical.When{{Cond: &logical.Call{Fn: proto.FnIsNotNull, Args: []logical.Expr{lc}, Typ: catalog.Bool}, Result: lc}}, Else: rc, Typ: t}
		}
		out.cols[p[0]].hidden = true
		out.cols[p[1]].hidden = true
		front = append(front, len(exprs))
		inFront[p[0]], inFront[p[1]] = true, true
		out.cols = append(out.cols, scopeCol{name: l.Name, typ: e.Type(), nullable: e.Nullable()})
		exprs = append(exprs, e)
		names, quals = append(names, l.Name), append(quals, "")
	}
	out.star = append(out.star, front...)
	for _, i := range sc.star {
		if !inFront[i] {
			out.star = append(out.star, i)
		}
	}
	return &logical.Project{Input: join, Exprs: exprs, Names: names, Quals: quals}, out, nil
}
