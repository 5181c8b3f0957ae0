package planner

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/prune"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/planner/optimizer"
	"github.com/tern-db/tern/proto/errs"
)

// bind_alter.go: ALTER TABLE and ALTER TABLE/VIEW ... RENAME.
//
// Every subcommand is applied, in order, to a copy of the table's catalog entry at planning
// time (so each is validated with PostgreSQL's messages); the gateway then swaps the entry in
// one catalog transaction, refusing if the table changed in between. Data files are never
// rewritten. What that allows today:
//   - catalog-only changes at any time: RENAME TO, SET/DROP DEFAULT, DROP NOT NULL,
//     SET NOT NULL and ADD CHECK (both verified against the existing rows first), ADD
//     PRIMARY KEY/UNIQUE/FOREIGN KEY (recorded), DROP CONSTRAINT;
//   - ALTER COLUMN TYPE when it widens in a way the file reader casts and the file statistics
//     still describe (smallint -> integer -> bigint, real -> double precision, numeric
//     precision up at the same scale, varchar(n) -> varchar(m >= n) or text);
//   - ADD/DROP/RENAME COLUMN at any time: data files name their columns by file field
//     (catalog.FieldName; connectors/native/evolve.go), so a renamed column reads its old
//     data, an added one reads NULL from older files (or its DEFAULT at the time it was
//     added, a constant), and a dropped one is not read.
//   - the column lists replaced are kept (catalog.Table.History): tern.as_of reads a snapshot
//     with the columns it had.

// AlterTable replaces a table's catalog entry. Verify lists queries answering one count each
// that must be 0 for the change to hold (SET NOT NULL, ADD CHECK), with the error to give
// otherwise. Apply edits the entry inside the catalog transaction.
type AlterTable struct {
	Ref    catalog.TableRef
	Verify []AlterVerify
	Apply  func(*catalog.Table) error
}

// AlterVerify is one check of existing rows.
type AlterVerify struct {
	SQL     string // SELECT count(*) ... of the violating rows
	Message string // error (errs.ErrInvalidArgument) when the count is not 0
}

func (*AlterTable) statement() {}
func (*AlterTable) ddl()       {}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func (b *binder) bindAlterTable(as *pg.AlterTableStmt) (*boundStmt, error) {
	if as.Objtype != pg.ObjectType_OBJECT_TABLE {
		return nil, notSupported("ALTER %s is not supported", strings.TrimPrefix(as.Objtype.String(), "OBJECT_"))
	}
	t, err := b.lookupTable(as.Relation)
	if err != nil {
		if as.MissingOk && errors.Is(err, errs.ErrNotFound) {
			return ddlStmt(&AlterTable{Apply: nil}), nil
		}
		return nil, err
	}
	if _, v := t.Options[viewOption]; v {
		return nil, b.errAt(as.Relation.Location, logical.Errorf(errs.ErrInvalidArgument, "\"%s\" is not a table", t.Ref.Name))
	}
	if err := b.refuseForeignWrite(t, "alter", as.Relation.Location); err != nil { // bind_foreign_table.go: IMPORT FOREIGN SCHEMA refreshes columns
		return nil, err
	}
	next := cloneTable(t)
	st := &AlterTable{Ref: t.Ref}
	from := "FROM " + quoteIdent(refSchema(t.Ref)) + "." + quoteIdent(t.Ref.Name)
	for _, n := range as.Cmds {
		cmd := n.GetAlterTableCmd()
		if cmd == nil {
			return nil, notSupported("this ALTER TABLE command is not supported")
		}
		col := func() (int, error) {
			i := columnIndex(next, cmd.Name)
			if i < 0 {
				return -1, logical.Errorf(errs.ErrNotFound, "column \"%s\" of relation \"%s\" does not exist", cmd.Name, t.Ref.Name)
			}
			return i, nil
		}
		switch cmd.Subtype {
		case pg.AlterTableType_AT_AddColumn:
			cd := cmd.Def.GetColumnDef()
			if cd == nil {
				return nil, notSupported("ADD COLUMN needs a column definition")
			}
			if columnIndex(next, cd.Colname) >= 0 {
				if cmd.MissingOk {
					continue
				}
				return nil, b.errAt(cd.Location, logical.Errorf(errs.ErrAlreadyExists, "column \"%s\" of relation \"%s\" already exists", cd.Colname, t.Ref.Name))
			}
			typ, err := b.typeFromName(cd.TypeName)
			if err != nil {
				return nil, err
			}
			// a file field no older file has: old rows read NULL, and a dropped column of the
			// same name never comes back (bind_alter.go's file comment)
			next.Columns = append(next.Columns, catalog.Column{Name: cd.Colname, Type: typ, Nullable: !cd.IsNotNull,
				Field: catalog.AddedFieldPrefix + randomSuffix()})
			cb := &constraintBuilder{b: b, t: &next}
			for _, cn := range cd.Constraints {
				if c := cn.GetConstraint(); c != nil {
					if err := cb.columnConstraint(len(next.Columns)-1, c); err != nil {
						return nil, err
					}
				}
			}
			added := next.Columns[len(next.Columns)-1]
			if t.CurrentSnapshot != catalog.NoSnapshot {
				filled := false
				if added.Default != "" {
					// existing rows read the default as of now (PostgreSQL's rule), carried in
					// the file field name (catalog.AddedFieldPrefix)
					text, err := b.fillValue(added)
					if err != nil {
						return nil, err
					}
					if text != nil {
						next.Columns[len(next.Columns)-1].Field += "=" + *text
						filled = true
					}
				}
				if !added.Nullable && !filled {
					st.Verify = append(st.Verify, AlterVerify{
						SQL:     "SELECT count(*) " + from,
						Message: "column \"" + added.Name + "\" of relation \"" + t.Ref.Name + "\" contains null values",
					})
				}
			}
		case pg.AlterTableType_AT_DropColumn:
			i, err := col()
			if err != nil {
				if cmd.MissingOk {
					continue
				}
				return nil, err
			}
			if len(next.Columns) == 1 {
				return nil, notSupported("a table needs at least one column")
			}
			if err := b.dropColumn(&next, i, cmd.Behavior == pg.DropBehavior_DROP_CASCADE); err != nil {
				return nil, err
			}
		case pg.AlterTableType_AT_ColumnDefault:
			i, err := col()
			if err != nil {
				return nil, err
			}
			next.Columns[i].Default = ""
			if cmd.Def != nil {
				text, err := exprText(cmd.Def)
				if err != nil {
					return nil, err
				}
				next.Columns[i].Default = text
				if _, err := b.defaultExpr(next.Columns[i], nodeLoc(cmd.Def)); err != nil {
					return nil, err
				}
			}
		case pg.AlterTableType_AT_DropNotNull:
			i, err := col()
			if err != nil {
				return nil, err
			}
			for _, c := range next.Constraints {
				if c.Kind == catalog.ConstraintPrimaryKey && contains(c.Columns, cmd.Name) {
					return nil, logical.Errorf(errs.ErrInvalidArgument, "column \"%s\" is in a primary key", cmd.Name)
				}
			}
			next.Columns[i].Nullable = true
		case pg.AlterTableType_AT_SetNotNull:
			i, err := col()
			if err != nil {
				return nil, err
			}
			if next.Columns[i].Nullable {
				next.Columns[i].Nullable = false
				st.Verify = append(st.Verify, AlterVerify{
					SQL:     "SELECT count(*) " + from + " WHERE " + quoteIdent(cmd.Name) + " IS NULL",
					Message: "column \"" + cmd.Name + "\" of relation \"" + t.Ref.Name + "\" contains null values",
				})
			}
		case pg.AlterTableType_AT_AlterColumnType:
			i, err := col()
			if err != nil {
				return nil, err
			}
			cd := cmd.Def.GetColumnDef()
			if cd == nil || cd.TypeName == nil {
				return nil, notSupported("ALTER COLUMN TYPE needs a type")
			}
			if cd.RawDefault != nil {
				return nil, notSupported("ALTER COLUMN TYPE ... USING is not supported: Tern changes types in place without rewriting data")
			}
			typ, err := b.typeFromName(cd.TypeName)
			if err != nil {
				return nil, err
			}
			old := next.Columns[i].Type
			if !widens(old, typ) {
				return nil, logical.Errorf(errs.ErrInvalidArgument,
					"cannot change column \"%s\" from %s to %s: Tern changes types in place only where every stored value fits (smallint -> integer -> bigint, real -> double precision, numeric precision up at the same scale, varchar length up or text)",
					cmd.Name, old, typ)
			}
			next.Columns[i].Type = typ
			if next.Columns[i].Default != "" {
				if _, err := b.defaultExpr(next.Columns[i], -1); err != nil {
					return nil, err
				}
			}
		case pg.AlterTableType_AT_AddConstraint:
			c := cmd.Def.GetConstraint()
			if c == nil {
				return nil, notSupported("ADD CONSTRAINT needs a constraint")
			}
			before := len(next.Constraints)
			nullable := make([]bool, len(next.Columns))
			for i, c := range next.Columns {
				nullable[i] = c.Nullable
			}
			cb := &constraintBuilder{b: b, t: &next}
			if err := cb.tableConstraint(c); err != nil {
				return nil, err
			}
			for _, added := range next.Constraints[before:] {
				if added.Kind == catalog.ConstraintCheck {
					st.Verify = append(st.Verify, AlterVerify{
						SQL:     "SELECT count(*) " + from + " WHERE NOT (" + added.Check + ")",
						Message: "check constraint \"" + added.Name + "\" of relation \"" + t.Ref.Name + "\" is violated by some row",
					})
				}
			}
			for i, c := range next.Columns { // a primary key made its columns NOT NULL
				if nullable[i] && !c.Nullable {
					st.Verify = append(st.Verify, AlterVerify{
						SQL:     "SELECT count(*) " + from + " WHERE " + quoteIdent(c.Name) + " IS NULL",
						Message: "column \"" + c.Name + "\" of relation \"" + t.Ref.Name + "\" contains null values",
					})
				}
			}
		case pg.AlterTableType_AT_DropConstraint:
			found := false
			kept := next.Constraints[:0:0]
			for _, c := range next.Constraints {
				if c.Name == cmd.Name {
					found = true
					continue
				}
				kept = append(kept, c)
			}
			if !found {
				if cmd.MissingOk {
					continue
				}
				return nil, logical.Errorf(errs.ErrNotFound, "constraint \"%s\" of relation \"%s\" does not exist", cmd.Name, t.Ref.Name)
			}
			next.Constraints = kept
		default:
			return nil, notSupported("ALTER TABLE %s is not supported", strings.TrimPrefix(cmd.Subtype.String(), "AT_"))
		}
	}
	if err := layoutStillHolds(next); err != nil {
		return nil, err
	}
	st.Apply = swapEntry(t, next)
	return ddlStmt(st), nil
}

// layoutStillHolds refuses a change that breaks the table's partition_by/cluster_by options
// (a dropped, renamed or retyped layout column): its writes would all fail.
func layoutStillHolds(t catalog.Table) error {
	if _, err := prune.ParseLayout(t); err != nil {
		return logical.Errorf(errs.ErrNotSupported, "this change conflicts with the table's storage layout (partition_by/cluster_by): %v", err)
	}
	return nil
}

// dropColumn removes column i with the constraints and indexes on it (PostgreSQL drops those
// of the column; a key spanning other columns needs CASCADE).
func (b *binder) dropColumn(t *catalog.Table, i int, cascade bool) error {
	name := t.Columns[i].Name
	t.Columns = append(t.Columns[:i:i], t.Columns[i+1:]...)
	kept := t.Constraints[:0:0]
	for _, c := range t.Constraints {
		uses := contains(c.Columns, name)
		if c.Kind == catalog.ConstraintCheck {
			_, err := b.bindCheck(*t, c.Check, -1)
			uses = err != nil
		}
		if uses && len(c.Columns) > 1 && !cascade {
			return logical.Errorf(errs.ErrInvalidArgument, "cannot drop column %s of table %s because other objects depend on it (constraint %s); use DROP ... CASCADE", name, t.Ref.Name, c.Name)
		}
		if !uses {
			kept = append(kept, c)
		}
	}
	t.Constraints = kept
	ix := t.Indexes[:0:0]
	for _, x := range t.Indexes {
		if !contains(x.Columns, name) {
			ix = append(ix, x)
		}
	}
	t.Indexes = ix
	return nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// widens reports whether every value of type from is a value of type to that the Parquet
// reader casts to and whose file statistics still compare correctly.
func widens(from, to catalog.Type) bool {
	if from == to {
		return true
	}
	rank := map[catalog.TypeKind]int{catalog.TypeInt16: 1, catalog.TypeInt32: 2, catalog.TypeInt64: 3}
	switch {
	case rank[from.Kind] > 0 && rank[to.Kind] > 0:
		return rank[to.Kind] >= rank[from.Kind]
	case from.Kind == catalog.TypeFloat32 && to.Kind == catalog.TypeFloat64:
		return true
	case from.Kind == catalog.TypeNumeric && to.Kind == catalog.TypeNumeric:
		return to.Scale == from.Scale && to.Precision >= from.Precision
	case from.Kind == catalog.TypeText && to.Kind == catalog.TypeText:
		return to.Precision == 0 || (from.Precision > 0 && to.Precision >= from.Precision)
	}
	return false
}

func cloneTable(t catalog.Table) catalog.Table {
	c := t
	c.Columns = append([]catalog.Column(nil), t.Columns...)
	c.Constraints = append([]catalog.Constraint(nil), t.Constraints...)
	c.Indexes = append([]catalog.Index(nil), t.Indexes...)
	return c
}

// swapEntry replaces the entry seen at planning time (was) by next, refusing if the table's
// definition changed in between. A changed column list is recorded for time travel
// (History) and, the first time, as the layout of the files written before (LegacyFields).
func swapEntry(was, next catalog.Table) func(*catalog.Table) error {
	return func(cur *catalog.Table) error {
		if cur.ID != was.ID || !reflect.DeepEqual(cur.Columns, was.Columns) ||
			!reflect.DeepEqual(cur.Constraints, was.Constraints) || !reflect.DeepEqual(cur.Indexes, was.Indexes) {
			return errs.Errorf(errs.ErrConflict, "relation \"%s\" was changed by another statement; retry the ALTER", was.Ref.Name)
		}
		if !sameLayout(cur.Columns, next.Columns) {
			if len(cur.LegacyFields) == 0 {
				for _, c := range cur.Columns {
					cur.LegacyFields = append(cur.LegacyFields, catalog.FieldName(c))
				}
			}
			if cur.CurrentSnapshot != catalog.NoSnapshot {
				cur.History = append(cur.History, catalog.SchemaVersion{Until: cur.CurrentSnapshot, Columns: cur.Columns})
			}
		}
		cur.Ref.Name = next.Ref.Name
		cur.Columns, cur.Constraints, cur.Indexes = next.Columns, next.Constraints, next.Indexes
		return nil
	}
}

// sameLayout: the same columns, names, file fields and types (defaults, nullability and
// comments aside).
func sameLayout(a, b []catalog.Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || catalog.FieldName(a[i]) != catalog.FieldName(b[i]) || a[i].Type != b[i].Type {
			return false
		}
	}
	return true
}

func randomSuffix() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// bindRename is ALTER TABLE/VIEW ... RENAME TO and ALTER TABLE ... RENAME COLUMN.
func (b *binder) bindRename(rs *pg.RenameStmt) (*boundStmt, error) {
	if rs.Relation == nil {
		return nil, notSupported("ALTER %s ... RENAME is not supported", strings.TrimPrefix(rs.RenameType.String(), "OBJECT_"))
	}
	t, err := b.lookupTable(rs.Relation)
	if err != nil {
		if rs.MissingOk && errors.Is(err, errs.ErrNotFound) {
			return ddlStmt(&AlterTable{}), nil
		}
		return nil, err
	}
	_, isView := t.Options[viewOption]
	next := cloneTable(t)
	switch rs.RenameType {
	case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_VIEW:
		if rs.RenameType == pg.ObjectType_OBJECT_VIEW && !isView {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "\"%s\" is not a view", t.Ref.Name)
		}
		if _, err := b.p.cat.GetTable(b.ctx, catalog.TableRef{Tenant: t.Ref.Tenant, Schema: t.Ref.Schema, Name: rs.Newname}); err == nil {
			return nil, logical.Errorf(errs.ErrAlreadyExists, "relation \"%s\" already exists", rs.Newname)
		}
		next.Ref.Name = rs.Newname
		// constraints keep their names (as PostgreSQL's do); self-references follow the table
		for i, c := range next.Constraints {
			if c.Kind == catalog.ConstraintForeignKey && c.RefTable.Name == t.Ref.Name && refSchema(c.RefTable) == refSchema(t.Ref) {
				next.Constraints[i].RefTable.Name = rs.Newname
			}
		}
	case pg.ObjectType_OBJECT_COLUMN:
		if isView {
			return nil, notSupported("renaming view columns is not supported; use CREATE OR REPLACE VIEW")
		}
		i := columnIndex(next, rs.Subname)
		if i < 0 {
			return nil, logical.Errorf(errs.ErrNotFound, "column \"%s\" does not exist", rs.Subname)
		}
		if columnIndex(next, rs.Newname) >= 0 {
			return nil, logical.Errorf(errs.ErrAlreadyExists, "column \"%s\" of relation \"%s\" already exists", rs.Newname, t.Ref.Name)
		}
		next.Columns[i].Field = catalog.FieldName(next.Columns[i]) // files keep the old name
		next.Columns[i].Name = rs.Newname
		for ci, c := range next.Constraints {
			if c.Kind == catalog.ConstraintCheck {
				if _, err := b.bindCheck(next, c.Check, -1); err != nil {
					return nil, notSupported("column \"%s\" is used by check constraint \"%s\": drop the constraint, rename, and add it again", rs.Subname, c.Name)
				}
			}
			next.Constraints[ci].Columns = renamed(c.Columns, rs.Subname, rs.Newname)
			if c.Kind == catalog.ConstraintForeignKey && c.RefTable.Name == t.Ref.Name && refSchema(c.RefTable) == refSchema(t.Ref) {
				next.Constraints[ci].RefColumns = renamed(c.RefColumns, rs.Subname, rs.Newname)
			}
		}
		for xi, x := range next.Indexes {
			next.Indexes[xi].Columns = renamed(x.Columns, rs.Subname, rs.Newname)
		}
	default:
		return nil, notSupported("ALTER %s ... RENAME is not supported", strings.TrimPrefix(rs.RenameType.String(), "OBJECT_"))
	}
	if err := layoutStillHolds(next); err != nil {
		return nil, err
	}
	return ddlStmt(&AlterTable{Ref: t.Ref, Apply: swapEntry(t, next)}), nil
}

func renamed(xs []string, from, to string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		if x == from {
			x = to
		}
		out[i] = x
	}
	return out
}

// fillValue is the text of the value rows existing before ADD COLUMN read: the column's DEFAULT
// evaluated once, now (nil: NULL). Only constants (after folding, e.g. now()) qualify.
func (b *binder) fillValue(col catalog.Column) (*string, error) {
	e, err := b.defaultExpr(col, -1)
	if err != nil {
		return nil, err
	}
	l, ok := optimizer.Fold(e).(*logical.Literal)
	if !ok {
		return nil, notSupported("ALTER TABLE ... ADD COLUMN with a non-constant DEFAULT on a table that holds data is not supported: add the column, UPDATE the rows, then SET DEFAULT")
	}
	if l.Value == nil {
		return nil, nil
	}
	var text string
	switch col.Type.Kind {
	case catalog.TypeText:
		text = l.Value.(string)
	case catalog.TypeInterval:
		return nil, notSupported("ALTER TABLE ... ADD COLUMN with an interval DEFAULT on a table that holds data is not supported")
	default:
		text = logical.FormatValue(col.Type, l.Value)
	}
	return &text, nil
}
