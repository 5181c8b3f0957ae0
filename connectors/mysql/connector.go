package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	driver "github.com/go-sql-driver/mysql"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/connectors/remotesql"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/errs"
)

// ConnectorName is the wrapper's and the connector's name.
const ConnectorName = "mysql"

const connectTimeout = 10 * time.Second

// Connector opens splits of MySQL/MariaDB foreign tables on the node.
type Connector struct{}

var _ connectors.Connector = Connector{}

func (Connector) Name() string { return ConnectorName }

func (Connector) Open(ctx context.Context, env exec.Env, split []byte, base *arrow.Schema, projection []int) (exec.Operator, error) {
	d, schema, err := remotesql.OpenSplit(split, base, projection)
	if err != nil {
		return nil, err
	}
	return &scan{env: env, d: d, schema: schema}, nil
}

// Open connects to a server: one connection, UTC session time zone, utf8mb4.
func Open(ctx context.Context, server string, conn map[string]string) (*sql.DB, *sql.Conn, error) {
	cfg := driver.NewConfig()
	cfg.Net = "tcp"
	host, port := conn["host"], conn["port"]
	if host == "" {
		host = "127.0.0.1"
	}
	if port == "" {
		port = "3306"
	}
	cfg.Addr = net.JoinHostPort(host, port)
	cfg.User, cfg.Passwd = conn["user"], conn["password"]
	cfg.DBName = conn["dbname"]
	if cfg.DBName == "" {
		cfg.DBName = conn["database"]
	}
	cfg.Timeout = connectTimeout
	cfg.Loc = time.UTC
	cfg.Params = map[string]string{"time_zone": "'+00:00'"} // the driver's default collation is utf8mb4's
	c, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, nil, errs.Errorf(errs.ErrInvalidArgument, "server \"%s\": invalid connection options", server)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	sc, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("server \"%s\": %w", server, ctx.Err())
		}
		return nil, nil, remotesql.ConnectError(server, err)
	}
	return db, sc, nil
}

type scan struct {
	exec.Lifecycle
	env    exec.Env
	d      remotesql.SplitData
	schema *arrow.Schema
	db     *sql.DB
	conn   *sql.Conn
	rows   *sql.Rows
	apps   []appender
	vals   []sql.RawBytes
	ptrs   []any
	done   bool
}

func (s *scan) Schema() *arrow.Schema { return s.schema }

func (s *scan) Open(ctx context.Context) error { return s.OpenOnce(ctx, s.open) }

func (s *scan) open(ctx context.Context) error {
	db, c, err := Open(ctx, s.d.Server, s.d.Conn)
	if err != nil {
		return err
	}
	s.db, s.conn = db, c
	rows, err := c.QueryContext(ctx, s.d.SQL)
	if err != nil {
		return s.remoteErr(ctx, err)
	}
	s.rows = rows
	cts, err := rows.ColumnTypes()
	if err != nil {
		return s.remoteErr(ctx, err)
	}
	n := len(cts)
	if len(s.d.Columns) > 0 && n != len(s.d.Columns) {
		return errs.Errorf(errs.ErrFailedPrecondition, "server \"%s\" returned %d columns for foreign table \"%s\", %d expected", s.d.Server, n, s.d.Table, len(s.d.Columns))
	}
	for i, col := range s.d.Columns {
		app, ok := appenderFor(cts[i].DatabaseTypeName(), col.Type)
		if !ok {
			return remotesql.ChangedColumn(s.d.Server, s.d.Table, col.Name, strings.ToLower(cts[i].DatabaseTypeName()), col.Type)
		}
		s.apps = append(s.apps, app)
	}
	s.vals = make([]sql.RawBytes, n)
	s.ptrs = make([]any, n)
	for i := range s.vals {
		s.ptrs[i] = &s.vals[i]
	}
	return nil
}

func (s *scan) remoteErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("server \"%s\": %w", s.d.Server, ctx.Err())
	}
	return remotesql.RemoteError(s.d.Server, err)
}

func (s *scan) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := s.BeforeNext(ctx, s.open); err != nil {
		return nil, err
	}
	if s.done {
		return nil, io.EOF
	}
	bs := make([]array.Builder, len(s.apps))
	for i, f := range s.schema.Fields() {
		bs[i] = array.NewBuilder(s.env.Alloc, f.Type)
	}
	defer func() {
		for _, b := range bs {
			b.Release()
		}
	}()
	rows, size := 0, s.env.Size()
	for rows < size {
		if !s.rows.Next() {
			s.done = true
			if err := s.rows.Err(); err != nil {
				return nil, s.remoteErr(ctx, err)
			}
			break
		}
		if err := s.rows.Scan(s.ptrs...); err != nil {
			return nil, s.remoteErr(ctx, err)
		}
		for i, app := range s.apps {
			if s.vals[i] == nil {
				bs[i].AppendNull()
				continue
			}
			if err := app(bs[i], s.vals[i]); err != nil {
				return nil, s.d.ColumnErr(i, err)
			}
		}
		rows++
	}
	return remotesql.NewBatch(s.schema, bs, rows)
}

func (s *scan) Close() error {
	return s.CloseOnce(func() error {
		if s.rows != nil {
			s.rows.Close()
		}
		if s.conn != nil {
			s.conn.Close()
		}
		if s.db != nil {
			s.db.Close()
		}
		return nil
	})
}

// ---- text values into builders

type appender func(b array.Builder, v []byte) error

func appenderFor(remote string, t catalog.Type) (appender, bool) {
	r := strings.TrimPrefix(strings.ToUpper(remote), "UNSIGNED ")
	is := func(names ...string) bool {
		for _, n := range names {
			if r == n {
				return true
			}
		}
		return false
	}
	ints := is("TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT", "YEAR")
	if t.Kind == catalog.TypeInt16 || t.Kind == catalog.TypeInt32 || t.Kind == catalog.TypeInt64 {
		ints = ints || is("DECIMAL", "NEWDECIMAL") // SUM of integers (a pushed aggregate) is DECIMAL
	}
	switch t.Kind {
	case catalog.TypeBool:
		if ints {
			return func(b array.Builder, v []byte) error {
				n, err := strconv.ParseInt(string(v), 10, 64)
				b.(*array.BooleanBuilder).Append(n != 0)
				return err
			}, true
		}
	case catalog.TypeInt16, catalog.TypeInt32, catalog.TypeInt64:
		if ints {
			bits := map[catalog.TypeKind]int{catalog.TypeInt16: 16, catalog.TypeInt32: 32, catalog.TypeInt64: 64}[t.Kind]
			return func(b array.Builder, v []byte) error {
				n, err := strconv.ParseInt(string(v), 10, bits)
				if err != nil {
					return err
				}
				switch bb := b.(type) {
				case *array.Int16Builder:
					bb.Append(int16(n))
				case *array.Int32Builder:
					bb.Append(int32(n))
				case *array.Int64Builder:
					bb.Append(n)
				}
				return nil
			}, true
		}
	case catalog.TypeFloat32, catalog.TypeFloat64:
		if is("FLOAT", "DOUBLE", "REAL") {
			return func(b array.Builder, v []byte) error {
				f, err := strconv.ParseFloat(string(v), 64)
				if fb, ok := b.(*array.Float32Builder); ok {
					fb.Append(float32(f))
				} else {
					b.(*array.Float64Builder).Append(f)
				}
				return err
			}, true
		}
	case catalog.TypeNumeric:
		if is("DECIMAL", "NEWDECIMAL") || ints {
			return func(b array.Builder, v []byte) error {
				u, err := remotesql.ParseDecimal(string(v), t.Scale)
				if err != nil {
					return err
				}
				if len(strings.TrimPrefix(u.String(), "-")) > int(t.Precision) {
					return fmt.Errorf("numeric value %s does not fit %s", v, t)
				}
				b.(*array.Decimal128Builder).Append(decimal128.FromBigInt(u))
				return nil
			}, true
		}
	case catalog.TypeText:
		if is("CHAR", "VARCHAR", "TEXT", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT", "ENUM", "SET", "JSON") {
			return func(b array.Builder, v []byte) error {
				b.(*array.StringBuilder).BinaryBuilder.Append(v)
				return nil
			}, true
		}
	case catalog.TypeDate:
		if is("DATE") {
			return func(b array.Builder, v []byte) error {
				tm, err := time.Parse("2006-01-02", string(v))
				if err != nil {
					return err
				}
				b.(*array.Date32Builder).Append(arrow.Date32FromTime(tm))
				return nil
			}, true
		}
	case catalog.TypeTimestamp, catalog.TypeTimestampTZ:
		if (t.Kind == catalog.TypeTimestamp && is("DATETIME")) || (t.Kind == catalog.TypeTimestampTZ && is("TIMESTAMP")) {
			return func(b array.Builder, v []byte) error {
				tm, err := time.ParseInLocation("2006-01-02 15:04:05.999999", string(v), time.UTC)
				if err != nil {
					return err
				}
				b.(*array.TimestampBuilder).Append(arrow.Timestamp(tm.UnixMicro()))
				return nil
			}, true
		}
	}
	return nil, false
}

// NewTable returns the handle of a MySQL/MariaDB foreign table.
func NewTable(src *remotesql.Source) connectors.Table {
	return &remotesql.Table{Src: src, D: Dialect{}}
}

// Import lists the tables of a remote database (MySQL's schema) with their columns.
func Import(ctx context.Context, server string, conn map[string]string, schema string) ([]remotesql.RemoteTable, error) {
	db, c, err := Open(ctx, server, conn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	defer c.Close()
	rows, err := c.QueryContext(ctx, `SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE,
 COALESCE(NUMERIC_PRECISION, 0), COALESCE(NUMERIC_SCALE, 0), COALESCE(CHARACTER_MAXIMUM_LENGTH, 0)
 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`, schema)
	if err != nil {
		return nil, remotesql.RemoteError(server, err)
	}
	defer rows.Close()
	var out []remotesql.RemoteTable
	for rows.Next() {
		var tname, col, dt, ct, nullable string
		var prec, scale, clen int64
		if err := rows.Scan(&tname, &col, &dt, &ct, &nullable, &prec, &scale, &clen); err != nil {
			return nil, remotesql.RemoteError(server, err)
		}
		if len(out) == 0 || out[len(out)-1].Name != tname {
			out = append(out, remotesql.RemoteTable{Name: tname, Unsupported: map[string]string{}})
		}
		t := &out[len(out)-1]
		typ, ok := mapType(strings.ToLower(dt), strings.ToLower(ct), prec, scale, clen)
		if !ok {
			typ = catalog.Text
			t.Unsupported[col] = ct
		}
		t.Columns = append(t.Columns, catalog.Column{Name: col, Type: typ, Nullable: nullable == "YES"})
	}
	if err := rows.Err(); err != nil {
		return nil, remotesql.RemoteError(server, err)
	}
	return out, nil
}

func mapType(dt, ct string, prec, scale, clen int64) (catalog.Type, bool) {
	unsigned := strings.Contains(ct, "unsigned")
	switch dt {
	case "tinyint":
		if strings.HasPrefix(ct, "tinyint(1)") {
			return catalog.Bool, true
		}
		return catalog.Int16, true
	case "smallint":
		if unsigned {
			return catalog.Int32, true
		}
		return catalog.Int16, true
	case "mediumint":
		return catalog.Int32, true
	case "int", "integer":
		if unsigned {
			return catalog.Int64, true
		}
		return catalog.Int32, true
	case "bigint":
		if unsigned {
			return catalog.Numeric(20, 0), true
		}
		return catalog.Int64, true
	case "float":
		return catalog.Float32, true
	case "double", "real":
		return catalog.Float64, true
	case "decimal", "numeric":
		if prec > catalog.MaxNumericPrecision {
			return catalog.Type{}, false
		}
		return catalog.Numeric(int32(prec), int32(scale)), true
	case "varchar":
		return catalog.Type{Kind: catalog.TypeText, Precision: int32(clen)}, true
	case "char", "text", "tinytext", "mediumtext", "longtext", "enum", "set", "json":
		return catalog.Text, true
	case "date":
		return catalog.Date, true
	case "datetime":
		return catalog.Timestamp, true
	case "timestamp":
		return catalog.TimestampTZ, true
	}
	return catalog.Type{}, false
}
