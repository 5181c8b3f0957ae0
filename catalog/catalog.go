package catalog

import (
	"context"
	"slices"
	"time"
)

// Names used before tenants, catalogs and schemas can be created by users.
const (
	DefaultTenant = "default"
	DefaultSchema = "public"
	CatalogName   = "tern" // what Flight SQL GetCatalogs reports
	AdminUser     = "admin"
	NoSnapshot    = uint64(0) // a table's snapshot before its first commit
)

// TableRef names a table. Names are stored as written after SQL identifier folding (the
// planner lower-cases unquoted identifiers, as PostgreSQL does).
type TableRef struct {
	Tenant string
	Schema string
	Name   string
}

func (r TableRef) String() string { return r.Schema + "." + r.Name }

// Column is one column of a table.
type Column struct {
	Name     string
	Type     Type
	Nullable bool
	// Default is the column's DEFAULT expression as SQL text ("" none); the planner binds it
	// where a write omits the column (catalog_ddl.go).
	Default string `json:",omitempty"`
	Comment string `json:",omitempty"` // COMMENT ON COLUMN
	// Field is the column's name inside data files when it differs from Name (a renamed
	// column keeps reading its old data; an added one gets a name no older file holds). See
	// FieldName and catalog_ddl.go.
	Field string `json:",omitempty"`
}

// Table is a table's metadata at one moment.
type Table struct {
	ID              uint64
	Ref             TableRef
	Columns         []Column
	Options         map[string]string // WITH (...) storage options, e.g. partition_by, cluster_by
	CreatedAt       time.Time
	CurrentSnapshot uint64 // NoSnapshot until the first commit
	// Comment (COMMENT ON TABLE/VIEW), Constraints (PRIMARY KEY, UNIQUE, REFERENCES, CHECK)
	// and Indexes (CREATE INDEX, recorded, not built): see catalog_ddl.go.
	Comment     string       `json:",omitempty"`
	Constraints []Constraint `json:",omitempty"`
	Indexes     []Index      `json:",omitempty"`
	// LegacyFields: the file field names, in order, of the columns before the first change to
	// the column list; files written before it record no Fields and their statistics are in
	// that order. History holds the column lists replaced by ALTER TABLE, for time travel.
	LegacyFields []string        `json:",omitempty"`
	History      []SchemaVersion `json:",omitempty"`
	// Source names the connector that reads the table ("" in catalogs written before it was
	// recorded: SourceNative). See SourceName.
	Source string `json:",omitempty"`
}

// SourceNative is the connector of Tern's own tables (connectors/native).
const SourceNative = "native"

// SourceName is the connector that reads t: Source, or SourceNative when unset.
func (t Table) SourceName() string {
	if t.Source == "" {
		return SourceNative
	}
	return t.Source
}

// Snapshot is one committed state of a table: the set of data files that make it up.
type Snapshot struct {
	ID          uint64
	TableID     uint64
	ParentID    uint64
	CommittedAt time.Time
	Operation   string // "insert", "copy", "create", ...
	Files       []DataFile
}

// Rows returns the total row count of the snapshot.
func (s Snapshot) Rows() int64 {
	var n int64
	for _, f := range s.Files {
		n += f.Rows
	}
	return n
}

// DataFile is one immutable Parquet file of a native table.
type DataFile struct {
	Path  string // relative to the data directory
	Rows  int64
	Bytes int64
	// Partition is the file's partition key (all its rows share it; see
	// connectors/native.PartitionSpec); "" for an unpartitioned table.
	Partition string `json:",omitempty"`
	// Stats holds one entry per table column (in Columns order) for the whole file, and
	// RowGroups the Parquet row groups with their own statistics: what pruning and dry runs
	// use without opening the file. Files written before statistics existed have neither.
	Stats     []ColumnStats  `json:",omitempty"`
	RowGroups []RowGroupInfo `json:",omitempty"`
	// Fields names the file's columns (catalog.FieldName of the table's columns at write
	// time), in the order of Stats; files written before columns could change have none.
	Fields []string `json:",omitempty"`
}

// Commit describes a change to one table's file set.
type Commit struct {
	Ref       TableRef
	Base      uint64 // snapshot the writer started from; the commit fails with errs.ErrConflict if the table moved on
	Add       []DataFile
	Remove    []string // paths of files that the new snapshot no longer holds
	Operation string
	// Rebase lets the commit apply on top of a newer snapshot than Base when every file it
	// removes is still present (the commits in between only added or rewrote other files):
	// copy-on-write DML and compaction conflict only when they touch the same files.
	Rebase bool `json:",omitempty"`
}

// User is a principal that can log in.
type User struct {
	Tenant       string
	Name         string
	PasswordHash string // bcrypt
}

// Catalog is the metadata store. Implementations are safe for concurrent use; every method
// that can block takes a context. Errors wrap errs.ErrNotFound, errs.ErrAlreadyExists or
// errs.ErrConflict where those apply.
type Catalog interface {
	ListSchemas(ctx context.Context, tenant string) ([]string, error)
	CreateSchema(ctx context.Context, tenant, name string) error

	// CreateTable creates t (ID, CreatedAt and CurrentSnapshot are assigned). If files is
	// non-empty the first snapshot holding them is committed in the same transaction, which
	// makes CREATE TABLE AS atomic.
	CreateTable(ctx context.Context, t Table, files []DataFile) (Table, error)
	DropTable(ctx context.Context, ref TableRef) error
	GetTable(ctx context.Context, ref TableRef) (Table, error)
	ListTables(ctx context.Context, tenant, schema string) ([]Table, error)

	// Snapshot returns one snapshot of a table; id NoSnapshot returns an empty snapshot.
	Snapshot(ctx context.Context, tableID, id uint64) (Snapshot, error)
	// CommitSnapshot atomically makes a new snapshot current (several commits: all or none).
	CommitSnapshot(ctx context.Context, commits ...Commit) ([]Snapshot, error)

	GetUser(ctx context.Context, tenant, name string) (User, error)
	PutUser(ctx context.Context, u User) error

	Close() error
}

// HasSchema reports whether tenant has schema name, as the caller sees it (another session's
// temporary schema is not listed, visibility.go).
func HasSchema(ctx context.Context, c Catalog, tenant, name string) (bool, error) {
	names, err := c.ListSchemas(ctx, tenant)
	if err != nil {
		return false, err
	}
	return slices.Contains(names, name), nil
}
