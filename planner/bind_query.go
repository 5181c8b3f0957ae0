package planner

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// viewOption is the catalog.Table option holding a view's CREATE VIEW statement: a view is a
// table entry with no data whose query is bound again wherever the view is used.
const viewOption = "view"

// cte is one WITH entry, bound again (inlined) wherever it is referenced.
type cte struct {
	name  string
	query *pg.SelectStmt
	cols  []*pg.Node
	ctes  []*cte // the entries visible to this one (those before it; WITH RECURSIVE: all)

	recursive bool  // in WITH RECURSIVE (bind_recursive.go)
	location  int32 // of the entry, for errors

	// the enclosing queries' scopes where the WITH stands: an entry of a subquery may read
	// them (a correlated WITH), wherever below it is referenced
	outer  *scope
	outers []*scope
}

// bindQuery binds a full SELECT: WITH, set operations, ORDER BY and LIMIT around them.
func (b *binder) bindQuery(s *pg.SelectStmt) (logical.Node, error) {
	if s.WithClause != nil {
		saved := b.ctes
		defer func() { b.ctes = saved }()
		if err := b.pushWith(s.WithClause); err != nil {
			return nil, err
		}
	}
	if s.Op == pg.SetOperation_SETOP_NONE || s.Op == pg.SetOperation_SET_OPERATION_UNDEFINED {
		return b.bindSelect(s)
	}
	return b.bindSetOp(s)
}

// pushWith brings a WITH clause's entries into scope (the caller restores b.ctes).
func (b *binder) pushWith(w *pg.WithClause) error {
	{
		seen := map[string]bool{}
		for _, c := range w.Ctes {
			ce := c.GetCommonTableExpr()
			if ce == nil {
				continue
			}
			if seen[ce.Ctename] {
				return b.errAt(ce.Location, logical.Errorf(errs.ErrInvalidArgument, "WITH query name \"%s\" specified more than once", ce.Ctename))
			}
			seen[ce.Ctename] = true
			if ce.SearchClause != nil || ce.CycleClause != nil {
				return b.errAt(ce.Location, notSupported("SEARCH and CYCLE clauses of WITH RECURSIVE are not supported yet"))
			}
			sel := ce.Ctequery.GetSelectStmt()
			if sel == nil {
				return b.errAt(ce.Location, notSupported("only SELECT is supported in WITH"))
			}
			b.ctes = append(b.ctes, &cte{name: ce.Ctename, query: sel, cols: ce.Aliascolnames, ctes: append([]*cte{}, b.ctes...),
				recursive: w.Recursive, location: ce.Location, outer: b.outer, outers: b.outers})
		}
		if w.Recursive {
			// every entry of a WITH RECURSIVE sees every entry, itself included
			for _, c := range b.ctes {
				if c.recursive {
					c.ctes = b.ctes
				}
			}
		}
	}
	return nil
}

func (b *binder) bindSetOp(s *pg.SelectStmt) (logical.Node, error) {
	if s.Larg == nil || s.Rarg == nil {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "set operation needs two inputs")
	}
	// a plain SELECT input leaves its bare literals' types to the match (bind_setop_types.go)
	lleaf, rleaf := leafFor(s.Larg), leafFor(s.Rarg)
	lparams := append([]catalog.Type(nil), b.params...)
	l, err := b.bindLeaf(s.Larg, lleaf)
	if err != nil {
		return nil, err
	}
	rparams := append([]catalog.Type(nil), b.params...)
	r, err := b.bindLeaf(s.Rarg, rleaf)
	if err != nil {
		return nil, err
	}
	op, what := logical.SetUnion, "UNION"
	switch s.Op {
	case pg.SetOperation_SETOP_INTERSECT:
		op, what = logical.SetIntersect, "INTERSECT"
	case pg.SetOperation_SETOP_EXCEPT:
		op, what = logical.SetExcept, "EXCEPT"
	}
	ls, rs := l.Schema(), r.Schema()
	if len(ls) != len(rs) {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "each %s query must have the same number of columns", what)
	}
	types := make([]catalog.Type, len(ls))
	for i := range ls {
		lt, rt := leafType(lleaf, i, ls[i].Type), leafType(rleaf, i, rs[i].Type)
		t, ok := commonType(lt, rt)
		if !ok {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "%s types %s and %s cannot be matched", what, opTypeName(lt), opTypeName(rt))
		}
		if isUnknown(t) {
			t = catalog.Text
		}
		types[i] = t
	}
	if lt := lleaf.retype(types); lt != nil {
		b.unsetParams(lparams)
		if l, err = b.bindLeaf(s.Larg, &setopLeaf{unknown: map[int]bool{}, types: lt}); err != nil {
			return nil, err
		}
	}
	if rt := rleaf.retype(types); rt != nil {
		b.unsetParams(rparams)
		if r, err = b.bindLeaf(s.Rarg, &setopLeaf{unknown: map[int]bool{}, types: rt}); err != nil {
			return nil, err
		}
	}
	if l, err = b.castColumns(l, types); err != nil {
		return nil, err
	}
	if r, err = b.castColumns(r, types); err != nil {
		return nil, err
	}
	names := make([]string, len(ls))
	for i, f := range ls {
		names[i] = f.Name
	}
	var out logical.Node = &logical.SetOp{Left: l, Right: r, Op: op, All: s.All, Names: names}
	return b.orderLimit(out, s)
}

// castColumns brings n's columns to types (a projection when any differs).
func (b *binder) castColumns(n logical.Node, types []catalog.Type) (logical.Node, error) {
	sch := n.Schema()
	same := true
	exprs := make([]logical.Expr, len(sch))
	names := make([]string, len(sch))
	quals := make([]string, len(sch))
	for i, f := range sch {
		var e logical.Expr = &logical.Column{Index: i, Name: f.Name, Typ: f.Type, Null: f.Nullable}
		if !logical.TypesEqual(f.Type, types[i]) || (types[i].Kind == catalog.TypeText && f.Type.Precision != types[i].Precision) {
			same = false
			var err error
			if e, err = b.coerce(e, types[i]); err != nil {
				return nil, err
			}
		}
		exprs[i], names[i], quals[i] = e, f.Name, f.Qualifier
	}
	if same {
		return n, nil
	}
	return &logical.Project{Input: n, Exprs: exprs, Names: names, Quals: quals}, nil
}

// orderLimit applies the ORDER BY / LIMIT of a set operation (keys: output column names,
// ordinals or expressions over the output columns).
func (b *binder) orderLimit(out logical.Node, s *pg.SelectStmt) (logical.Node, error) {
	sch := out.Schema()
	if len(s.SortClause) > 0 {
		sc := scopeOf(sch)
		var keys []logical.SortKey
		for _, o := range s.SortClause {
			sb := o.GetSortBy()
			if sb == nil {
				continue
			}
			var e logical.Expr
			if i, ok := constInt(sb.Node); ok {
				if i < 1 || i > len(sch) {
					return nil, b.errAt(nodeLoc(sb.Node), logical.Errorf(errs.ErrInvalidArgument, "ORDER BY position %d is not in select list", i))
				}
				f := sch[i-1]
				e = &logical.Column{Index: i - 1, Name: f.Name, Typ: f.Type, Null: f.Nullable}
			} else {
				var err error
				if e, err = b.bindExpr(sb.Node, exprCtx{scope: sc, clause: "ORDER BY"}); err != nil {
					return nil, err
				}
			}
			keys = append(keys, sortKey(e, sb))
		}
		out = &logical.Sort{Input: out, Keys: keys}
	}
	return b.limit(out, s)
}

func sortKey(e logical.Expr, sb *pg.SortBy) logical.SortKey {
	k := logical.SortKey{Expr: e, Desc: sb.SortbyDir == pg.SortByDir_SORTBY_DESC}
	k.NullsFirst = k.Desc
	switch sb.SortbyNulls {
	case pg.SortByNulls_SORTBY_NULLS_FIRST:
		k.NullsFirst = true
	case pg.SortByNulls_SORTBY_NULLS_LAST:
		k.NullsFirst = false
	}
	return k
}

func (b *binder) limit(out logical.Node, s *pg.SelectStmt) (logical.Node, error) {
	if s.LimitCount == nil && s.LimitOffset == nil {
		return out, nil
	}
	lim := &logical.Limit{Input: out}
	var err error
	if lim.Count, err = b.bindLimit(s.LimitCount, "LIMIT"); err != nil {
		return nil, err
	}
	if lim.Offset, err = b.bindLimit(s.LimitOffset, "OFFSET"); err != nil {
		return nil, err
	}
	return lim, nil
}

// lookupCTE finds a WITH entry by name (innermost first).
func (b *binder) lookupCTE(name string) *cte {
	for i := len(b.ctes) - 1; i >= 0; i-- {
		if b.ctes[i].name == name {
			return b.ctes[i]
		}
	}
	return nil
}

// MaxInlined bounds how many WITH and view references one statement expands to. Each
// reference binds its query again, so a chain of WITH entries that each use the previous one
// twice doubles the plan per entry: 30 entries would be a billion scans.
const MaxInlined = 10_000

func (b *binder) countInlined() error {
	b.inlined++
	if b.inlined > MaxInlined {
		return logical.Errorf(errs.ErrInvalidArgument,
			"statement too complex: its WITH queries and views expand to more than %d references", MaxInlined)
	}
	return nil
}

// bindCTERef binds a reference to a WITH entry: its query is bound again here (inlined).
func (b *binder) bindCTERef(c *cte, rv *pg.RangeVar) (logical.Node, *scope, error) {
	b.depth++
	if b.depth > 64 {
		return nil, nil, logical.Errorf(errs.ErrInvalidArgument, "WITH queries nest too deeply")
	}
	defer func() { b.depth-- }()
	if err := b.countInlined(); err != nil {
		return nil, nil, err
	}
	savedCTEs, savedOuter, savedOuters, savedCorr, savedReach := b.ctes, b.outer, b.outers, b.correlated, b.reach
	b.ctes, b.outer, b.outers, b.correlated, b.reach = c.ctes, c.outer, c.outers, false, 0
	node, err := b.bindCTEQuery(c) // bind_recursive.go
	corr, reach := b.correlated, b.reach
	// levels between the WITH and this reference (subqueries, LATERAL items) push the
	// entry's references to enclosing queries further out
	diff := chainLen(savedOuter, savedOuters) - chainLen(c.outer, c.outers)
	b.ctes, b.outer, b.outers, b.correlated, b.reach = savedCTEs, savedOuter, savedOuters, savedCorr, savedReach
	if err != nil {
		return nil, nil, err
	}
	if corr {
		if diff > 0 {
			node = logical.MapOuterColumns(node, func(o *logical.OuterColumn, level int) logical.Expr {
				if o.Depth >= level {
					n := *o
					n.Depth += diff
					return &n
				}
				return o
			})
		}
		b.correlated = true
		b.reach = max(b.reach, reach+max(diff, 0))
	}
	qual := c.name
	alias := rv.Alias
	if alias != nil && alias.Aliasname != "" {
		qual = alias.Aliasname
	}
	if len(c.cols) > 0 {
		if len(c.cols) > len(node.Schema()) {
			return nil, nil, logical.Errorf(errs.ErrInvalidArgument, "WITH query \"%s\" has %d columns available but %d columns specified", c.name, len(node.Schema()), len(c.cols))
		}
		node, _, err = b.aliased(node, qual, &pg.Alias{Colnames: c.cols})
		if err != nil {
			return nil, nil, err
		}
	}
	return b.aliased(node, qual, alias)
}

// bindView binds a view's stored query where the view is used.
func (b *binder) bindView(t catalog.Table, rv *pg.RangeVar) (logical.Node, *scope, error) {
	b.depth++
	if b.depth > 64 {
		return nil, nil, logical.Errorf(errs.ErrInvalidArgument, "infinite recursion detected in rules for relation \"%s\"", t.Ref.Name)
	}
	defer func() { b.depth-- }()
	if err := b.countInlined(); err != nil {
		return nil, nil, err
	}
	text, tree, err := parseSQL(t.Options[viewOption])
	if err != nil || len(tree.Stmts) != 1 {
		return nil, nil, logical.Errorf(errs.ErrInternal, "view \"%s\" has an unreadable definition", t.Ref.Name)
	}
	vs := tree.Stmts[0].Stmt.GetViewStmt()
	if vs == nil || vs.Query.GetSelectStmt() == nil {
		return nil, nil, logical.Errorf(errs.ErrInternal, "view \"%s\" has an unreadable definition", t.Ref.Name)
	}
	savedCTEs, savedOuter, savedOuters, savedSQL, savedText := b.ctes, b.outer, b.outers, b.sql, b.text
	b.ctes, b.outer, b.outers, b.sql, b.text = nil, nil, nil, text.parsed, text
	node, err := b.bindQuery(vs.Query.GetSelectStmt())
	b.ctes, b.outer, b.outers, b.sql, b.text = savedCTEs, savedOuter, savedOuters, savedSQL, savedText
	if err != nil {
		return nil, nil, fmt.Errorf("view \"%s\": %w", t.Ref.Name, err)
	}
	qual := rv.Relname
	if rv.Alias != nil && rv.Alias.Aliasname != "" {
		qual = rv.Alias.Aliasname
	}
	if len(vs.Aliases) > 0 {
		if node, _, err = b.aliased(node, qual, &pg.Alias{Colnames: vs.Aliases}); err != nil {
			return nil, nil, err
		}
	}
	return b.aliased(node, qual, rv.Alias)
}

// bindCreateView checks the view's query and stores its statement text in the catalog.
func (b *binder) bindCreateView(vs *pg.ViewStmt, raw *pg.RawStmt) (*boundStmt, error) {
	if vs.View == nil {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "CREATE VIEW needs a name")
	}
	if vs.WithCheckOption != pg.ViewCheckOption_NO_CHECK_OPTION && vs.WithCheckOption != pg.ViewCheckOption_VIEW_CHECK_OPTION_UNDEFINED {
		return nil, notSupported("WITH CHECK OPTION is not supported")
	}
	sel := vs.Query.GetSelectStmt()
	if sel == nil {
		return nil, notSupported("CREATE VIEW needs a SELECT")
	}
	ref, err := b.createRef(vs.View)
	if err != nil {
		return nil, err
	}
	root, err := b.bindQuery(sel)
	if err != nil {
		return nil, err
	}
	sch := root.Schema()
	if len(vs.Aliases) > len(sch) {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "CREATE VIEW specifies more column names than columns")
	}
	t := catalog.Table{Ref: ref, Options: map[string]string{viewOption: stmtText(b.sql, raw)}}
	seen := map[string]bool{}
	for i, f := range sch {
		name := f.Name
		if i < len(vs.Aliases) {
			name = strVal(vs.Aliases[i])
		}
		if seen[name] {
			return nil, logical.Errorf(errs.ErrAlreadyExists, "column \"%s\" specified more than once", name)
		}
		seen[name] = true
		typ := f.Type
		if isUnknown(typ) {
			typ = catalog.Text
		}
		t.Columns = append(t.Columns, catalog.Column{Name: name, Type: typ, Nullable: true})
	}
	if vs.Replace {
		if err := b.checkReplaceView(t); err != nil { // bind_schema.go
			return nil, err
		}
	}
	return &boundStmt{kind: KindUpdate, build: func(*Query, logical.Node) (Statement, error) {
		return &CreateTable{Table: t, OrReplace: vs.Replace}, nil
	}}, nil
}

// stmtText is the text of one parsed statement.
func stmtText(sql string, raw *pg.RawStmt) string {
	start := int(raw.StmtLocation)
	if start < 0 || start > len(sql) {
		start = 0
	}
	end := len(sql)
	if raw.StmtLen > 0 && start+int(raw.StmtLen) <= len(sql) {
		end = start + int(raw.StmtLen)
	}
	return sql[start:end]
}
