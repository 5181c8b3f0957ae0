// Package connectors defines where batches come from: a Connector resolves tables, a Table
// plans splits for a scan and opens each split as an exec.Operator. Sub-packages implement
// sources: native (Tern's own Parquet tables with snapshots) and files (Parquet/CSV files
// named in SQL). Optional capabilities (statistics, SQL pushdown, writing, streaming) are
// separate interfaces a Table may also implement.
package connectors

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/exec"
)

// Support says how well a table can apply a pushed-down filter (as DataFusion's
// TableProvider::supports_filters_pushdown).
type Support uint8

const (
	Unsupported Support = iota // the engine must apply the filter
	Inexact                    // the source prunes with it, the engine must still apply it
	Exact                      // the source applies it fully
)

// ScanRequest is what the planner asks of a table scan.
type ScanRequest struct {
	Projection []int // columns of the table's schema to read; nil means all
	Limit      int64 // -1: none
	Snapshot   uint64
}

// Split is one independently readable part of a scan, serialisable into a fragment.
type Split struct {
	Paths []string // absolute file paths for file-backed sources
	Rows  int64
	Bytes int64
}

// Connector resolves tables of one source.
type Connector interface {
	Name() string
	Table(ctx context.Context, ref catalog.TableRef) (Table, error)
}

// Table is a scannable table of a source.
type Table interface {
	Schema() *arrow.Schema
	Splits(ctx context.Context, req ScanRequest) ([]Split, error)
	Open(ctx context.Context, s Split, req ScanRequest) (exec.Operator, error)
}
