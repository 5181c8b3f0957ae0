package remotesql

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/proto/errs"
)

// UnsupportedOption prefixes a foreign table option that marks a column whose remote type
// Tern cannot read (IMPORT FOREIGN SCHEMA keeps the column, as text, so that the table is
// usable as long as the column is not read): "tern_unsupported.<column>" = remote type.
const UnsupportedOption = "tern_unsupported."

// Source is one foreign table as the planner resolved it: where it lives, with which
// credentials, and the columns the catalog declares. Conn holds secrets: it travels only
// inside splits (sealed tickets) and is never shown.
type Source struct {
	Connector    string            // connector name: postgres, mysql
	Server       string            // the foreign server's name (messages)
	Table        string            // the local table's name (messages)
	Conn         map[string]string // server options overlaid by the user mapping's
	RemoteSchema string
	RemoteTable  string
	Columns      []catalog.Column
	Unsupported  map[string]string // column -> remote type Tern cannot read
}

// NewSource builds a Source from a foreign table and its server and user mapping.
func NewSource(connector string, t catalog.Table, srv catalog.ForeignServer, m catalog.UserMapping) *Source {
	conn := map[string]string{}
	for k, v := range srv.Options {
		conn[k] = v
	}
	for k, v := range m.Options {
		conn[k] = v
	}
	s := &Source{Connector: connector, Server: srv.Name, Table: t.Ref.Name, Conn: conn,
		RemoteSchema: t.Options[catalog.ForeignSchemaOption], RemoteTable: t.Options[catalog.ForeignTableOption],
		Columns: t.Columns, Unsupported: map[string]string{}}
	if s.RemoteTable == "" {
		s.RemoteTable = t.Ref.Name
	}
	for k, v := range t.Options {
		if col, ok := strings.CutPrefix(k, UnsupportedOption); ok {
			s.Unsupported[col] = v
		}
	}
	return s
}

// Unreadable is the remote type of a column Tern cannot read, or "".
func (s *Source) Unreadable(col string) string { return s.Unsupported[col] }

// ArrowSchema is the declared columns as Arrow fields (all nullable: a remote source
// promises nothing).
func (s *Source) ArrowSchema() *arrow.Schema {
	fs := make([]arrow.Field, len(s.Columns))
	for i, c := range s.Columns {
		fs[i] = arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: true}
	}
	return arrow.NewSchema(fs, nil)
}

// SplitData is what a split carries to the node: the connection (secrets included; the
// split travels only inside sealed tickets and plans) and the query.
type SplitData struct {
	Server string            `json:"server"`
	Table  string            `json:"table"`
	Conn   map[string]string `json:"conn"`
	SQL    string            `json:"sql"`
	// Columns are the declared columns the query returns, in order.
	Columns []catalog.Column `json:"columns"`
}

// DecodeSplit reads a split's bytes.
func DecodeSplit(b []byte) (SplitData, error) {
	var d SplitData
	if err := json.Unmarshal(b, &d); err != nil {
		return d, errs.Errorf(errs.ErrInvalidArgument, "malformed remote split: %v", err)
	}
	return d, nil
}

// OpenSplit decodes a split's bytes on the node together with the schema the scan must
// produce: base's fields, narrowed to projection when there is one, which must match the
// columns the remote query returns.
func OpenSplit(split []byte, base *arrow.Schema, projection []int) (SplitData, *arrow.Schema, error) {
	d, err := DecodeSplit(split)
	if err != nil {
		return d, nil, err
	}
	fields := base.Fields()
	if projection != nil {
		fields = make([]arrow.Field, len(projection))
		for i, p := range projection {
			fields[i] = base.Field(p)
		}
	}
	if len(fields) != len(d.Columns) {
		return d, nil, errs.Errorf(errs.ErrInvalidArgument, "remote split returns %d columns, the scan reads %d", len(d.Columns), len(fields))
	}
	return d, arrow.NewSchema(fields, nil), nil
}

// ColumnErr names the remote column i, the table and the server in a value's error.
func (d SplitData) ColumnErr(i int, err error) error {
	return errs.Errorf(errs.ErrInvalidArgument, "column \"%s\" of foreign table \"%s\" (server \"%s\"): %v", d.Columns[i].Name, d.Table, d.Server, err)
}

// NewBatch finishes the builders' columns into a batch of rows rows (nil, io.EOF for none),
// leaving the builders ready for the next batch.
func NewBatch(schema *arrow.Schema, bs []array.Builder, rows int) (arrow.RecordBatch, error) {
	if rows == 0 {
		return nil, io.EOF
	}
	cols := make([]arrow.Array, len(bs))
	for i, b := range bs {
		cols[i] = b.NewArray()
	}
	rec := array.NewRecordBatch(schema, cols, int64(rows))
	for _, c := range cols {
		c.Release()
	}
	return rec, nil
}

// Table is a foreign table handle behind a dialect.
type Table struct {
	Src *Source
	D   Dialect
	// Support decides a rendered filter's support (nil: Exact for every renderable one).
	Support func(f connectors.Filter) connectors.Support
	// Ranges, when set, may cut a scan without LIMIT into several parallel ranges, each an
	// extra condition (PostgreSQL: ctid ranges); nil or one answer: one split.
	Ranges func(ctx context.Context, src *Source) ([]string, error)
}

var (
	_ connectors.Table     = (*Table)(nil)
	_ connectors.Explainer = (*Table)(nil)
	_ connectors.Orderer   = (*Table)(nil)
)

// SupportsOrder answers whether the dialect renders every key as Tern orders.
func (t *Table) SupportsOrder(keys []connectors.OrderKey) bool {
	_, ok := renderOrder(t.D, t.Src, keys)
	return ok
}

func (t *Table) Schema() *arrow.Schema { return t.Src.ArrowSchema() }

func (t *Table) SupportsFilters(fs []connectors.Filter) []connectors.Support {
	out := make([]connectors.Support, len(fs))
	for i, f := range fs {
		if _, ok := RenderFilter(t.D, t.Src, f); !ok {
			out[i] = connectors.Unsupported
		} else if t.Support != nil {
			out[i] = t.Support(f)
		} else {
			out[i] = connectors.Exact
		}
	}
	return out
}

func (t *Table) Splits(ctx context.Context, req connectors.ScanRequest) ([]connectors.Split, error) {
	proj := req.Projection
	if proj == nil {
		for i := range t.Src.Columns {
			proj = append(proj, i)
		}
	}
	cols := make([]catalog.Column, len(proj))
	for i, c := range proj {
		if c < 0 || c >= len(t.Src.Columns) {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "scan projects column %d of %d", c, len(t.Src.Columns))
		}
		cols[i] = t.Src.Columns[c]
		if rt := t.Src.Unreadable(cols[i].Name); rt != "" {
			return nil, errs.Errorf(errs.ErrNotSupported, "column \"%s\" of foreign table \"%s\" has remote type %s, which Tern cannot read (server \"%s\")", cols[i].Name, t.Src.Table, rt, t.Src.Server)
		}
	}
	req.Projection = proj
	extras := []string{""}
	if req.Limit < 0 && len(req.Order) == 0 && t.Ranges != nil {
		rs, err := t.Ranges(ctx, t.Src)
		if err != nil {
			return nil, err
		}
		if len(rs) > 1 {
			extras = rs
		}
	}
	out := make([]connectors.Split, 0, len(extras))
	for _, ex := range extras {
		q := Render(t.D, t.Src, req, ex)
		b, err := json.Marshal(SplitData{Server: t.Src.Server, Table: t.Src.Table, Conn: t.Src.Conn, SQL: q.SQL, Columns: cols})
		if err != nil {
			return nil, errs.Errorf(errs.ErrInternal, "remote split: %v", err)
		}
		out = append(out, connectors.Split{Connector: t.Src.Connector, Data: b, Rows: -1})
	}
	return out, nil
}

// Explain names the scan and shows the exact remote query of each split (never the
// connection: it holds secrets).
func (t *Table) Explain(splits []connectors.Split) (string, string) {
	var qs []string
	for _, s := range splits {
		d, err := DecodeSplit(s.Data)
		if err != nil {
			continue
		}
		qs = append(qs, strconv.Quote(d.SQL))
	}
	detail := fmt.Sprintf("server=%s", t.Src.Server)
	if len(qs) > 0 {
		detail += " remote=[" + strings.Join(qs, ", ") + "]"
	}
	return "RemoteScan", detail
}

// RemoteTable is one table of a remote schema as IMPORT FOREIGN SCHEMA reads it.
type RemoteTable struct {
	Name        string
	Columns     []catalog.Column
	Unsupported map[string]string // column -> remote type Tern cannot read
}

// ConnectError wraps a failure to reach a server: ErrSourceUnavailable naming the server
// (the cause's text never holds the password: the drivers' messages name host and user).
func ConnectError(server string, err error) error {
	return fmt.Errorf("%w: could not connect to server \"%s\": %s", errs.ErrSourceUnavailable, server, redact(err))
}

// RemoteError wraps an error the server answered a query with.
func RemoteError(server string, err error) error {
	return fmt.Errorf("%w: server \"%s\": %s", errs.ErrSourceUnavailable, server, redact(err))
}

// redact is an error's text with anything after "password=" masked, belt and braces.
func redact(err error) string {
	s := err.Error()
	if i := strings.Index(strings.ToLower(s), "password="); i >= 0 {
		s = s[:i] + "password=********"
	}
	return s
}

// ChangedColumn is the error for a column whose remote type no longer matches the catalog.
func ChangedColumn(server, table, col, remote string, declared catalog.Type) error {
	return errs.Errorf(errs.ErrFailedPrecondition,
		"column \"%s\" of foreign table \"%s\" changed on server \"%s\": the remote type is now %s, the table declares %s (run IMPORT FOREIGN SCHEMA again to refresh it)",
		col, table, server, remote, declared)
}
