package gateway

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql/schema_ref"
	"github.com/tern-db/tern/catalog"
)

// XDBC (JDBC/ODBC) type codes and datetime subcodes of FlightSql.proto's XdbcDataType and
// XdbcDatetimeSubcode.
const (
	xdbcNumeric   = 2
	xdbcInteger   = 4
	xdbcSmallint  = 5
	xdbcReal      = 7
	xdbcDouble    = 8
	xdbcDatetime  = 9 // the SQL_DATA_TYPE of date and timestamp types
	xdbcInterval  = 10
	xdbcVarchar   = 12
	xdbcDate      = 91
	xdbcTimestamp = 93
	xdbcBigint    = -5
	xdbcBit       = -7

	subcodeDate           = 1
	subcodeTimestamp      = 3
	subcodeTimestampTZ    = 5
	subcodeIntervalDaySec = 110

	searchable = 3 // SQL_SEARCHABLE: usable in every WHERE clause
	nullable   = 1 // NULLABILITY_NULLABLE
)

// xdbcType is one row of GetXdbcTypeInfo: one SQL type Tern stores.
type xdbcType struct {
	name         string
	kind         catalog.TypeKind
	dataType     int32
	sqlDataType  int32
	columnSize   int32 // precision or length; 0: NULL
	prefix       string
	suffix       string
	createParams []string
	caseSens     bool
	unsigned     *bool
	fixedScale   bool
	minScale     *int32
	maxScale     *int32
	subcode      *int32
	radix        int32
}

func i32(v int32) *int32 { return &v }
func boolp(v bool) *bool { return &v }

// maxVarcharLength is the column size PostgreSQL's JDBC driver reports for text and varchar.
const maxVarcharLength = 10485760

// xdbcTypes lists Tern's types ordered by data_type, then by how closely they map (as JDBC's
// getTypeInfo wants).
var xdbcTypes = []xdbcType{
	{name: "bigint", kind: catalog.TypeInt64, dataType: xdbcBigint, sqlDataType: xdbcBigint, columnSize: 19, unsigned: boolp(false), radix: 10, minScale: i32(0), maxScale: i32(0)},
	{name: "boolean", kind: catalog.TypeBool, dataType: xdbcBit, sqlDataType: xdbcBit, columnSize: 1, unsigned: boolp(true), minScale: i32(0), maxScale: i32(0), radix: 10},
	{name: "numeric", kind: catalog.TypeNumeric, dataType: xdbcNumeric, sqlDataType: xdbcNumeric, columnSize: catalog.MaxNumericPrecision, createParams: []string{"precision", "scale"}, unsigned: boolp(false), minScale: i32(0), maxScale: i32(catalog.MaxNumericPrecision), radix: 10},
	{name: "integer", kind: catalog.TypeInt32, dataType: xdbcInteger, sqlDataType: xdbcInteger, columnSize: 10, unsigned: boolp(false), radix: 10, minScale: i32(0), maxScale: i32(0)},
	{name: "smallint", kind: catalog.TypeInt16, dataType: xdbcSmallint, sqlDataType: xdbcSmallint, columnSize: 5, unsigned: boolp(false), radix: 10, minScale: i32(0), maxScale: i32(0)},
	{name: "real", kind: catalog.TypeFloat32, dataType: xdbcReal, sqlDataType: xdbcReal, columnSize: 24, unsigned: boolp(false), radix: 2, minScale: i32(0), maxScale: i32(0)},
	{name: "double precision", kind: catalog.TypeFloat64, dataType: xdbcDouble, sqlDataType: xdbcDouble, columnSize: 53, unsigned: boolp(false), radix: 2, minScale: i32(0), maxScale: i32(0)},
	{name: "interval", kind: catalog.TypeInterval, dataType: xdbcInterval, sqlDataType: xdbcInterval, columnSize: 49, prefix: "'", suffix: "'", unsigned: boolp(true), subcode: i32(subcodeIntervalDaySec), minScale: i32(0), maxScale: i32(6), radix: 10},
	{name: "text", kind: catalog.TypeText, dataType: xdbcVarchar, sqlDataType: xdbcVarchar, columnSize: maxVarcharLength, prefix: "'", suffix: "'", caseSens: true, unsigned: boolp(true), minScale: i32(0), maxScale: i32(0), radix: 10},
	{name: "character varying", kind: catalog.TypeText, dataType: xdbcVarchar, sqlDataType: xdbcVarchar, columnSize: maxVarcharLength, prefix: "'", suffix: "'", createParams: []string{"length"}, caseSens: true, unsigned: boolp(true), minScale: i32(0), maxScale: i32(0), radix: 10},
	{name: "date", kind: catalog.TypeDate, dataType: xdbcDate, sqlDataType: xdbcDatetime, columnSize: 10, prefix: "DATE '", suffix: "'", unsigned: boolp(true), subcode: i32(subcodeDate), minScale: i32(0), maxScale: i32(0), radix: 10},
	{name: "timestamp without time zone", kind: catalog.TypeTimestamp, dataType: xdbcTimestamp, sqlDataType: xdbcDatetime, columnSize: 26, prefix: "TIMESTAMP '", suffix: "'", unsigned: boolp(true), subcode: i32(subcodeTimestamp), minScale: i32(6), maxScale: i32(6), radix: 10},
	{name: "timestamp with time zone", kind: catalog.TypeTimestampTZ, dataType: xdbcTimestamp, sqlDataType: xdbcDatetime, columnSize: 32, prefix: "TIMESTAMPTZ '", suffix: "'", unsigned: boolp(true), subcode: i32(subcodeTimestampTZ), minScale: i32(6), maxScale: i32(6), radix: 10},
}

// xdbcOf returns the XDBC description of a column type.
func xdbcOf(t catalog.Type) (xdbcType, bool) {
	for _, x := range xdbcTypes {
		if x.kind == t.Kind {
			if t.Kind == catalog.TypeText && (t.Precision > 0) != (x.name == "character varying") {
				continue
			}
			return x, true
		}
	}
	return xdbcType{}, false
}

func (s *Server) GetFlightInfoXdbcTypeInfo(ctx context.Context, cmd flightsql.GetXdbcTypeInfo, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	var n int64
	for _, x := range xdbcTypes {
		if dt := cmd.GetDataType(); dt == nil || *dt == x.dataType {
			n++
		}
	}
	return s.metadataInfoN(desc, schema_ref.XdbcTypeInfo, n), nil
}

func (s *Server) DoGetXdbcTypeInfo(ctx context.Context, cmd flightsql.GetXdbcTypeInfo) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewRecordBuilder(s.alloc, schema_ref.XdbcTypeInfo)
	defer b.Release()
	str := func(i int, v string) {
		if v == "" {
			b.Field(i).AppendNull()
		} else {
			b.Field(i).(*array.StringBuilder).Append(v)
		}
	}
	opt32 := func(i int, v *int32) {
		if v == nil {
			b.Field(i).AppendNull()
		} else {
			b.Field(i).(*array.Int32Builder).Append(*v)
		}
	}
	for _, x := range xdbcTypes {
		if dt := cmd.GetDataType(); dt != nil && *dt != x.dataType {
			continue
		}
		str(0, x.name)
		b.Field(1).(*array.Int32Builder).Append(x.dataType)
		if x.columnSize > 0 {
			b.Field(2).(*array.Int32Builder).Append(x.columnSize)
		} else {
			b.Field(2).AppendNull()
		}
		str(3, x.prefix)
		str(4, x.suffix)
		if x.createParams == nil {
			b.Field(5).AppendNull()
		} else {
			lb := b.Field(5).(*array.ListBuilder)
			lb.Append(true)
			lb.ValueBuilder().(*array.StringBuilder).AppendValues(x.createParams, nil)
		}
		b.Field(6).(*array.Int32Builder).Append(nullable)
		b.Field(7).(*array.BooleanBuilder).Append(x.caseSens)
		b.Field(8).(*array.Int32Builder).Append(searchable)
		if x.unsigned == nil {
			b.Field(9).AppendNull()
		} else {
			b.Field(9).(*array.BooleanBuilder).Append(*x.unsigned)
		}
		b.Field(10).(*array.BooleanBuilder).Append(x.fixedScale)
		b.Field(11).(*array.BooleanBuilder).Append(false)
		str(12, x.name)
		opt32(13, x.minScale)
		opt32(14, x.maxScale)
		b.Field(15).(*array.Int32Builder).Append(x.sqlDataType)
		opt32(16, x.subcode)
		if x.radix > 0 {
			b.Field(17).(*array.Int32Builder).Append(x.radix)
		} else {
			b.Field(17).AppendNull()
		}
		b.Field(18).AppendNull()
	}
	return oneBatch(schema_ref.XdbcTypeInfo, b)
}
