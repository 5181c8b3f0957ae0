// Package planner turns SQL text into executable statements: parse (PostgreSQL grammar via
// pg_query_go), bind against the catalog (names, types, PostgreSQL semantics, errors with
// positions), build an immutable logical plan, optimize it with named rules, plan it
// physically (partitioning, ordering, site; exchanges), cut it into fragments and produce
// each fragment's Substrait plan, which executor nodes run (conventions in package proto).
//
// The planner never executes anything and never touches Flight; the gateway runs what it
// returns. Client Substrait plans are planned by the same binder rules (PlanSubstrait).
// Sub-packages: logical (plan nodes and bound expressions), optimizer (logical rules),
// physical (physical nodes and rules, the fragmenter), substrait (producer; decoding of
// client plans).
package planner

import (
	"context"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/tern-db/tern/catalog"
)

// Session is what the planner needs to know about who asks and where they are.
type Session struct {
	Tenant string
	User   string
	Schema string // current schema for unqualified names; "" means catalog.DefaultSchema
	// DryRun (SET tern.dry_run = on): queries are planned, not run, and answer one row with
	// the bytes they would scan (planner/dryrun.go).
	DryRun bool
	// Now is the statement time that now(), current_timestamp, current_date, ... fold to;
	// zero: the time planning starts. Every occurrence in one statement sees the same value.
	Now time.Time
	// TempSchema is the session's schema of temporary tables (Flight SQL ingest with
	// temporary=true). Unqualified names of existing tables resolve there first, as
	// PostgreSQL's pg_temp comes first in the search path; new tables never go there.
	TempSchema string
	// Settings are the configuration parameters the session set (lower-case name ->
	// canonical value, settings.go); the others have their defaults.
	Settings map[string]string
	// LastQuery is the session's previous finished statement (tern.last_query()); nil when
	// there is none.
	LastQuery *catalog.QueryRecord
}

// FileAccess decides which local paths SQL may read (read_parquet, COPY ... FROM). It returns
// an error wrapping errs.ErrPermissionDenied for any other path.
type FileAccess interface {
	CheckRead(path string) (abs string, err error)
}

// TableFiles resolves a native table snapshot to the absolute paths of its data files.
type TableFiles interface {
	SnapshotFiles(ctx context.Context, t catalog.Table, snapshot uint64) ([]string, error)
}

// Kind classifies a statement for Flight SQL (queries return rows, updates return a count).
type Kind uint8

const (
	KindQuery  Kind = iota // SELECT, VALUES, EXPLAIN, SHOW
	KindUpdate             // INSERT, COPY, CREATE/DROP TABLE, CTAS, SET
)

// Prepared describes a statement without running it: enough for a Flight SQL prepared
// statement's dataset and parameter schemas.
type Prepared struct {
	Kind         Kind
	ResultSchema *arrow.Schema  // nil for KindUpdate
	Params       []catalog.Type // types inferred for $1..$n (Text where nothing constrains them)
}

// Statement is an executable, fully bound statement. Concrete types below.
type Statement interface{ statement() }

// Query returns rows: run Plan on a node and stream its output.
type Query struct {
	Schema *arrow.Schema
	// Plan is the serialized substraitpb.Plan of the final fragment: the whole query when it
	// is one fragment (Fragments has at most one entry).
	Plan []byte
	// Fragments are the query's fragments when its physical plan was cut at exchanges,
	// inputs before the fragments that read them; the last is the final one (Plan). Its
	// Partitions are the query's result partitions, a FlightInfo endpoint each.
	Fragments []Fragment
	// Ordered: the query has an ORDER BY, so its result partitions, read in turn, give the
	// rows in order.
	Ordered bool
	// Snapshots pins the snapshot read for each native table (table ID -> snapshot ID); part
	// of result-cache keys later.
	Snapshots map[uint64]uint64
}

// Fragment is one fragment of a Query: a complete Substrait plan whose RemoteSource
// relations read the fragments named by Inputs and whose ExchangeSink (all but the final
// fragment) routes its rows to the partitions of the fragment that reads it.
type Fragment struct {
	ID         int
	Plan       []byte
	Partitions int // how many instances run it (its output partitions, for the final one)
	Inputs     []int
}

// Partitions is the number of the query's result partitions (at least 1).
func (q *Query) Partitions() int {
	if n := len(q.Fragments); n > 0 {
		return max(q.Fragments[n-1].Partitions, 1)
	}
	return 1
}

// Explain returns its text as rows of one "QUERY PLAN" column.
type Explain struct {
	Lines []string
}

// ExplainAnalyze is EXPLAIN ANALYZE: run Query (discarding its rows) and answer the plan
// with per-operator figures (rows, batches, time, peak memory) as rows of one "QUERY PLAN"
// column. Lines is the physical plan, one operator per line in the pre-order of the
// Substrait relations of Query.Plan (children indented by two spaces under their parent),
// so the executor's per-operator figures can be appended to the matching line; Logical is
// the optimized logical plan.
type ExplainAnalyze struct {
	Query   *Query
	Logical []string
	Lines   []string
}

// CreateTable creates a table; with As, the table is filled by the query atomically (CTAS).
type CreateTable struct {
	Table       catalog.Table // Ref and Columns set
	IfNotExists bool
	As          *Query // output schema matches Table.Columns exactly
	// OrReplace (CREATE OR REPLACE VIEW): an existing view is replaced in place (the planner
	// checked PostgreSQL's rules: columns may only be added at the end).
	OrReplace bool
}

// DropTable drops a table or a view (DROP TABLE a, b drops several: Ref, then Also, in
// order; the planner has checked they all exist, leaving out missing ones under IF EXISTS).
type DropTable struct {
	Ref      catalog.TableRef
	IfExists bool
	Also     []catalog.TableRef
}

// Insert appends Source's rows to Table. Source's output schema equals the table's columns
// exactly, in order (the planner maps column lists, casts and fills defaults/NULLs). INSERT
// ... VALUES, INSERT ... SELECT and COPY ... FROM all become Insert.
type Insert struct {
	Table     catalog.Table
	Base      uint64 // snapshot the source was planned against
	Source    *Query
	Operation string // "insert" or "copy"
	// Fit (COPY FROM): Source's columns are in the table's order but keep the file's types;
	// the runner converts them to the table's types and checks lengths and NOT NULL, naming
	// the row and column of a value that does not fit (gateway/copy_fit.go).
	Fit bool
	// Returning (INSERT ... RETURNING): Source produces the table's columns, then these
	// (returning.go).
	Returning *arrow.Schema
}

// Set changes a session setting (SET name = value, the name lower-case and the value
// checked and canonical, settings.go); Reset restores the default (Name "all": every one).
type Set struct {
	Name  string
	Value string
	Reset bool
}

func (*Query) statement()          {}
func (*Explain) statement()        {}
func (*ExplainAnalyze) statement() {}
func (*CreateTable) statement()    {}
func (*DropTable) statement()      {}
func (*Insert) statement()         {}
func (*Set) statement()            {}

// Planner plans statements. It holds no per-session state and is safe for concurrent use.
type Planner interface {
	// Prepare parses and binds sql without parameter values.
	Prepare(ctx context.Context, s Session, sql string) (*Prepared, error)
	// Plan parses, binds (substituting params for $1..$n, cast to the inferred types) and
	// plans sql. It returns an error wrapping errs.ErrInvalidArgument for bad SQL (a
	// *errs.PositionError where the position is known), errs.ErrNotFound for unknown
	// tables/columns, errs.ErrPermissionDenied for refused paths, errs.ErrNotSupported for
	// valid SQL that Tern does not run yet.
	Plan(ctx context.Context, s Session, sql string, params []scalar.Scalar) (Statement, error)
	// PlanSubstrait plans a client's serialized Substrait plan as SQL is planned (names
	// resolved by the binder, optimizer, pruning; plan_substrait.go). It returns a *Query, or
	// under s.DryRun the estimate; errors as Plan's.
	PlanSubstrait(ctx context.Context, s Session, plan []byte) (Statement, error)
}

// Rewrite is a copy-on-write change to a native table: DELETE, UPDATE, MERGE (planner/dml.go).
// Each of Files is replaced by the rows its Query produces: the table's columns, then a
// boolean column that is true for the rows the statement changed. A file whose query drops no
// row and changes none stays as it is. Insert (MERGE's NOT MATCHED rows; the table's columns)
// is appended. Everything commits as one snapshot on top of Base (rebased over changes to
// other files; a change to one of Files since Base is errs.ErrConflict). The affected row
// count is the rows dropped plus the rows changed plus the rows inserted.
type Rewrite struct {
	Table     catalog.Table
	Base      uint64
	Operation string // "delete", "update", "merge"
	Files     []RewriteFile
	Insert    *Query
	// Returning (RETURNING): each file's query produces, after the changed flag, a "dropped"
	// flag (true: the row is deleted, not written) and these columns, meaningful for the rows
	// changed or dropped; Insert produces them after the table's columns (returning.go).
	Returning *arrow.Schema
	// MultiMatch, when set, is the error for a target row that matches several source rows
	// (UPDATE ... FROM; the executor reports it as a scalar subquery's).
	MultiMatch string
}

// RewriteFile is one data file a Rewrite replaces.
type RewriteFile struct {
	Path  string // relative to the data directory, as catalog.DataFile.Path
	Rows  int64
	Query *Query
}

func (*Rewrite) statement() {}
