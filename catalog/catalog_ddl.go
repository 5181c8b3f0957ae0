package catalog

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/tern-db/tern/proto/errs"
)

// catalog_ddl.go: what DDL beyond CREATE/DROP TABLE records — constraints, indexes, comments,
// schema removal and in-place changes to a table's entry (ALTER TABLE, CREATE OR REPLACE VIEW,
// COMMENT ON).

// Constraint kinds, as PostgreSQL's pg_constraint.contype spells them.
const (
	ConstraintPrimaryKey = "p"
	ConstraintUnique     = "u"
	ConstraintForeignKey = "f"
	ConstraintCheck      = "c"
)

// Constraint is a declared table constraint. PRIMARY KEY, UNIQUE and REFERENCES are recorded
// and reported (key RPCs, information_schema) but not enforced, as in BigQuery and Snowflake;
// the NOT NULL a primary key implies is enforced (its columns are not Nullable). CHECK is
// enforced on every write.
type Constraint struct {
	Name    string
	Kind    string   // Constraint* above
	Columns []string // key columns (p, u, f), in key order
	Check   string   `json:",omitempty"` // CHECK expression as SQL text over the table's columns
	// RefTable and RefColumns: the referenced key of a foreign key.
	RefTable   TableRef `json:",omitempty"`
	RefColumns []string `json:",omitempty"`
	OnUpdate   string   `json:",omitempty"` // "a" no action (default), "r" restrict, "c" cascade, "n" set null, "d" set default
	OnDelete   string   `json:",omitempty"`
}

// Index is a CREATE INDEX that Tern records (so that DROP INDEX and tools listing indexes find
// it) without building anything: scans prune by file and row-group statistics instead.
type Index struct {
	Name    string
	Columns []string
	Unique  bool `json:",omitempty"`
}

// SchemaChanger is implemented by the catalogs of this package: DDL that changes or removes
// what exists.
type SchemaChanger interface {
	// DropSchema drops a schema. Without cascade a schema holding relations is refused
	// (errs.ErrInvalidArgument, PostgreSQL's 2BP01); with cascade its relations are dropped with it, in the
	// same transaction. It returns the relations dropped.
	DropSchema(ctx context.Context, tenant, name string, cascade bool) ([]TableRef, error)
	// UpdateTable changes a table's entry in one transaction: fn gets the current entry and
	// edits it in place. ID, CreatedAt and CurrentSnapshot cannot change; a changed Ref.Name
	// renames the table (same schema; errs.ErrAlreadyExists if the name is taken).
	UpdateTable(ctx context.Context, ref TableRef, fn func(*Table) error) (Table, error)
}

var _ SchemaChanger = (*store)(nil)

func (s *store) DropSchema(ctx context.Context, tenant, name string, cascade bool) ([]TableRef, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := validName("tenant", tenant); err != nil {
		return nil, err
	}
	if err := validName("schema", name); err != nil {
		return nil, err
	}
	if name == DefaultSchema {
		// Every tenant always has it (new tables and sessions default to it).
		return nil, errs.Errorf(errs.ErrNotSupported, "schema %q cannot be dropped in Tern", name)
	}
	if schemaHidden(ctx, name) { // another session's temporary schema (visibility.go)
		return nil, errs.Errorf(errs.ErrNotFound, "schema \"%s\" does not exist", name)
	}
	var dropped []TableRef
	err := s.kv.update(func(tx kvTx) error {
		dropped = dropped[:0]
		if !schemaExists(tx, tenant, name) {
			return errs.Errorf(errs.ErrNotFound, "schema \"%s\" does not exist", name)
		}
		var refs []TableRef
		err := tx.scan(bucketTables, key(tenant, name, ""), func(_, v []byte) error {
			var t tableRecord
			if err := json.Unmarshal(v, &t); err != nil {
				return corrupt(err)
			}
			refs = append(refs, t.Ref)
			return nil
		})
		if err != nil {
			return err
		}
		if len(refs) > 0 && !cascade {
			return errs.Errorf(errs.ErrInvalidArgument,
				"cannot drop schema %s because other objects depend on it (%d relations, first %s); use DROP ... CASCADE to drop the dependent objects too",
				name, len(refs), refs[0].String())
		}
		for _, r := range refs {
			if err := dropTableTx(tx, r); err != nil {
				return err
			}
			dropped = append(dropped, r)
		}
		return tx.del(bucketSchemas, key(tenant, name))
	})
	if err != nil {
		return nil, err
	}
	return dropped, nil
}

func (s *store) UpdateTable(ctx context.Context, ref TableRef, fn func(*Table) error) (Table, error) {
	ref, err := visibleRef(ctx, ref)
	if err != nil {
		return Table{}, err
	}
	var out Table
	err = s.kv.update(func(tx kvTx) error {
		t, err := getTable(tx, ref)
		if err != nil {
			return err
		}
		id, created, snap := t.ID, t.CreatedAt, t.CurrentSnapshot
		if err := fn(&t); err != nil {
			return err
		}
		t.ID, t.CreatedAt, t.CurrentSnapshot = id, created, snap
		t.Ref.Tenant, t.Ref.Schema = ref.Tenant, ref.Schema
		if err := validName("relation", t.Ref.Name); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, c := range t.Columns {
			if err := validName("column", c.Name); err != nil {
				return err
			}
			if seen[c.Name] {
				return errs.Errorf(errs.ErrAlreadyExists, "column \"%s\" of relation \"%s\" already exists", c.Name, t.Ref.Name)
			}
			seen[c.Name] = true
		}
		if t.Ref.Name != ref.Name {
			if tx.get(bucketTables, tableKey(t.Ref)) != nil {
				return errs.Errorf(errs.ErrAlreadyExists, "relation \"%s\" already exists", t.Ref.Name)
			}
			if err := tx.del(bucketTables, tableKey(ref)); err != nil {
				return err
			}
			if err := tx.put(bucketTableIDs, tableIDKey(ref.Tenant, t.ID), key(t.Ref.Schema, t.Ref.Name)); err != nil {
				return err
			}
		}
		out = t
		return putJSON(tx, bucketTables, tableKey(t.Ref), t)
	})
	return out, err
}

// IsSchemaChanger reports whether c supports SchemaChanger (wrappers such as a transaction's
// view of the catalog do not: DDL is not transactional).
func IsSchemaChanger(c Catalog) (SchemaChanger, error) {
	if sc, ok := c.(SchemaChanger); ok {
		return sc, nil
	}
	return nil, errs.Errorf(errs.ErrNotSupported, "this schema change is not supported here (DDL is not transactional)")
}

// FieldName is the name of c's values inside data files.
func FieldName(c Column) string {
	if c.Field != "" {
		return c.Field
	}
	return c.Name
}

// AddedFieldPrefix starts the file field name of a column added by ALTER TABLE: files written
// before it lack the field, and the Parquet reader reads such a field as NULL in a file that
// lacks it (any other missing field is an error), or as the value after "=" in the name: the
// column's DEFAULT when it was added, as text for an Arrow cast.
const AddedFieldPrefix = "tern:added:"

// SchemaVersion is a column list that a table had until (and including) snapshot Until.
type SchemaVersion struct {
	Until   uint64
	Columns []Column
}

// ColumnsAt returns the columns of t as of snapshot id (time travel): the first recorded
// version that lasted until id or later, else the current columns.
func (t Table) ColumnsAt(id uint64) []Column {
	for _, v := range t.History {
		if id <= v.Until {
			return v.Columns
		}
	}
	return t.Columns
}

// FileFields returns the field names a data file's statistics are in, for a file of t.
func (t Table) FileFields(f DataFile) []string {
	if len(f.Fields) > 0 {
		return f.Fields
	}
	if len(t.LegacyFields) > 0 {
		return t.LegacyFields
	}
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = FieldName(c)
	}
	return out
}

// AlignStats returns f with its statistics (file and row groups) in the order of cols, the
// columns of t being read: a column the file lacks (added later) has only NULLs there.
func (t Table) AlignStats(f DataFile, cols []Column) DataFile {
	if len(f.Stats) == 0 && len(f.RowGroups) == 0 {
		return f
	}
	fields := t.FileFields(f)
	same := len(fields) == len(cols)
	for i := 0; same && i < len(cols); i++ {
		same = fields[i] == FieldName(cols[i])
	}
	if same {
		return f
	}
	pos := make(map[string]int, len(fields))
	for i, n := range fields {
		pos[n] = i
	}
	remap := func(in []ColumnStats, rows int64) []ColumnStats {
		if len(in) == 0 {
			return nil
		}
		out := make([]ColumnStats, len(cols))
		for i, c := range cols {
			switch j, ok := pos[FieldName(c)]; {
			case ok && j < len(in):
				out[i] = in[j]
			case strings.Contains(FieldName(c), "="):
				out[i] = ColumnStats{} // read as the added column's default: unknown range, no NULLs
			default:
				out[i] = ColumnStats{Nulls: rows} // read as NULL
			}
		}
		return out
	}
	g := f
	g.Stats = remap(f.Stats, f.Rows)
	g.RowGroups = make([]RowGroupInfo, len(f.RowGroups))
	for i, rg := range f.RowGroups {
		g.RowGroups[i] = rg
		g.RowGroups[i].Stats = remap(rg.Stats, rg.Rows)
	}
	g.Fields = nil
	return g
}

// SameColumnSet reports whether a and b name the same columns, in any order (a key matches a
// foreign key's referenced columns this way).
func SameColumnSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	in := make(map[string]bool, len(a))
	for _, x := range a {
		in[x] = true
	}
	for _, x := range b {
		if !in[x] {
			return false
		}
	}
	return true
}
