package catalog

import (
	"context"
	"time"
)

// ColumnStats are one column's statistics over a file or a row group. Min and Max are
// encoded values (connectors/prune.Value.Encode: a kind letter, ':' and the value); ""
// means unknown (no non-null value, or a value too long to keep).
type ColumnStats struct {
	Min   string `json:",omitempty"`
	Max   string `json:",omitempty"`
	Nulls int64  `json:",omitempty"`
	Bytes int64  `json:",omitempty"` // compressed bytes of the column's chunks
}

// RowGroupInfo describes one Parquet row group of a data file.
type RowGroupInfo struct {
	Offset int64 // byte offset of the row group's first page; scans select row groups by it
	Rows   int64
	Bytes  int64         // compressed bytes of all its column chunks
	Stats  []ColumnStats `json:",omitempty"` // one per table column
}

// SnapshotInfo is a snapshot's header, without its file list.
type SnapshotInfo struct {
	ID          uint64
	ParentID    uint64
	CommittedAt time.Time
	Operation   string
}

// History is implemented by catalogs that keep older snapshots for time travel and expire
// them (the embedded and in-memory catalogs of this package).
type History interface {
	// Snapshots lists the retained snapshots of a table, oldest first.
	Snapshots(ctx context.Context, tableID uint64) ([]SnapshotInfo, error)
	// ExpireSnapshots forgets the snapshots of a table that stopped being current before
	// cutoff (never the current one). Files only they held are recorded for deletion
	// (Janitor), as DropTable does. It returns how many snapshots it forgot.
	ExpireSnapshots(ctx context.Context, tableID uint64, cutoff time.Time) (int, error)
	// ReferencedFiles returns every data file a retained snapshot of any table holds, plus
	// the files recorded for deletion: anything else under the tables directory is an orphan.
	ReferencedFiles(ctx context.Context) (map[string]bool, error)
	// AllTables lists every table of every tenant (for background maintenance).
	AllTables(ctx context.Context) ([]Table, error)
	// DroppedFilesBefore returns the files recorded for deletion (Janitor) before t: a
	// cleaner deletes only those, so that queries planned just before still read theirs.
	DroppedFilesBefore(ctx context.Context, t time.Time) ([]string, error)
}

// TableStats are what ANALYZE collects for the optimizer.
type TableStats struct {
	Snapshot   uint64 // the snapshot analysed
	AnalyzedAt time.Time
	Rows       int64
	Columns    []ColumnSummary // one per table column
}

// ColumnSummary is one column's statistics as ANALYZE computes them.
type ColumnSummary struct {
	Name     string
	Distinct int64 // estimated number of distinct non-null values
	Nulls    int64
	Min      string `json:",omitempty"` // encoded as ColumnStats.Min
	Max      string `json:",omitempty"`
	AvgWidth int64  // average value width in bytes (Arrow representation)
}

// StatsStore is implemented by catalogs that keep ANALYZE statistics.
type StatsStore interface {
	PutTableStats(ctx context.Context, ref TableRef, st TableStats) error
	StatsReader
}

// StatsReader reads ANALYZE statistics (the planner's view; catalog wrappers that cannot
// store statistics may still pass them through).
type StatsReader interface {
	// TableStats returns the statistics of a table; errs.ErrNotFound if never analysed.
	TableStats(ctx context.Context, ref TableRef) (TableStats, error)
}
