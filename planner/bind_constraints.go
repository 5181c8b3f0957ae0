package planner

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// bind_constraints.go: column DEFAULTs and table constraints.
//
// Decisions (README "Constraints"): NOT NULL (also implied by PRIMARY KEY) and CHECK are
// enforced on every write; PRIMARY KEY, UNIQUE and REFERENCES are recorded, validated
// (columns exist, a foreign key names a declared key of the referenced table) and reported
// (GetPrimaryKeys, GetImportedKeys, GetExportedKeys, GetCrossReference) but NOT ENFORCED, as
// in BigQuery and Snowflake: checking uniqueness would mean reading the whole table on every
// write. DEFAULT and CHECK expressions are stored as SQL text and bound where they apply, so a
// DEFAULT now() is the time of the statement that uses it.

// constraintBuilder collects the constraints of one CREATE TABLE.
type constraintBuilder struct {
	b *binder
	t *catalog.Table
}

// columnConstraint applies one column-level constraint of column ci.
func (cb *constraintBuilder) columnConstraint(ci int, c *pg.Constraint) error {
	b, t := cb.b, cb.t
	col := &t.Columns[ci]
	switch c.Contype {
	case pg.ConstrType_CONSTR_NOTNULL:
		col.Nullable = false
	case pg.ConstrType_CONSTR_NULL:
		col.Nullable = true
	case pg.ConstrType_CONSTR_DEFAULT:
		text, err := exprText(c.RawExpr)
		if err != nil {
			return err
		}
		col.Default = text
		if _, err := b.defaultExpr(*col, c.Location); err != nil {
			return err
		}
	case pg.ConstrType_CONSTR_PRIMARY, pg.ConstrType_CONSTR_UNIQUE:
		return cb.key(c, []string{col.Name})
	case pg.ConstrType_CONSTR_CHECK:
		return cb.check(c)
	case pg.ConstrType_CONSTR_FOREIGN:
		return cb.foreign(c, []string{col.Name})
	case pg.ConstrType_CONSTR_ATTR_DEFERRABLE, pg.ConstrType_CONSTR_ATTR_NOT_DEFERRABLE,
		pg.ConstrType_CONSTR_ATTR_DEFERRED, pg.ConstrType_CONSTR_ATTR_IMMEDIATE:
		// constraints are not enforced at commit time either way
	case pg.ConstrType_CONSTR_IDENTITY, pg.ConstrType_CONSTR_GENERATED:
		return b.errAt(c.Location, notSupported("identity and generated columns are not supported yet"))
	default:
		return b.errAt(c.Location, notSupported("this column constraint is not supported"))
	}
	return nil
}

// tableConstraint applies one table-level constraint.
func (cb *constraintBuilder) tableConstraint(c *pg.Constraint) error {
	switch c.Contype {
	case pg.ConstrType_CONSTR_PRIMARY, pg.ConstrType_CONSTR_UNIQUE:
		return cb.key(c, names(c.Keys))
	case pg.ConstrType_CONSTR_CHECK:
		return cb.check(c)
	case pg.ConstrType_CONSTR_FOREIGN:
		return cb.foreign(c, names(c.FkAttrs))
	case pg.ConstrType_CONSTR_ATTR_DEFERRABLE, pg.ConstrType_CONSTR_ATTR_NOT_DEFERRABLE,
		pg.ConstrType_CONSTR_ATTR_DEFERRED, pg.ConstrType_CONSTR_ATTR_IMMEDIATE:
		return nil
	}
	return cb.b.errAt(c.Location, notSupported("this table constraint is not supported"))
}

func names(ns []*pg.Node) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = strVal(n)
	}
	return out
}

func (cb *constraintBuilder) add(c catalog.Constraint, given string, loc int32) error {
	if given != "" {
		for _, o := range cb.t.Constraints {
			if o.Name == given {
				return cb.b.errAt(loc, logical.Errorf(errs.ErrAlreadyExists, "constraint \"%s\" for relation \"%s\" already exists", given, cb.t.Ref.Name))
			}
		}
		c.Name = given
	}
	cb.t.Constraints = append(cb.t.Constraints, c)
	return nil
}

// key records PRIMARY KEY or UNIQUE; a primary key's columns become NOT NULL.
func (cb *constraintBuilder) key(c *pg.Constraint, cols []string) error {
	t := cb.t
	kind := catalog.ConstraintUnique
	if c.Contype == pg.ConstrType_CONSTR_PRIMARY {
		kind = catalog.ConstraintPrimaryKey
		for _, o := range t.Constraints {
			if o.Kind == catalog.ConstraintPrimaryKey {
				return cb.b.errAt(c.Location, logical.Errorf(errs.ErrInvalidArgument, "multiple primary keys for table \"%s\" are not allowed", t.Ref.Name))
			}
		}
	}
	for _, name := range cols {
		i := columnIndex(*t, name)
		if i < 0 {
			return cb.b.errAt(c.Location, logical.Errorf(errs.ErrNotFound, "column \"%s\" named in key does not exist", name))
		}
		if kind == catalog.ConstraintPrimaryKey {
			t.Columns[i].Nullable = false
		}
	}
	name := t.Ref.Name + "_pkey"
	if kind == catalog.ConstraintUnique {
		name = chooseName(*t, append(append([]string{t.Ref.Name}, cols...), "key"))
	}
	return cb.add(catalog.Constraint{Name: name, Kind: kind, Columns: cols}, c.Conname, c.Location)
}

func (cb *constraintBuilder) check(c *pg.Constraint) error {
	text, err := exprText(c.RawExpr)
	if err != nil {
		return err
	}
	e, err := cb.b.bindCheck(*cb.t, text, c.Location)
	if err != nil {
		return err
	}
	// PostgreSQL names a check after its column when it uses exactly one.
	used := map[string]bool{}
	var col string
	logical.Walk(e, func(x logical.Expr) bool {
		if c, ok := x.(*logical.Column); ok && !used[c.Name] {
			used[c.Name] = true
			col = c.Name
		}
		return true
	})
	parts := []string{cb.t.Ref.Name}
	if len(used) == 1 {
		parts = append(parts, col)
	}
	name := chooseName(*cb.t, append(parts, "check"))
	return cb.add(catalog.Constraint{Name: name, Kind: catalog.ConstraintCheck, Check: text}, c.Conname, c.Location)
}

// foreign records REFERENCES after checking that the referenced columns are a declared
// primary key or unique constraint of the referenced table (PostgreSQL's rule).
func (cb *constraintBuilder) foreign(c *pg.Constraint, cols []string) error {
	b, t := cb.b, cb.t
	if c.Pktable == nil {
		return b.errAt(c.Location, logical.Errorf(errs.ErrInvalidArgument, "REFERENCES needs a table"))
	}
	for _, name := range cols {
		if columnIndex(*t, name) < 0 {
			return b.errAt(c.Location, logical.Errorf(errs.ErrNotFound, "column \"%s\" referenced in foreign key constraint does not exist", name))
		}
	}
	var ref catalog.Table
	self := b.tableRef(c.Pktable)
	if self.Schema == "" {
		self.Schema = catalog.DefaultSchema
	}
	if self.Name == t.Ref.Name && self.Schema == refSchema(t.Ref) {
		ref = *t
	} else {
		var err error
		if ref, err = b.lookupTable(c.Pktable); err != nil {
			return err
		}
	}
	refCols := names(c.PkAttrs)
	if len(refCols) == 0 {
		for _, o := range ref.Constraints {
			if o.Kind == catalog.ConstraintPrimaryKey {
				refCols = o.Columns
			}
		}
		if len(refCols) == 0 {
			return b.errAt(c.Location, logical.Errorf(errs.ErrInvalidArgument, "there is no primary key for referenced table \"%s\"", ref.Ref.Name))
		}
	}
	for _, name := range refCols {
		if columnIndex(ref, name) < 0 {
			return b.errAt(c.Location, logical.Errorf(errs.ErrNotFound, "column \"%s\" referenced in foreign key constraint does not exist", name))
		}
	}
	if len(refCols) != len(cols) {
		return b.errAt(c.Location, logical.Errorf(errs.ErrInvalidArgument, "number of referencing and referenced columns for foreign key disagree"))
	}
	matches := false
	for _, o := range ref.Constraints {
		if (o.Kind == catalog.ConstraintPrimaryKey || o.Kind == catalog.ConstraintUnique) && sameSet(o.Columns, refCols) {
			matches = true
		}
	}
	if !matches {
		return b.errAt(c.Location, logical.Errorf(errs.ErrInvalidArgument, "there is no unique constraint matching given keys for referenced table \"%s\"", ref.Ref.Name))
	}
	name := chooseName(*t, append(append([]string{t.Ref.Name}, cols...), "fkey"))
	target := ref.Ref
	target.Schema = refSchema(target)
	return cb.add(catalog.Constraint{
		Name: name, Kind: catalog.ConstraintForeignKey, Columns: cols,
		RefTable: target, RefColumns: refCols, OnUpdate: c.FkUpdAction, OnDelete: c.FkDelAction,
	}, c.Conname, c.Location)
}

func refSchema(r catalog.TableRef) string {
	if r.Schema == "" {
		return catalog.DefaultSchema
	}
	return r.Schema
}

func sameSet(a, b []string) bool { return catalog.SameColumnSet(a, b) }

// ---- stored expressions

// exprText renders an expression as SQL text (PostgreSQL's deparser) for the catalog.
func exprText(n *pg.Node) (string, error) {
	if n == nil {
		return "", logical.Errorf(errs.ErrInvalidArgument, "missing expression")
	}
	// The deparser wants the tree's protobuf version: take it from a parse.
	probe, err := pg.Parse("SELECT 1")
	if err != nil {
		return "", errs.Errorf(errs.ErrInternal, "parser: %v", err)
	}
	tree := &pg.ParseResult{Version: probe.Version, Stmts: []*pg.RawStmt{{Stmt: &pg.Node{Node: &pg.Node_SelectStmt{SelectStmt: &pg.SelectStmt{
		TargetList: []*pg.Node{{Node: &pg.Node_ResTarget{ResTarget: &pg.ResTarget{Val: n}}}},
	}}}}}}
	s, err := pg.Deparse(tree)
	if err != nil {
		return "", logical.Errorf(errs.ErrInvalidArgument, "cannot store expression: %v", err)
	}
	return strings.TrimPrefix(s, "SELECT "), nil
}

// storedExpr parses an expression stored by exprText.
func storedExpr(text string) (*pg.Node, error) {
	tree, err := pg.Parse("SELECT " + text)
	if err != nil || len(tree.Stmts) != 1 {
		return nil, errs.Errorf(errs.ErrInternal, "stored expression %q does not parse: %v", text, err)
	}
	sel := tree.Stmts[0].Stmt.GetSelectStmt()
	if sel == nil || len(sel.TargetList) != 1 || sel.TargetList[0].GetResTarget() == nil {
		return nil, errs.Errorf(errs.ErrInternal, "stored expression %q is not one expression", text)
	}
	return sel.TargetList[0].GetResTarget().Val, nil
}

// bindStored binds a stored expression. Its locations are offsets into its own text, not
// into the statement, so errors carry no position (and name the column instead).
func (b *binder) bindStored(text string, c exprCtx) (logical.Expr, error) {
	n, err := storedExpr(text)
	if err != nil {
		return nil, err
	}
	saved := b.sql
	b.sql = ""
	defer func() { b.sql = saved }()
	e, err := b.bindExpr(n, c)
	if err != nil {
		return nil, err
	}
	sub := false
	logical.Walk(e, func(x logical.Expr) bool {
		if _, ok := x.(*logical.Subquery); ok {
			sub = true
		}
		return !sub
	})
	if sub { // a write's own plan could not evaluate it per row as the constraint means
		return nil, logical.Errorf(errs.ErrInvalidArgument, "cannot use subquery in %s", strings.TrimSuffix(c.clause, "s"))
	}
	return e, nil
}

// defaultExpr is the value a write stores in col when it names no value: the column's
// DEFAULT cast to its type, else NULL. loc places errors of a DEFAULT being declared.
func (b *binder) defaultExpr(col catalog.Column, loc int32) (logical.Expr, error) {
	if col.Default == "" {
		return &logical.Literal{Typ: col.Type}, nil
	}
	e, err := b.bindStored(col.Default, exprCtx{clause: "DEFAULT expressions"})
	if err != nil {
		return nil, b.errAt(loc, err)
	}
	if !canAssign(e.Type(), col.Type) {
		return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument,
			"column \"%s\" is of type %s but default expression is of type %s", col.Name, opTypeName(col.Type), opTypeName(e.Type())))
	}
	return b.coerceAssign(e, col.Type, col.Name, -1)
}

// tableScope is the scope of a row of t (CHECK expressions).
func tableScope(t catalog.Table) *scope {
	sc := &scope{}
	for i, c := range t.Columns {
		sc.cols = append(sc.cols, scopeCol{qual: t.Ref.Name, name: c.Name, typ: c.Type, nullable: c.Nullable})
		sc.star = append(sc.star, i)
	}
	return sc
}

// bindCheck binds a CHECK expression over a row of t.
func (b *binder) bindCheck(t catalog.Table, text string, loc int32) (logical.Expr, error) {
	e, err := b.bindStored(text, exprCtx{scope: tableScope(t), clause: "check constraints"})
	if err != nil {
		return nil, b.errAt(loc, err)
	}
	return b.toBool(e, "CHECK", loc)
}

// withChecks makes root (whose first columns are t's columns, in order) fail at the first
// row that violates one of t's CHECK constraints, with PostgreSQL's message.
func (b *binder) withChecks(t catalog.Table, root logical.Node) (logical.Node, error) {
	var conds []logical.Expr
	for _, c := range t.Constraints {
		if c.Kind != catalog.ConstraintCheck {
			continue
		}
		e, err := b.bindCheck(t, c.Check, -1)
		if err != nil {
			return nil, err
		}
		msg := "new row for relation \"" + t.Ref.Name + "\" violates check constraint \"" + c.Name + "\""
		conds = append(conds, call(fnCheckConstraint, catalog.Bool, e, &logical.Literal{Typ: catalog.Text, Value: msg}))
	}
	if len(conds) == 0 {
		return root, nil
	}
	return &logical.Filter{Input: root, Cond: orAllAnd(conds)}, nil
}

// fnCheckConstraint is exec.FnCheckConstraint: TRUE where its condition is TRUE or
// NULL, an error carrying its message where it is FALSE.
const fnCheckConstraint = "tern_check_constraint"

func orAllAnd(es []logical.Expr) logical.Expr {
	if len(es) == 1 {
		return es[0]
	}
	return call(proto.FnAnd, catalog.Bool, es...)
}

// columnDefault is information_schema.columns.column_default: the DEFAULT's text, else NULL.
func columnDefault(c catalog.Column) logical.Expr {
	if c.Default == "" {
		return &logical.Literal{Typ: catalog.Text}
	}
	return &logical.Literal{Typ: catalog.Text, Value: c.Default}
}

// checkNotReferenced refuses to drop t while a foreign key of another table (not dropped by
// the same statement) references it, as PostgreSQL does without CASCADE: the key would point
// at nothing.
func (b *binder) checkNotReferenced(t catalog.Table, dropped []*pg.Node) error {
	all, err := b.p.cat.ListTables(b.ctx, b.sess.Tenant, "")
	if err != nil {
		return err
	}
	for _, o := range all {
		if (o.Ref.Name == t.Ref.Name && refSchema(o.Ref) == refSchema(t.Ref)) || droppedToo(b, o.Ref, dropped) {
			continue
		}
		for _, c := range o.Constraints {
			if c.Kind == catalog.ConstraintForeignKey && c.RefTable.Name == t.Ref.Name && refSchema(c.RefTable) == refSchema(t.Ref) {
				return logical.Errorf(errs.ErrInvalidArgument,
					"cannot drop table %s because other objects depend on it (constraint %s on table %s depends on table %s); drop the constraint first",
					t.Ref.Name, c.Name, o.Ref.Name, t.Ref.Name)
			}
		}
	}
	return nil
}

func droppedToo(b *binder, r catalog.TableRef, objs []*pg.Node) bool {
	for _, o := range objs {
		l := o.GetList()
		if l == nil {
			continue
		}
		rv, _, err := qualifiedName(l.Items, 0)
		if err != nil {
			continue
		}
		if x := b.existingRef(rv); x.Name == r.Name && refSchema(x) == refSchema(r) {
			return true
		}
	}
	return false
}
