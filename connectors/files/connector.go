package files

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/errs"
)

// connector.go: files named in SQL (read_parquet, read_csv, read_json, COPY FROM) as the
// connector "files". TableOf infers and unifies the files' schema (the one place schema
// inference lives); a split is a FileSplit (split.go) of one file.

// ConnectorName is the name of the files connector.
const ConnectorName = "files"

// Connector opens file splits. The zero value is ready to use.
type Connector struct{}

var (
	_ connectors.Connector  = Connector{}
	_ connectors.PathLister = Connector{}
	_ connectors.Table      = (*Table)(nil)
	_ connectors.Sizer      = (*Table)(nil)
	_ connectors.Explainer  = (*Table)(nil)
)

func (Connector) Name() string { return ConnectorName }

// Open decodes a split and scans its files as base's projected columns.
func (Connector) Open(ctx context.Context, env exec.Env, split []byte, base *arrow.Schema, projection []int) (exec.Operator, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, err := DecodeSplit(split)
	if err != nil {
		return nil, err
	}
	return NewScan(ScanOptions{Env: env, Format: s.Format, Paths: s.Paths, Ranges: s.Ranges, Schema: base,
		Projection: projection, CSVHeader: s.CSVHeader, CSVDelimiter: s.CSVDelimiter})
}

// SplitPaths lists the files a split reads (the gateway re-checks them against --allow-dir).
func (Connector) SplitPaths(split []byte) ([]string, error) {
	s, err := DecodeSplit(split)
	if err != nil {
		return nil, err
	}
	return s.Paths, nil
}

// Spec names files to read: absolute paths already checked against the allow-list (the
// planner expands globs and checks each file), their format and text options.
type Spec struct {
	Format       Format
	Paths        []string
	CSVHeader    bool
	CSVDelimiter rune // 0: ','
}

// Table is files read together as one table.
type Table struct {
	spec   Spec
	schema *arrow.Schema
	rows   int64 // -1: unknown (text formats)
}

// TableOf infers the schema of every file of spec and unifies them (UnifySchemas): Parquet
// from footers (which also give the row count), CSV and JSON by sampling.
func (Connector) TableOf(ctx context.Context, spec Spec) (*Table, error) {
	if len(spec.Paths) == 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "no files")
	}
	schemas := make([]*arrow.Schema, len(spec.Paths))
	var rows int64
	for i, p := range spec.Paths {
		var sc *arrow.Schema
		var err error
		switch spec.Format {
		case Parquet:
			var n int64
			if err = ctx.Err(); err == nil {
				sc, n, err = inferParquet(p)
			}
			rows += n
		case CSV:
			delim := spec.CSVDelimiter
			if delim == 0 {
				delim = ','
			}
			sc, err = InferCSVSchema(ctx, p, spec.CSVHeader, delim)
		case JSON:
			sc, err = InferJSONSchema(ctx, p)
		default:
			err = errs.Errorf(errs.ErrNotSupported, "file format %d", spec.Format)
		}
		if err != nil {
			return nil, err
		}
		schemas[i] = sc
	}
	unified, err := UnifySchemas(spec.Paths, schemas, spec.Format != Parquet)
	if err != nil {
		return nil, err
	}
	if spec.Format != Parquet {
		rows = -1
	}
	return &Table{spec: spec, schema: unified, rows: rows}, nil
}

// Schema is the unified schema of the files.
func (t *Table) Schema() *arrow.Schema { return t.schema }

// Rows is the files' row count from Parquet footers (-1 for text formats).
func (t *Table) Rows() int64 { return t.rows }

// Spec returns what the table reads.
func (t *Table) Spec() Spec { return t.spec }

// SupportsFilters: files are read whole (no statistics pruning yet), so every filter stays
// with the engine.
func (t *Table) SupportsFilters(filters []connectors.Filter) []connectors.Support {
	return make([]connectors.Support, len(filters))
}

// Splits returns one split per file, with the bytes of the projected columns (Parquet column
// chunks; a text file's whole size) as its estimate.
func (t *Table) Splits(ctx context.Context, req connectors.ScanRequest) ([]connectors.Split, error) {
	cols := t.columnNames(req.Projection)
	out := make([]connectors.Split, 0, len(t.spec.Paths))
	for _, p := range t.spec.Paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fe, err := EstimateScan(p, t.spec.Format, cols)
		if err != nil {
			return nil, err
		}
		data, err := EncodeSplit(Split{Format: t.spec.Format, Paths: []string{p}, CSVHeader: t.spec.CSVHeader, CSVDelimiter: t.spec.CSVDelimiter})
		if err != nil {
			return nil, err
		}
		out = append(out, connectors.Split{Connector: ConnectorName, Data: data, Rows: -1, Bytes: fe.Bytes, Files: 1, RowGroups: fe.RowGroups})
	}
	if len(out) == 1 {
		out[0].Rows = t.rows
	}
	return out, nil
}

// Size sums the files' sizes and row groups.
func (t *Table) Size(ctx context.Context, req connectors.ScanRequest) (connectors.Extent, error) {
	var e connectors.Extent
	for _, p := range t.spec.Paths {
		fe, err := EstimateScan(p, t.spec.Format, nil)
		if err != nil {
			return e, err
		}
		e.Files++
		e.RowGroups += fe.RowGroups
		e.Bytes += fe.FileBytes
	}
	return e, nil
}

// Explain names the scan by format.
func (t *Table) Explain([]connectors.Split) (string, string) {
	return [...]string{"ParquetScan", "CSVScan", "JSONScan"}[t.spec.Format], ""
}

func (t *Table) columnNames(proj []int) []string {
	if proj == nil {
		return nil
	}
	out := make([]string, 0, len(proj))
	for _, c := range proj {
		if c >= 0 && c < t.schema.NumFields() {
			out = append(out, t.schema.Field(c).Name)
		}
	}
	return out
}

func (f Format) String() string {
	switch f {
	case Parquet:
		return "parquet"
	case CSV:
		return "csv"
	case JSON:
		return "json"
	}
	return fmt.Sprintf("format(%d)", uint8(f))
}
