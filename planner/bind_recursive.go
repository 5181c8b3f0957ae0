package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// recursiveState is the binder's bookkeeping for WITH RECURSIVE: the recursive terms being
// bound (a reference to their CTE reads the working table) and the contexts PostgreSQL
// forbids a recursive reference in.
type recursiveState struct {
	active   []*workRef // recursive terms being bound, innermost last
	binding  []*cte     // recursive-WITH entries whose query is being bound (mutual recursion)
	sublinks int        // subquery expressions being bound (bindSubLink)
	nullable int        // null-extended sides of outer joins being bound (bindJoin)
	nextID   int
}

// workRef is one recursive term being bound: references to c inside it scan the working
// table id.
type workRef struct {
	c                  *cte
	id                 int
	fields             logical.Schema
	sublinks, nullable int // the counters where the term starts
	used               int
}

// selfRefs returns the location of the first reference to the table name (unqualified)
// inside n, or -1: a recursive-WITH entry is recursive only if its query names itself.
func selfRefs(n protoreflect.ProtoMessage, name string) int32 {
	if n == nil {
		return -1
	}
	found := int32(-1)
	var walk func(m protoreflect.Message)
	walk = func(m protoreflect.Message) {
		if found >= 0 || !m.IsValid() {
			return
		}
		if rv, ok := m.Interface().(*pg.RangeVar); ok {
			if rv.Relname == name && rv.Schemaname == "" && rv.Catalogname == "" {
				found = rv.Location
			}
			return
		}
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			if fd.Kind() != protoreflect.MessageKind {
				return true
			}
			switch {
			case fd.IsList():
				l := v.List()
				for i := 0; i < l.Len() && found < 0; i++ {
					walk(l.Get(i).Message())
				}
			case fd.IsMap():
			default:
				walk(v.Message())
			}
			return found < 0
		})
	}
	walk(n.ProtoReflect())
	return found
}

// bindCTEQuery binds a WITH entry's query where it is referenced: a recursive entry (WITH
// RECURSIVE whose query names itself) becomes a RecursiveUnion.
func (b *binder) bindCTEQuery(c *cte) (logical.Node, error) {
	if !c.recursive {
		return b.bindQuery(c.query)
	}
	for _, x := range b.rec.binding {
		if x == c {
			return nil, b.errAt(c.location, logical.Errorf(errs.ErrNotSupported, "mutual recursion between WITH items is not implemented"))
		}
	}
	b.rec.binding = append(b.rec.binding, c)
	defer func() { b.rec.binding = b.rec.binding[:len(b.rec.binding)-1] }()
	if selfRefs(c.query, c.name) < 0 {
		return b.bindQuery(c.query)
	}
	return b.bindRecursive(c)
}

// bindRecursive binds "non-recursive term UNION [ALL] recursive term" with PostgreSQL's
// checks: the anchor fixes the column types (the recursive term is cast to them, and a
// column whose UNION type would differ is an error), the recursive term reads the working
// table through its one reference to the entry.
func (b *binder) bindRecursive(c *cte) (logical.Node, error) {
	s := c.query
	if s.Op != pg.SetOperation_SETOP_UNION || s.Larg == nil || s.Rarg == nil {
		return nil, b.errAt(c.location, logical.Errorf(errs.ErrInvalidArgument,
			"recursive query \"%s\" does not have the form non-recursive-term UNION [ALL] recursive-term", c.name))
	}
	if loc := selfRefs(s.Larg, c.name); loc >= 0 {
		return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument,
			"recursive reference to query \"%s\" must not appear within its non-recursive term", c.name))
	}
	for _, x := range []struct {
		n    *pg.Node
		what string
	}{{firstOf(s.SortClause), "ORDER BY"}, {s.LimitOffset, "OFFSET"}, {s.LimitCount, "LIMIT"}} {
		if x.n != nil {
			return nil, b.errAt(nodeLoc(x.n), logical.Errorf(errs.ErrNotSupported, "%s in a recursive query is not implemented", x.what))
		}
	}
	if len(s.LockingClause) > 0 {
		return nil, b.errAt(c.location, logical.Errorf(errs.ErrNotSupported, "FOR UPDATE/SHARE in a recursive query is not implemented"))
	}
	if s.WithClause != nil {
		saved := b.ctes
		defer func() { b.ctes = saved }()
		if err := b.pushWith(s.WithClause); err != nil {
			return nil, err
		}
	}
	anchor, err := b.bindQuery(s.Larg)
	if err != nil {
		return nil, err
	}
	as := anchor.Schema()
	if len(c.cols) > len(as) {
		return nil, b.errAt(c.location, logical.Errorf(errs.ErrInvalidArgument,
			"WITH query \"%s\" has %d columns available but %d columns specified", c.name, len(as), len(c.cols)))
	}
	types := make([]catalog.Type, len(as))
	fields := make(logical.Schema, len(as))
	for i, f := range as {
		types[i] = f.Type
		if isUnknown(types[i]) {
			types[i] = catalog.Text
		}
		name := f.Name
		if i < len(c.cols) {
			name = strVal(c.cols[i])
		}
		fields[i] = logical.Field{Name: name, Type: types[i], Nullable: true}
	}
	if anchor, err = b.castColumns(anchor, types); err != nil {
		return nil, err
	}
	b.rec.nextID++
	w := &workRef{c: c, id: b.rec.nextID, fields: fields, sublinks: b.rec.sublinks, nullable: b.rec.nullable}
	b.rec.active = append(b.rec.active, w)
	rec, err := b.bindQuery(s.Rarg)
	b.rec.active = b.rec.active[:len(b.rec.active)-1]
	if err != nil {
		return nil, err
	}
	if hasTopAggregate(rec) {
		return nil, b.errAt(c.location, logical.Errorf(errs.ErrInvalidArgument, "aggregate functions are not allowed in a recursive query's recursive term"))
	}
	rs := rec.Schema()
	if len(rs) != len(as) {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "each UNION query must have the same number of columns")
	}
	for i := range rs {
		t, ok := commonType(types[i], rs[i].Type)
		if !ok {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "UNION types %s and %s cannot be matched", opTypeName(types[i]), opTypeName(rs[i].Type))
		}
		if t.Kind != types[i].Kind && !isUnknown(rs[i].Type) {
			return nil, b.errAt(nodeLoc(firstTarget(s.Larg)), logical.Errorf(errs.ErrInvalidArgument,
				"recursive query \"%s\" column %d has type %s in non-recursive term but type %s overall",
				c.name, i+1, opTypeName(types[i]), opTypeName(t)))
		}
	}
	if rec, err = b.castColumns(rec, types); err != nil {
		return nil, err
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	return &logical.RecursiveUnion{ID: w.id, Anchor: anchor, Recursive: rec, All: s.All, Names: names}, nil
}

func firstOf(ns []*pg.Node) *pg.Node {
	if len(ns) == 0 {
		return nil
	}
	if sb := ns[0].GetSortBy(); sb != nil {
		return sb.Node
	}
	return ns[0]
}

// firstTarget is the first select-list item of a SELECT (the position PostgreSQL's type
// error points at).
func firstTarget(s *pg.SelectStmt) *pg.Node {
	for s != nil && s.Larg != nil {
		s = s.Larg
	}
	if s == nil || len(s.TargetList) == 0 {
		return nil
	}
	if rt := s.TargetList[0].GetResTarget(); rt != nil {
		return rt.Val
	}
	return s.TargetList[0]
}

// hasTopAggregate reports whether the query level of n computes aggregates (subqueries in
// FROM are their own levels).
func hasTopAggregate(n logical.Node) bool {
	switch x := n.(type) {
	case *logical.Aggregate:
		if len(x.Aggs) > 0 {
			return true
		}
		return hasTopAggregate(x.Input)
	case *logical.Project, *logical.Filter, *logical.Sort, *logical.Limit, *logical.Window, *logical.ProjectSet:
		return hasTopAggregate(n.Children()[0])
	}
	return false
}

// workTableRef binds a reference to a recursive entry inside its own recursive term: a scan
// of the working table, where PostgreSQL allows one.
func (b *binder) workTableRef(rv *pg.RangeVar) (*workRef, error) {
	for i := len(b.rec.active) - 1; i >= 0; i-- {
		w := b.rec.active[i]
		if w.c.name != rv.Relname {
			continue
		}
		if b.lookupCTE(rv.Relname) != w.c {
			return nil, nil // shadowed by an inner WITH entry of the same name
		}
		switch {
		case b.rec.sublinks > w.sublinks:
			return nil, b.errAt(rv.Location, logical.Errorf(errs.ErrInvalidArgument, "recursive reference to query \"%s\" must not appear within a subquery", w.c.name))
		case b.rec.nullable > w.nullable:
			return nil, b.errAt(rv.Location, logical.Errorf(errs.ErrInvalidArgument, "recursive reference to query \"%s\" must not appear within an outer join", w.c.name))
		}
		w.used++
		if w.used > 1 {
			return nil, b.errAt(rv.Location, logical.Errorf(errs.ErrInvalidArgument, "recursive reference to query \"%s\" must not appear more than once", w.c.name))
		}
		return w, nil
	}
	return nil, nil
}

// bindWorkTable is the FROM item of a working-table reference.
func (b *binder) bindWorkTable(w *workRef, rv *pg.RangeVar) (logical.Node, *scope, error) {
	qual := w.c.name
	if rv.Alias != nil && rv.Alias.Aliasname != "" {
		qual = rv.Alias.Aliasname
	}
	var node logical.Node = &logical.WorkTableScan{ID: w.id, Qualifier: qual, Fields: w.fields}
	if rv.Alias != nil && len(rv.Alias.Colnames) > 0 {
		return b.aliased(node, qual, rv.Alias)
	}
	return node, scopeOf(node.Schema()), nil
}

// chainLen is how many enclosing scopes a binder position has.
func chainLen(outer *scope, outers []*scope) int {
	if outer == nil {
		return 0
	}
	return 1 + len(outers)
}
