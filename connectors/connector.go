package connectors

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/prune"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/errs"
)

// Support says how well a table applies a pushed-down filter (as DataFusion's
// TableProvider::supports_filters_pushdown).
type Support uint8

const (
	Unsupported Support = iota // the source ignores the filter; the engine applies it
	Inexact                    // the source prunes with it; the engine must still apply it
	Exact                      // the source applies it fully; the engine may drop it
)

func (s Support) String() string {
	return [...]string{"Unsupported", "Inexact", "Exact"}[s]
}

// Filter is one pushed-down filter: the conjunction of its predicates over the table's
// columns (indexes into Table.Schema). An OR of equalities on one column is a prune.In.
type Filter struct {
	Preds []prune.Pred
}

// ScanRequest is what the planner asks of a table scan.
type ScanRequest struct {
	Projection []int    // columns of the table's schema to read; nil means all
	Filters    []Filter // only those the table did not answer Unsupported for
	Limit      int64    // rows wanted after the filters (-1: no limit)
	Snapshot   uint64   // the snapshot pinned at planning (native tables)
	// Order (only for a table that is an Orderer and said yes): the Limit rows wanted are
	// the first in this order (ORDER BY ... LIMIT over the scan).
	Order []OrderKey
}

// OrderKey is one ORDER BY key over a table column (index into Table.Schema).
type OrderKey struct {
	Col        int
	Desc       bool
	NullsFirst bool
}

// Orderer is an optional capability of a Table: whether it can return the first rows in an
// order exactly as Tern orders them (ORDER BY + LIMIT pushdown).
type Orderer interface {
	SupportsOrder(keys []OrderKey) bool
}

// Split is one independently readable part of a scan. Data is opaque to all but the
// connector named, which decodes it on the node. The counts are estimates for EXPLAIN, dry
// runs and scheduling.
type Split struct {
	Connector string
	Data      []byte
	Rows      int64 // -1: unknown
	Bytes     int64 // bytes the split reads (after pruning, projected columns)
	Files     int64 // files it reads
	RowGroups int64 // row groups (or other units) it reads
}

// Connector is one source. Open runs on the node: it decodes a split and returns the operator
// producing the projected columns of base (the table's schema as the plan was bound; nil
// projection: every column). env is the query's engine environment (allocator, batch size).
type Connector interface {
	Name() string
	Open(ctx context.Context, env exec.Env, split []byte, base *arrow.Schema, projection []int) (exec.Operator, error)
}

// Resolver is the planner-side capability of a Connector whose tables are in the catalog
// (catalog.Table.Source names the connector): it returns the table's handle.
type Resolver interface {
	Table(ctx context.Context, t catalog.Table) (Table, error)
}

// Table is a scannable table of a source, resolved at planning time.
type Table interface {
	Schema() *arrow.Schema
	// SupportsFilters answers, for each filter, how the table applies it.
	SupportsFilters(filters []Filter) []Support
	// Splits plans a scan. Filters prune or filter splits as SupportsFilters said.
	Splits(ctx context.Context, req ScanRequest) ([]Split, error)
}

// Extent is how much a table holds at a snapshot: the denominators of EXPLAIN's pruning line
// and of a dry run.
type Extent struct {
	Files, RowGroups, Bytes int64
}

// Sizer is an optional capability of a Table: its whole extent for a request's snapshot.
type Sizer interface {
	Size(ctx context.Context, req ScanRequest) (Extent, error)
}

// Explainer is an optional capability of a Table: how EXPLAIN names the scan (kind, e.g.
// "Scan" or "ParquetScan") and what it adds after the columns (e.g. "snapshot=3 files=2").
type Explainer interface {
	Explain(splits []Split) (kind, detail string)
}

// PathLister is an optional capability of a Connector whose splits read local files: the
// paths a split reads, so that a gateway can re-check them against its allowed directories.
type PathLister interface {
	SplitPaths(split []byte) ([]string, error)
}

// Registry finds connectors by name (the node opens splits through it).
type Registry struct {
	byName map[string]Connector
}

// NewRegistry returns a registry of cs; a later connector with the same name wins.
func NewRegistry(cs ...Connector) *Registry {
	r := &Registry{byName: map[string]Connector{}}
	for _, c := range cs {
		r.byName[c.Name()] = c
	}
	return r
}

// Lookup returns the connector named name, or ErrNotSupported.
func (r *Registry) Lookup(name string) (Connector, error) {
	if r != nil {
		if c, ok := r.byName[name]; ok {
			return c, nil
		}
	}
	return nil, errs.Errorf(errs.ErrNotSupported, "no connector %q on this node", name)
}
