package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/connectors/remotesql"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/errs"
)

// ConnectorName is the wrapper's and the connector's name.
const ConnectorName = "postgres"

// connectTimeout bounds reaching a server that does not answer (the query's deadline, when
// sooner, wins).
const connectTimeout = 10 * time.Second

// Connector opens splits of PostgreSQL foreign tables on the node.
type Connector struct{}

var _ connectors.Connector = Connector{}

func (Connector) Name() string { return ConnectorName }

// Open decodes a split; the connection is made when the scan opens, so splits not yet read
// hold none.
func (Connector) Open(ctx context.Context, env exec.Env, split []byte, base *arrow.Schema, projection []int) (exec.Operator, error) {
	d, schema, err := remotesql.OpenSplit(split, base, projection)
	if err != nil {
		return nil, err
	}
	return &scan{env: env, d: d, schema: schema}, nil
}

// ConnString renders connection options as a keyword/value string, every value quoted.
// Options other than the connection's own (schema_name, ...) are not passed on.
func ConnString(conn map[string]string) string {
	var parts []string
	for _, k := range []string{"host", "port", "dbname", "user", "password", "sslmode", "application_name"} {
		v, ok := conn[k]
		if !ok {
			continue
		}
		v = strings.ReplaceAll(v, `\`, `\\`)
		v = strings.ReplaceAll(v, `'`, `\'`)
		parts = append(parts, k+"='"+v+"'")
	}
	if _, ok := conn["sslmode"]; !ok {
		parts = append(parts, "sslmode='prefer'")
	}
	return strings.Join(parts, " ")
}

// Connect opens a connection to a server (server names it in errors).
func Connect(ctx context.Context, server string, conn map[string]string) (*pgconn.PgConn, error) {
	cfg, err := pgconn.ParseConfig(ConnString(conn))
	if err != nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "server \"%s\": invalid connection options", server)
	}
	cfg.ConnectTimeout = connectTimeout
	cfg.RuntimeParams["application_name"] = "tern"
	cfg.RuntimeParams["TimeZone"] = "UTC"
	c, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("server \"%s\": %w", server, ctx.Err())
		}
		return nil, remotesql.ConnectError(server, err)
	}
	return c, nil
}

// scan reads one split's query.
type scan struct {
	exec.Lifecycle
	env    exec.Env
	d      remotesql.SplitData
	schema *arrow.Schema
	conn   *pgconn.PgConn
	rr     *pgconn.ResultReader
	apps   []appender
	done   bool
}

func (s *scan) Schema() *arrow.Schema { return s.schema }

func (s *scan) Open(ctx context.Context) error { return s.OpenOnce(ctx, s.open) }

func (s *scan) open(ctx context.Context) error {
	c, err := Connect(ctx, s.d.Server, s.d.Conn)
	if err != nil {
		return err
	}
	s.conn = c
	n := len(s.d.Columns)
	if n == 0 {
		n = 1 // SELECT 1
	}
	formats := make([]int16, n)
	for i := range formats {
		formats[i] = 1 // binary
	}
	s.rr = c.ExecParams(ctx, s.d.SQL, nil, nil, nil, formats)
	fds := s.rr.FieldDescriptions()
	if fds == nil { // the statement failed before describing its rows
		_, err := s.rr.Close()
		s.rr = nil
		if err == nil {
			err = errors.New("no result")
		}
		return s.remoteErr(ctx, err)
	}
	if len(s.d.Columns) > 0 && len(fds) != len(s.d.Columns) {
		return errs.Errorf(errs.ErrFailedPrecondition, "server \"%s\" returned %d columns for foreign table \"%s\", %d expected", s.d.Server, len(fds), s.d.Table, len(s.d.Columns))
	}
	for i, col := range s.d.Columns {
		app, err := appenderFor(fds[i].DataTypeOID, col.Type)
		if err != nil {
			return remotesql.ChangedColumn(s.d.Server, s.d.Table, col.Name, typeName(fds[i].DataTypeOID), col.Type)
		}
		s.apps = append(s.apps, app)
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
	size := s.env.Size()
	alloc := s.env.Alloc
	if alloc == nil {
		return nil, errs.Errorf(errs.ErrInternal, "postgres scan without an allocator")
	}
	bs := make([]array.Builder, len(s.apps))
	for i, f := range s.schema.Fields() {
		bs[i] = array.NewBuilder(alloc, f.Type)
	}
	defer func() {
		for _, b := range bs {
			b.Release()
		}
	}()
	rows := 0
	for rows < size {
		if !s.rr.NextRow() {
			_, err := s.rr.Close()
			s.rr, s.done = nil, true
			if err != nil {
				return nil, s.remoteErr(ctx, err)
			}
			break
		}
		vals := s.rr.Values()
		for i, app := range s.apps {
			if vals[i] == nil {
				bs[i].AppendNull()
				continue
			}
			if err := app(bs[i], vals[i]); err != nil {
				return nil, s.d.ColumnErr(i, err)
			}
		}
		rows++
	}
	return remotesql.NewBatch(s.schema, bs, rows)
}

func (s *scan) Close() error {
	return s.CloseOnce(func() error {
		if s.rr != nil {
			s.rr.Close()
		}
		if s.conn != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			s.conn.Close(ctx)
		}
		return nil
	})
}

// ---- binary decoding straight into builders

type appender func(b array.Builder, v []byte) error

// OIDs of the types Tern reads.
const (
	oidBool        = 16
	oidBytea       = 17
	oidName        = 19
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidFloat4      = 700
	oidFloat8      = 701
	oidBPChar      = 1042
	oidVarchar     = 1043
	oidDate        = 1082
	oidTimestamp   = 1114
	oidTimestampTZ = 1184
	oidInterval    = 1186
	oidNumeric     = 1700
)

var oidNames = map[uint32]string{oidBool: "boolean", oidBytea: "bytea", oidName: "name", oidInt8: "bigint", oidInt2: "smallint",
	oidInt4: "integer", oidText: "text", oidFloat4: "real", oidFloat8: "double precision", oidBPChar: "character",
	oidVarchar: "character varying", oidDate: "date", oidTimestamp: "timestamp without time zone",
	oidTimestampTZ: "timestamp with time zone", oidInterval: "interval", oidNumeric: "numeric"}

func typeName(oid uint32) string {
	if n, ok := oidNames[oid]; ok {
		return n
	}
	return fmt.Sprintf("type oid %d", oid)
}

var errLen = errors.New("malformed binary value")

// pgEpoch: PostgreSQL counts dates and timestamps from 2000-01-01.
const (
	pgEpochDays   = 10957
	pgEpochMicros = 946684800000000
)

func appenderFor(oid uint32, t catalog.Type) (appender, error) {
	intOf := func(v []byte) (int64, error) {
		switch len(v) {
		case 2:
			return int64(int16(binary.BigEndian.Uint16(v))), nil
		case 4:
			return int64(int32(binary.BigEndian.Uint32(v))), nil
		case 8:
			return int64(binary.BigEndian.Uint64(v)), nil
		}
		return 0, errLen
	}
	isInt := func(oids ...uint32) bool {
		for _, o := range oids {
			if o == oid {
				return true
			}
		}
		return false
	}
	switch t.Kind {
	case catalog.TypeBool:
		if oid == oidBool {
			return func(b array.Builder, v []byte) error {
				if len(v) != 1 {
					return errLen
				}
				b.(*array.BooleanBuilder).Append(v[0] != 0)
				return nil
			}, nil
		}
	case catalog.TypeInt16:
		if isInt(oidInt2) {
			return func(b array.Builder, v []byte) error {
				n, err := intOf(v)
				b.(*array.Int16Builder).Append(int16(n))
				return err
			}, nil
		}
	case catalog.TypeInt32:
		if isInt(oidInt2, oidInt4) {
			return func(b array.Builder, v []byte) error {
				n, err := intOf(v)
				b.(*array.Int32Builder).Append(int32(n))
				return err
			}, nil
		}
	case catalog.TypeInt64:
		if isInt(oidInt2, oidInt4, oidInt8) {
			return func(b array.Builder, v []byte) error {
				n, err := intOf(v)
				b.(*array.Int64Builder).Append(n)
				return err
			}, nil
		}
	case catalog.TypeFloat32, catalog.TypeFloat64:
		if oid == oidFloat4 || (oid == oidFloat8 && t.Kind == catalog.TypeFloat64) {
			return func(b array.Builder, v []byte) error {
				var f float64
				switch len(v) {
				case 4:
					f = float64(math.Float32frombits(binary.BigEndian.Uint32(v)))
				case 8:
					f = math.Float64frombits(binary.BigEndian.Uint64(v))
				default:
					return errLen
				}
				if fb, ok := b.(*array.Float32Builder); ok {
					fb.Append(float32(f))
				} else {
					b.(*array.Float64Builder).Append(f)
				}
				return nil
			}, nil
		}
	case catalog.TypeText:
		if isInt(oidText, oidVarchar, oidBPChar, oidName) {
			return func(b array.Builder, v []byte) error {
				b.(*array.StringBuilder).BinaryBuilder.Append(v)
				return nil
			}, nil
		}
	case catalog.TypeDate:
		if oid == oidDate {
			return func(b array.Builder, v []byte) error {
				if len(v) != 4 {
					return errLen
				}
				d := int32(binary.BigEndian.Uint32(v))
				if d == math.MaxInt32 || d == math.MinInt32 {
					return errors.New("infinite dates cannot be read")
				}
				b.(*array.Date32Builder).Append(arrow.Date32(d + pgEpochDays))
				return nil
			}, nil
		}
	case catalog.TypeTimestamp, catalog.TypeTimestampTZ:
		if (oid == oidTimestamp && t.Kind == catalog.TypeTimestamp) || (oid == oidTimestampTZ && t.Kind == catalog.TypeTimestampTZ) {
			return func(b array.Builder, v []byte) error {
				if len(v) != 8 {
					return errLen
				}
				us := int64(binary.BigEndian.Uint64(v))
				if us == math.MaxInt64 || us == math.MinInt64 {
					return errors.New("infinite timestamps cannot be read")
				}
				b.(*array.TimestampBuilder).Append(arrow.Timestamp(us + pgEpochMicros))
				return nil
			}, nil
		}
	case catalog.TypeInterval:
		if oid == oidInterval {
			return func(b array.Builder, v []byte) error {
				if len(v) != 16 {
					return errLen
				}
				us := int64(binary.BigEndian.Uint64(v))
				days := int32(binary.BigEndian.Uint32(v[8:]))
				months := int32(binary.BigEndian.Uint32(v[12:]))
				b.(*array.MonthDayNanoIntervalBuilder).Append(arrow.MonthDayNanoInterval{Months: months, Days: days, Nanoseconds: us * 1000})
				return nil
			}, nil
		}
	case catalog.TypeNumeric:
		if oid == oidNumeric {
			return func(b array.Builder, v []byte) error {
				n, err := decodeNumeric(v, t.Precision, t.Scale)
				if err != nil {
					return err
				}
				b.(*array.Decimal128Builder).Append(n)
				return nil
			}, nil
		}
	}
	return nil, errs.Errorf(errs.ErrFailedPrecondition, "type mismatch")
}

var (
	bigTen   = big.NewInt(10)
	big10000 = big.NewInt(10000)
)

// decodeNumeric reads PostgreSQL's binary numeric (ndigits, weight, sign, dscale, then
// base-10000 digits) as an unscaled value at scale, rounding half away from zero as
// PostgreSQL's own numeric(p,s) cast does; a value over the precision is an error.
func decodeNumeric(v []byte, precision, scale int32) (decimal128.Num, error) {
	if len(v) < 8 {
		return decimal128.Num{}, errLen
	}
	ndigits := int(binary.BigEndian.Uint16(v))
	weight := int(int16(binary.BigEndian.Uint16(v[2:])))
	sign := binary.BigEndian.Uint16(v[4:])
	if len(v) != 8+2*ndigits {
		return decimal128.Num{}, errLen
	}
	switch sign {
	case 0x0000, 0x4000:
	default:
		return decimal128.Num{}, errors.New("NaN and infinite numerics cannot be read")
	}
	u := new(big.Int)
	for i := 0; i < ndigits; i++ {
		u.Mul(u, big10000)
		u.Add(u, big.NewInt(int64(binary.BigEndian.Uint16(v[8+2*i:]))))
	}
	// u * 10000^(weight-ndigits+1) * 10^scale
	exp := 4*(weight-ndigits+1) + int(scale)
	if exp >= 0 {
		u.Mul(u, new(big.Int).Exp(bigTen, big.NewInt(int64(exp)), nil))
	} else {
		d := new(big.Int).Exp(bigTen, big.NewInt(int64(-exp)), nil)
		q, r := new(big.Int).QuoRem(u, d, new(big.Int))
		if r.Lsh(r, 1).Cmp(d) >= 0 {
			q.Add(q, big.NewInt(1))
		}
		u = q
	}
	if sign == 0x4000 {
		u.Neg(u)
	}
	if precision > 0 && len(new(big.Int).Abs(u).String()) > int(precision) && u.Sign() != 0 {
		return decimal128.Num{}, fmt.Errorf("numeric value %s does not fit numeric(%d,%d)", remotesql.DecimalText(u, scale), precision, scale)
	}
	return decimal128.FromBigInt(u), nil
}
