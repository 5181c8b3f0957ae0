package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/connectors/remotesql"
	"github.com/tern-db/tern/proto/errs"
)

// table.go: the planner side: a foreign table's handle, its parallel ctid ranges, and the
// remote catalog IMPORT FOREIGN SCHEMA reads.

// defaultRangePages: a table of at least this many 8 kB pages (64 MB) is read as several
// ctid ranges; the server option parallel_pages changes it.
const defaultRangePages = 8192

// maxRanges bounds the splits of one scan.
const maxRanges = 8

// NewTable returns the handle of a PostgreSQL foreign table.
func NewTable(src *remotesql.Source) connectors.Table {
	return &remotesql.Table{Src: src, D: Dialect{}, Ranges: ranges}
}

// ranges cuts a large table into ctid ranges by its page count (pg_class.relpages, an
// estimate: the first range has no lower bound and the last no upper one, so every row is
// read exactly once whatever the table holds now).
func ranges(ctx context.Context, src *remotesql.Source) ([]string, error) {
	threshold := int64(defaultRangePages)
	if v, ok := src.Conn["parallel_pages"]; ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "server \"%s\": parallel_pages must be a positive integer", src.Server)
		}
		threshold = n
	}
	c, err := Connect(ctx, src.Server, src.Conn)
	if err != nil {
		return nil, err
	}
	defer c.Close(context.Background())
	name := Dialect{}.QuoteIdent(src.RemoteTable)
	if src.RemoteSchema != "" {
		name = Dialect{}.QuoteIdent(src.RemoteSchema) + "." + name
	}
	res := c.ExecParams(ctx, "SELECT relpages::int8, relkind::text FROM pg_class WHERE oid = $1::regclass", [][]byte{[]byte(name)}, nil, nil, nil).Read()
	if res.Err != nil {
		return nil, remotesql.RemoteError(src.Server, res.Err)
	}
	if len(res.Rows) != 1 || string(res.Rows[0][1]) != "r" {
		return nil, nil // views and foreign tables have no ctids
	}
	pages, _ := strconv.ParseInt(string(res.Rows[0][0]), 10, 64)
	if pages < 2*threshold {
		return nil, nil
	}
	n := min(pages/threshold, maxRanges)
	step := pages / n
	out := make([]string, n)
	for i := range n {
		var conds []string
		if i > 0 {
			conds = append(conds, fmt.Sprintf("ctid >= '(%d,0)'::tid", i*step))
		}
		if i < n-1 {
			conds = append(conds, fmt.Sprintf("ctid < '(%d,0)'::tid", (i+1)*step))
		}
		out[i] = strings.Join(conds, " AND ")
	}
	return out, nil
}

// Import lists the tables (and views) of a remote schema with their columns mapped to
// Tern's types; columns of types Tern cannot read are kept as text and listed in
// Unsupported.
func Import(ctx context.Context, server string, conn map[string]string, schema string) ([]remotesql.RemoteTable, error) {
	c, err := Connect(ctx, server, conn)
	if err != nil {
		return nil, err
	}
	defer c.Close(context.Background())
	const q = `SELECT c.relname, a.attname, a.atttypid::int8, a.atttypmod::int8, a.attnotnull::text, format_type(a.atttypid, a.atttypmod)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid
WHERE n.nspname = $1 AND c.relkind IN ('r', 'v', 'f', 'm', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum`
	res := c.ExecParams(ctx, q, [][]byte{[]byte(schema)}, nil, nil, nil).Read()
	if res.Err != nil {
		return nil, remotesql.RemoteError(server, res.Err)
	}
	var out []remotesql.RemoteTable
	for _, r := range res.Rows {
		tname, col := string(r[0]), string(r[1])
		oid, _ := strconv.ParseUint(string(r[2]), 10, 32)
		typmod, _ := strconv.ParseInt(string(r[3]), 10, 64)
		if len(out) == 0 || out[len(out)-1].Name != tname {
			out = append(out, remotesql.RemoteTable{Name: tname, Unsupported: map[string]string{}})
		}
		t := &out[len(out)-1]
		typ, ok := mapType(uint32(oid), typmod)
		if !ok {
			typ = catalog.Text
			t.Unsupported[col] = string(r[5])
		}
		t.Columns = append(t.Columns, catalog.Column{Name: col, Type: typ, Nullable: string(r[4]) != "true"})
	}
	return out, nil
}

// textLike are types read as their text form (Selected casts them).
var textLike = map[uint32]bool{oidText: true, oidVarchar: true, oidBPChar: true, oidName: true,
	2950 /* uuid */ : true, 114 /* json */ : true, 3802 /* jsonb */ : true, 142 /* xml */ : true, 869 /* inet */ : true, 650 /* cidr */ : true}

// mapType maps a PostgreSQL type to Tern's.
func mapType(oid uint32, typmod int64) (catalog.Type, bool) {
	switch oid {
	case oidBool:
		return catalog.Bool, true
	case oidInt2:
		return catalog.Int16, true
	case oidInt4:
		return catalog.Int32, true
	case oidInt8:
		return catalog.Int64, true
	case oidFloat4:
		return catalog.Float32, true
	case oidFloat8:
		return catalog.Float64, true
	case oidDate:
		return catalog.Date, true
	case oidTimestamp:
		return catalog.Timestamp, true
	case oidTimestampTZ:
		return catalog.TimestampTZ, true
	case oidInterval:
		return catalog.Interval, true
	case oidNumeric:
		if typmod < 4 {
			return catalog.Numeric(catalog.DefaultNumericPrecision, catalog.DefaultNumericScale), true
		}
		p, s := int32((typmod-4)>>16)&0xffff, int32(typmod-4)&0xffff
		if p > catalog.MaxNumericPrecision || s > p {
			return catalog.Type{}, false
		}
		return catalog.Numeric(p, s), true
	case oidVarchar:
		if typmod >= 4 {
			return catalog.Type{Kind: catalog.TypeText, Precision: int32(typmod - 4)}, true
		}
		return catalog.Text, true
	}
	if textLike[oid] {
		return catalog.Text, true
	}
	return catalog.Type{}, false
}
