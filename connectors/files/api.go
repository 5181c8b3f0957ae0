// Package files reads files named in SQL or listed in fragments: Parquet, CSV and JSON scans
// as exec operators, the connector "files" (connector.go: schema inference and unification
// for read_parquet/read_csv/read_json and COPY FROM, one split per file), the split encoding
// native tables share (split.go), and the allow-list of directories SQL may read from.
// files imports catalog, connectors, exec and proto.
package files

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/exec"
)

// Format is a file format.
type Format uint8

const (
	Parquet Format = iota
	CSV
	JSON // newline-delimited JSON (scan_json.go)
)

// ScanOptions describe one scan over a list of files of the same format.
type ScanOptions struct {
	Env        exec.Env
	Format     Format
	Paths      []string      // absolute paths, read in order
	Schema     *arrow.Schema // the files' full schema as the planner bound it (base schema)
	Projection []int         // columns of Schema to produce, in this order; nil: all
	// Ranges, parallel to Paths (Parquet only), limits a file to the row groups whose first
	// page (RowGroupOffset) lies in [start, start+length), as Substrait's FileOrFiles start
	// and length: pruned scans of native tables. Missing or length 0: the whole file.
	Ranges [][2]int64
	// CSV only: whether the first line is a header, and the delimiter (0: ',').
	CSVHeader    bool
	CSVDelimiter rune
}

// NewScan returns an operator producing the projected columns of every file in order. Values
// are converted to Schema's types (a Parquet int32 column bound as bigint is widened); a
// value that cannot be converted is an error naming the file, row and column.
func NewScan(opts ScanOptions) (exec.Operator, error) {
	return newScan(opts)
}
