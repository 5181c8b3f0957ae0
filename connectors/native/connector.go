package native

import (
	"context"
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/connectors/prune"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/errs"
)

// connector.go: native tables as the connector "native". A table handle is a catalog table
// (its columns as of the pinned snapshot); Splits prunes the snapshot's files and row groups
// with the pushed filters (partition keys and min/max statistics, connectors/prune) and
// returns one split per kept file: its path, the byte ranges of the kept row groups, and the
// file field names of renamed or added columns (evolve.go). On the node a split is a Parquet
// file scan (connectors/files): opening one needs no catalog and no store.

// ConnectorName is the name of the native connector (catalog.Table.Source's default).
const ConnectorName = catalog.SourceNative

// Files resolves a snapshot of a table to its data files' absolute paths (Store; the
// gateway's transaction staging, whose snapshots are not all in the catalog).
type Files interface {
	SnapshotFiles(ctx context.Context, t catalog.Table, snapshot uint64) ([]string, error)
}

// DataFiles is an optional capability of Files: the data files with their statistics, which
// pruning and estimates need. Without it a scan reads every file of the snapshot.
type DataFiles interface {
	SnapshotDataFiles(ctx context.Context, t catalog.Table, snapshot uint64) ([]catalog.DataFile, error)
	AbsPath(rel string) string
}

// Connector is the native connector. Files is needed to plan (Table); a node opening splits
// uses the zero value.
type Connector struct {
	Files Files
}

var (
	_ connectors.Connector  = Connector{}
	_ connectors.Resolver   = Connector{}
	_ connectors.PathLister = Connector{}
	_ connectors.Table      = (*Table)(nil)
	_ connectors.Sizer      = (*Table)(nil)
	_ connectors.Explainer  = (*Table)(nil)
)

func (Connector) Name() string { return ConnectorName }

// Table returns the handle of t, whose Columns must be the columns of the snapshot scanned
// (catalog.Table.ColumnsAt for time travel).
func (c Connector) Table(ctx context.Context, t catalog.Table) (connectors.Table, error) {
	if c.Files == nil {
		return nil, errs.Errorf(errs.ErrInternal, "native connector without a file resolver")
	}
	return NewTable(c.Files, t), nil
}

// NewTable is Connector{files}.Table without the interface conversion.
func NewTable(fs Files, t catalog.Table) *Table {
	tb := &Table{files: fs, meta: t, schema: ArrowSchema(t)}
	for _, col := range t.Columns {
		if catalog.FieldName(col) != col.Name { // renamed or added by ALTER TABLE
			tb.fields = make([]string, len(t.Columns))
			for j, c := range t.Columns {
				tb.fields[j] = catalog.FieldName(c)
			}
			break
		}
	}
	return tb
}

// Open decodes a split and scans its Parquet files, reading columns by their file names.
func (Connector) Open(ctx context.Context, env exec.Env, split []byte, base *arrow.Schema, projection []int) (exec.Operator, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, err := files.DecodeSplit(split)
	if err != nil {
		return nil, err
	}
	if s.Format != files.Parquet {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "native split of format %s", s.Format)
	}
	schema := base
	if len(s.Fields) > 0 {
		if len(s.Fields) != base.NumFields() {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "native split names %d fields, base schema has %d", len(s.Fields), base.NumFields())
		}
		fs := append([]arrow.Field(nil), base.Fields()...)
		for i := range fs {
			fs[i].Name = s.Fields[i]
		}
		meta := base.Metadata()
		schema = arrow.NewSchema(fs, &meta)
	}
	// Columns are positional from here on: the output keeps the file names, as it always did.
	return files.NewScan(files.ScanOptions{Env: env, Format: files.Parquet, Paths: s.Paths, Ranges: s.Ranges, Schema: schema, Projection: projection})
}

// SplitPaths lists the data files a split reads.
func (Connector) SplitPaths(split []byte) ([]string, error) {
	s, err := files.DecodeSplit(split)
	if err != nil {
		return nil, err
	}
	return s.Paths, nil
}

// Table is a native table at planning time.
type Table struct {
	files  Files
	meta   catalog.Table
	schema *arrow.Schema
	fields []string // file field names when some differ from the column names, else nil

	mu   sync.Mutex
	data map[uint64][]catalog.DataFile // SnapshotDataFiles by snapshot (one query's handle)
}

// Meta returns the catalog entry the handle was made from.
func (t *Table) Meta() catalog.Table { return t.meta }

func (t *Table) Schema() *arrow.Schema { return t.schema }

// SupportsFilters: a filter the statistics can prune with is Inexact (files and row groups
// that cannot match are skipped; the rows of the others still need the filter).
func (t *Table) SupportsFilters(filters []connectors.Filter) []connectors.Support {
	out := make([]connectors.Support, len(filters))
	for i, f := range filters {
		if len(f.Preds) > 0 {
			out[i] = connectors.Inexact
		}
	}
	return out
}

// dataFiles returns the snapshot's files with statistics, or ok false without DataFiles.
func (t *Table) dataFiles(ctx context.Context, snapshot uint64) ([]catalog.DataFile, DataFiles, bool, error) {
	df, ok := t.files.(DataFiles)
	if !ok {
		return nil, nil, false, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if fs, ok := t.data[snapshot]; ok {
		return fs, df, true, nil
	}
	fs, err := df.SnapshotDataFiles(ctx, t.meta, snapshot)
	if err != nil {
		return nil, nil, false, err
	}
	if t.data == nil {
		t.data = map[uint64][]catalog.DataFile{}
	}
	t.data[snapshot] = fs
	return fs, df, true, nil
}

// Splits returns one split per data file of req.Snapshot that the filters may match, limited
// to the row groups they may match. Without filters, a limit stops after the first files
// holding at least Limit rows. catalog.NoSnapshot (a table never written) has no splits.
func (t *Table) Splits(ctx context.Context, req connectors.ScanRequest) ([]connectors.Split, error) {
	if req.Snapshot == catalog.NoSnapshot || req.Limit == 0 {
		return nil, nil
	}
	if t.files == nil {
		return nil, errs.Errorf(errs.ErrInternal, "native table %q planned without a file resolver", t.meta.Ref.Name)
	}
	var preds []prune.Pred
	for _, f := range req.Filters {
		preds = append(preds, f.Preds...)
	}
	limited := req.Limit > 0 && len(preds) == 0
	fs, df, ok, err := t.dataFiles(ctx, req.Snapshot)
	if err != nil {
		return nil, err
	}
	var out []connectors.Split
	var rows int64
	if !ok { // no statistics: every file, whole
		paths, err := t.files.SnapshotFiles(ctx, t.meta, req.Snapshot)
		if err != nil {
			return nil, err
		}
		for _, p := range paths {
			sp, err := t.split([]string{p}, nil, -1, 0, 1)
			if err != nil {
				return nil, err
			}
			out = append(out, sp)
		}
		return out, nil
	}
	for _, sel := range prune.Files(fs, preds) {
		if limited && rows >= req.Limit && len(out) > 0 {
			break
		}
		var paths []string
		var ranges [][2]int64
		for _, r := range sel.Ranges() {
			paths = append(paths, df.AbsPath(sel.File.Path))
			ranges = append(ranges, r)
		}
		n := sel.File.Rows
		if !sel.Whole() {
			n = 0
			for _, i := range sel.RowGroups {
				n += sel.File.RowGroups[i].Rows
			}
		}
		sp, err := t.split(paths, ranges, n, sel.EstimateBytes(req.Projection), int64(max(len(sel.RowGroups), 1)))
		if err != nil {
			return nil, err
		}
		out = append(out, sp)
		rows += n
	}
	return out, nil
}

// FileSplits returns one split per file, each read whole: the per-file scans of a
// copy-on-write DML statement (planner/dml.go) and the scans of every file it checks.
func (t *Table) FileSplits(ctx context.Context, fs []catalog.DataFile) ([]connectors.Split, error) {
	df, ok := t.files.(DataFiles)
	if !ok {
		return nil, errs.Errorf(errs.ErrNotSupported, "this table's files have no statistics")
	}
	out := make([]connectors.Split, 0, len(fs))
	for _, f := range fs {
		sp, err := t.split([]string{df.AbsPath(f.Path)}, nil, f.Rows, f.Bytes, int64(max(len(f.RowGroups), 1)))
		if err != nil {
			return nil, err
		}
		out = append(out, sp)
	}
	return out, nil
}

func (t *Table) split(paths []string, ranges [][2]int64, rows, bytes, rowGroups int64) (connectors.Split, error) {
	whole := true
	for _, r := range ranges {
		whole = whole && r[1] == 0
	}
	if whole {
		ranges = nil
	}
	data, err := files.EncodeSplit(files.Split{Format: files.Parquet, Paths: paths, Ranges: ranges, Fields: t.fields})
	if err != nil {
		return connectors.Split{}, err
	}
	return connectors.Split{Connector: ConnectorName, Data: data, Rows: rows, Bytes: bytes, Files: 1, RowGroups: rowGroups}, nil
}

// Size is every file of the snapshot: their count, row groups and bytes. Without
// statistics (DataFiles) it is ErrNotSupported.
func (t *Table) Size(ctx context.Context, req connectors.ScanRequest) (connectors.Extent, error) {
	var e connectors.Extent
	if req.Snapshot == catalog.NoSnapshot {
		return e, nil
	}
	fs, _, ok, err := t.dataFiles(ctx, req.Snapshot)
	if err != nil {
		return e, err
	}
	if !ok {
		return e, errs.Errorf(errs.ErrNotSupported, "no file statistics")
	}
	for _, f := range fs {
		e.Files++
		e.Bytes += f.Bytes
		e.RowGroups += int64(max(len(f.RowGroups), 1))
	}
	return e, nil
}

// Explain: "Scan", with the pinned snapshot and the files the splits read.
func (t *Table) Explain(splits []connectors.Split) (string, string) {
	return "Scan", fmt.Sprintf("snapshot=%d files=%d", t.meta.CurrentSnapshot, len(splits))
}

// MatchingFiles keeps the files of fs whose statistics the filters may match (whole files:
// a copy-on-write statement rewrites a file entirely or leaves it alone).
func (t *Table) MatchingFiles(fs []catalog.DataFile, filters []connectors.Filter) []catalog.DataFile {
	var preds []prune.Pred
	for _, f := range filters {
		preds = append(preds, f.Preds...)
	}
	var out []catalog.DataFile
	for _, sel := range prune.Files(fs, preds) {
		out = append(out, sel.File)
	}
	return out
}
