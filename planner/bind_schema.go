package planner

import (
	"errors"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// bind_schema.go: DDL that tools send besides CREATE/DROP TABLE: schemas, TRUNCATE,
// COMMENT ON, CREATE/DROP INDEX and ALTER TABLE (bind_alter.go). Each binds to a statement
// the gateway runs against the catalog (gateway/ddl_exec.go); nothing here reads data.

// DDL is implemented by the schema-changing statements of this file: the gateway runs them
// in one place (they never write data files except TRUNCATE's empty snapshots).
type DDL interface {
	Statement
	ddl()
}

// CreateSchema is CREATE SCHEMA [IF NOT EXISTS] name.
type CreateSchema struct {
	Tenant      string
	Name        string
	IfNotExists bool
}

// DropSchema is DROP SCHEMA [IF EXISTS] a, b [CASCADE | RESTRICT]. Names lists the schemas
// that exist (missing ones left out under IF EXISTS); RESTRICT refuses a schema holding
// relations.
type DropSchema struct {
	Tenant  string
	Names   []string
	Cascade bool
}

// Truncate empties tables: one new, empty snapshot per table, all committed atomically.
type Truncate struct {
	Tables []catalog.TableRef
}

// Comment is COMMENT ON TABLE/VIEW/COLUMN ... IS 'text' (Text "" removes the comment).
type Comment struct {
	Ref    catalog.TableRef
	Column string // "" for the table or view itself
	Text   string
}

// CreateIndex records an index that is not built (catalog.Index); IfNotExists as PostgreSQL.
type CreateIndex struct {
	Ref         catalog.TableRef
	Index       catalog.Index
	IfNotExists bool
}

// DropIndex forgets recorded indexes (Refs[i] holds Names[i]).
type DropIndex struct {
	Refs  []catalog.TableRef
	Names []string
}

func (*CreateSchema) statement() {}
func (*DropSchema) statement()   {}
func (*Truncate) statement()     {}
func (*Comment) statement()      {}
func (*CreateIndex) statement()  {}
func (*DropIndex) statement()    {}
func (*CreateSchema) ddl()       {}
func (*DropSchema) ddl()         {}
func (*Truncate) ddl()           {}
func (*Comment) ddl()            {}
func (*CreateIndex) ddl()        {}
func (*DropIndex) ddl()          {}

// ddlStmt wraps a bound DDL statement.
func ddlStmt(st Statement) *boundStmt {
	return &boundStmt{kind: KindUpdate, build: func(*Query, logical.Node) (Statement, error) { return st, nil }}
}

// bindDDL dispatches the statements of this file (the hook in bindStatement).
func (b *binder) bindDDL(n *pg.Node) (*boundStmt, error) {
	switch x := n.Node.(type) {
	case *pg.Node_CreateSchemaStmt:
		return b.bindCreateSchema(x.CreateSchemaStmt)
	case *pg.Node_TruncateStmt:
		return b.bindTruncate(x.TruncateStmt)
	case *pg.Node_CommentStmt:
		return b.bindComment(x.CommentStmt)
	case *pg.Node_IndexStmt:
		return b.bindCreateIndex(x.IndexStmt)
	case *pg.Node_AlterTableStmt:
		return b.bindAlterTable(x.AlterTableStmt) // bind_alter.go
	case *pg.Node_RenameStmt:
		return b.bindRename(x.RenameStmt) // bind_alter.go
	}
	return nil, notSupported("%s is not supported yet", stmtName(n))
}

func (b *binder) bindCreateSchema(cs *pg.CreateSchemaStmt) (*boundStmt, error) {
	if len(cs.SchemaElts) > 0 {
		return nil, notSupported("CREATE SCHEMA with schema elements is not supported; create the objects separately")
	}
	if cs.Schemaname == "" {
		return nil, notSupported("CREATE SCHEMA AUTHORIZATION without a schema name is not supported")
	}
	if strings.HasPrefix(strings.ToLower(cs.Schemaname), "pg_") {
		// As PostgreSQL: pg_ names are the system's (pg_catalog, sessions' pg_temp_*).
		return nil, logical.Errorf(errs.ErrInvalidArgument, "unacceptable schema name \"%s\"", cs.Schemaname)
	}
	return ddlStmt(&CreateSchema{Tenant: b.sess.Tenant, Name: cs.Schemaname, IfNotExists: cs.IfNotExists}), nil
}

func (b *binder) schemaExists(name string) (bool, error) {
	return catalog.HasSchema(b.ctx, b.p.cat, b.sess.Tenant, name)
}

func (b *binder) bindDropSchema(ds *pg.DropStmt) (*boundStmt, error) {
	st := &DropSchema{Tenant: b.sess.Tenant, Cascade: ds.Behavior == pg.DropBehavior_DROP_CASCADE}
	// PostgreSQL checks every name (and, under RESTRICT, every dependency) before dropping.
	for _, o := range ds.Objects {
		name := strVal(o)
		ok, err := b.schemaExists(name)
		if err != nil {
			return nil, err
		}
		if !ok {
			if ds.MissingOk {
				continue
			}
			return nil, logical.Errorf(errs.ErrNotFound, "schema \"%s\" does not exist", name)
		}
		if !st.Cascade {
			ts, err := b.p.cat.ListTables(b.ctx, b.sess.Tenant, name)
			if err != nil {
				return nil, err
			}
			if len(ts) > 0 {
				kind := "table"
				if _, v := ts[0].Options[viewOption]; v {
					kind = "view"
				}
				return nil, logical.Errorf(errs.ErrInvalidArgument,
					"cannot drop schema %s because other objects depend on it (%s %s depends on schema %s); use DROP ... CASCADE to drop the dependent objects too",
					name, kind, ts[0].Ref.String(), name)
			}
		}
		st.Names = append(st.Names, name)
	}
	return ddlStmt(st), nil
}

func (b *binder) bindTruncate(ts *pg.TruncateStmt) (*boundStmt, error) {
	st := &Truncate{}
	seen := map[catalog.TableRef]bool{}
	for _, n := range ts.Relations {
		rv := n.GetRangeVar()
		if rv == nil {
			return nil, notSupported("TRUNCATE needs table names")
		}
		t, err := b.lookupTable(rv)
		if err != nil {
			return nil, err
		}
		if err := b.refuseForeignWrite(t, "truncate", rv.Location); err != nil { // bind_foreign_table.go
			return nil, err
		}
		if _, v := t.Options[viewOption]; v {
			return nil, b.errAt(rv.Location, logical.Errorf(errs.ErrInvalidArgument, "\"%s\" is not a table", relName(rv)))
		}
		if !seen[t.Ref] { // PostgreSQL accepts a table named twice
			seen[t.Ref] = true
			st.Tables = append(st.Tables, t.Ref)
		}
	}
	return ddlStmt(st), nil
}

// qualifiedName turns a list of String nodes (schema.table[.column]) into a RangeVar and the
// trailing names.
func qualifiedName(items []*pg.Node, trailing int) (*pg.RangeVar, []string, error) {
	var parts []string
	for _, it := range items {
		parts = append(parts, strVal(it))
	}
	if len(parts) < 1+trailing || len(parts) > 2+trailing {
		return nil, nil, logical.Errorf(errs.ErrInvalidArgument, "improper relation name (too many dotted names): %s", strings.Join(parts[:len(parts)-trailing], "."))
	}
	rest := parts[len(parts)-trailing:]
	parts = parts[:len(parts)-trailing]
	rv := &pg.RangeVar{Relname: parts[len(parts)-1], Location: -1}
	if len(parts) == 2 {
		rv.Schemaname = parts[0]
	}
	return rv, rest, nil
}

func (b *binder) bindComment(cs *pg.CommentStmt) (*boundStmt, error) {
	var items []*pg.Node
	if l := cs.Object.GetList(); l != nil {
		items = l.Items
	}
	trailing, what := 0, ""
	switch cs.Objtype {
	case pg.ObjectType_OBJECT_TABLE:
		what = "table"
	case pg.ObjectType_OBJECT_VIEW:
		what = "view"
	case pg.ObjectType_OBJECT_COLUMN:
		trailing = 1
	default:
		return nil, notSupported("COMMENT ON %s is not supported (tables, views and columns are)", cs.Objtype)
	}
	rv, rest, err := qualifiedName(items, trailing)
	if err != nil {
		return nil, err
	}
	t, err := b.lookupTable(rv)
	if err != nil {
		return nil, err
	}
	_, isView := t.Options[viewOption]
	if what == "table" && isView {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "\"%s\" is not a table", relName(rv))
	}
	if what == "view" && !isView {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "\"%s\" is not a view", relName(rv))
	}
	st := &Comment{Ref: t.Ref, Text: cs.Comment}
	if trailing == 1 {
		st.Column = rest[0]
		if columnIndex(t, st.Column) < 0 {
			return nil, logical.Errorf(errs.ErrNotFound, "column \"%s\" of relation \"%s\" does not exist", st.Column, t.Ref.Name)
		}
	}
	return ddlStmt(st), nil
}

// columnIndex is the index of the column named name in t, or -1.
func columnIndex(t catalog.Table, name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// bindCreateIndex records the index (no structure is built: see catalog.Index); the gateway
// logs that it is not used. Unique indexes are recorded as declared, not enforced.
func (b *binder) bindCreateIndex(is *pg.IndexStmt) (*boundStmt, error) {
	if is.Relation == nil {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "CREATE INDEX needs a table")
	}
	t, err := b.lookupTable(is.Relation)
	if err != nil {
		return nil, err
	}
	if _, v := t.Options[viewOption]; v {
		return nil, b.errAt(is.Relation.Location, logical.Errorf(errs.ErrInvalidArgument, "cannot create index on relation \"%s\"", t.Ref.Name))
	}
	idx := catalog.Index{Name: is.Idxname, Unique: is.Unique}
	for _, p := range is.IndexParams {
		e := p.GetIndexElem()
		if e == nil || e.Name == "" {
			return nil, notSupported("indexes on expressions are not supported; name columns")
		}
		if columnIndex(t, e.Name) < 0 {
			return nil, logical.Errorf(errs.ErrNotFound, "column \"%s\" does not exist", e.Name)
		}
		idx.Columns = append(idx.Columns, e.Name)
	}
	if idx.Name == "" {
		suffix := "idx"
		if idx.Unique {
			suffix = "key"
		}
		idx.Name = chooseName(t, append(append([]string{t.Ref.Name}, idx.Columns...), suffix))
	}
	return ddlStmt(&CreateIndex{Ref: t.Ref, Index: idx, IfNotExists: is.IfNotExists}), nil
}

// chooseName joins parts with "_" and, like PostgreSQL, appends 1, 2, ... when a constraint
// or index of t already has the name.
func chooseName(t catalog.Table, parts []string) string {
	base := parts[0]
	for _, p := range parts[1:] {
		base += "_" + p
	}
	taken := map[string]bool{}
	for _, c := range t.Constraints {
		taken[c.Name] = true
	}
	for _, ix := range t.Indexes {
		taken[ix.Name] = true
	}
	name := base
	for i := 1; taken[name]; i++ {
		name = base + itoa(int64(i))
	}
	return name
}

// bindDropIndex finds recorded indexes by name in the current (or named) schema.
func (b *binder) bindDropIndex(ds *pg.DropStmt) (*boundStmt, error) {
	st := &DropIndex{}
	for _, o := range ds.Objects {
		l := o.GetList()
		if l == nil {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "improper index name")
		}
		rv, _, err := qualifiedName(l.Items, 0)
		if err != nil {
			return nil, err
		}
		ref := b.tableRef(rv)
		ts, err := b.p.cat.ListTables(b.ctx, b.sess.Tenant, ref.Schema)
		if err != nil && !errors.Is(err, errs.ErrNotFound) {
			return nil, err
		}
		found := false
		for _, t := range ts {
			for _, ix := range t.Indexes {
				if ix.Name == rv.Relname {
					st.Refs = append(st.Refs, t.Ref)
					st.Names = append(st.Names, ix.Name)
					found = true
				}
			}
		}
		if !found && !ds.MissingOk {
			return nil, logical.Errorf(errs.ErrNotFound, "index \"%s\" does not exist", relName(rv))
		}
	}
	return ddlStmt(st), nil
}

// checkReplaceView applies PostgreSQL's rules to CREATE OR REPLACE VIEW: the relation must be
// a view, and the new query must keep every column's name and type, in order; it may add
// columns at the end.
func (b *binder) checkReplaceView(t catalog.Table) error {
	old, err := b.p.cat.GetTable(b.ctx, t.Ref)
	if errors.Is(err, errs.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, v := old.Options[viewOption]; !v {
		return logical.Errorf(errs.ErrInvalidArgument, "\"%s\" is not a view", t.Ref.Name)
	}
	if len(t.Columns) < len(old.Columns) {
		return logical.Errorf(errs.ErrInvalidArgument, "cannot drop columns from view")
	}
	for i, oc := range old.Columns {
		nc := t.Columns[i]
		if nc.Name != oc.Name {
			return logical.Errorf(errs.ErrInvalidArgument, "cannot change name of view column \"%s\" to \"%s\"", oc.Name, nc.Name)
		}
		if nc.Type != oc.Type {
			return logical.Errorf(errs.ErrInvalidArgument, "cannot change data type of view column \"%s\" from %s to %s", oc.Name, oc.Type, nc.Type)
		}
	}
	return nil
}
