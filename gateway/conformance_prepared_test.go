package gateway

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
)

// allTypesBatch is one batch of parameters, one column per supported type.
func allTypesBatch(mem memory.Allocator, rows int) arrow.RecordBatch {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "$1", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
		{Name: "$2", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "$3", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "$4", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "$5", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "$6", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "$7", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "$8", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}, Nullable: true},
		{Name: "$9", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "$10", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
		{Name: "$11", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	base := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := 0; i < rows; i++ {
		b.Field(0).(*array.Int16Builder).Append(int16(i))
		b.Field(1).(*array.Int32Builder).Append(int32(i * 10))
		b.Field(2).(*array.Int64Builder).Append(int64(i) << 33)
		b.Field(3).(*array.Float32Builder).Append(float32(i) + 0.5)
		b.Field(4).(*array.Float64Builder).Append(float64(i) + 0.25)
		b.Field(5).(*array.BooleanBuilder).Append(i%2 == 0)
		b.Field(6).(*array.StringBuilder).Append("s" + string(rune('a'+i)))
		b.Field(7).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i*100 + 5)))
		b.Field(8).(*array.Date32Builder).Append(arrow.Date32FromTime(base.AddDate(0, 0, i)))
		b.Field(9).(*array.TimestampBuilder).Append(arrow.Timestamp(base.Add(time.Duration(i) * time.Hour).UnixMicro()))
		b.Field(10).(*array.TimestampBuilder).Append(arrow.Timestamp(base.Add(time.Duration(i) * time.Minute).UnixMicro()))
	}
	return b.NewRecordBatch()
}

const allTypesTable = `CREATE TABLE every (a SMALLINT, b INTEGER, c BIGINT, d REAL, e DOUBLE PRECISION, f BOOLEAN,
	g TEXT, h NUMERIC(12,2), i DATE, j TIMESTAMP, k TIMESTAMPTZ)`

const allTypesInsert = `INSERT INTO every VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

func TestConformancePreparedParameters(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, allTypesTable)

	// A prepared update bound with three rows in one DoPut runs once per row.
	ins, err := c.Prepare(c.ctx, allTypesInsert)
	if err != nil {
		t.Fatal(err)
	}
	if up, ok := ins.IsUpdate(); !ok || !up {
		t.Fatalf("INSERT: is_update %v %v", up, ok)
	}
	if ins.ParameterSchema().NumFields() != 11 {
		t.Fatalf("parameter schema %v", ins.ParameterSchema())
	}
	batch := allTypesBatch(c.alloc, 3)
	ins.SetParameters(batch)
	batch.Release()
	if n, err := ins.ExecuteUpdate(c.ctx); err != nil || n != 3 {
		t.Fatalf("prepared insert: %d %v", n, err)
	}
	// Bound again, in several batches of one DoPut (a record reader).
	b1, b2 := allTypesBatch(c.alloc, 1), allTypesBatch(c.alloc, 2)
	rr, err := array.NewRecordReader(b1.Schema(), []arrow.RecordBatch{b1, b2})
	if err != nil {
		t.Fatal(err)
	}
	b1.Release()
	b2.Release()
	ins.SetRecordReader(rr)
	if n, err := ins.ExecuteUpdate(c.ctx); err != nil || n != 3 {
		t.Fatalf("prepared insert of a stream: %d %v", n, err)
	}
	rr.Release()
	if err := ins.Close(c.ctx); err != nil {
		t.Fatal(err)
	}
	want(t, c.query(t, `SELECT count(*), sum(b), count(DISTINCT g) FROM every`), "6|40|3")

	// A prepared query: each supported type as a parameter in WHERE; bound in one DoPut, then
	// bound again with other values (several DoPuts on one handle).
	sel, err := c.Prepare(c.ctx, `SELECT count(*) FROM every WHERE a = $1 AND b = $2 AND c = $3 AND d = $4 AND e = $5
		AND f = $6 AND g = $7 AND h = $8 AND i = $9 AND j = $10 AND k = $11`)
	if err != nil {
		t.Fatal(err)
	}
	defer sel.Close(c.ctx)
	if up, ok := sel.IsUpdate(); !ok || up {
		t.Fatalf("SELECT: is_update %v %v", up, ok)
	}
	for row, count := range []string{"3", "2", "1"} {
		all := allTypesBatch(c.alloc, 3)
		one := all.NewSlice(int64(row), int64(row+1))
		all.Release()
		sel.SetParameters(one)
		one.Release()
		info, err := sel.Execute(c.ctx)
		if err != nil {
			t.Fatalf("row %d: %v", row, err)
		}
		want(t, c.rows(t, info), count)
	}

	// Several rows of parameters for a query are refused.
	many := allTypesBatch(c.alloc, 2)
	sel.SetParameters(many)
	many.Release()
	_, err = sel.Execute(c.ctx)
	wantCode(t, err, codes.InvalidArgument)
}

// JDBC and Python's DBAPI send every query as a prepared statement; through ADBC a bulk ingest
// followed by a prepared query with parameters.
func TestConformanceADBCIngestThenPreparedQuery(t *testing.T) {
	ts := startServer(t, nil)
	cn := ts.openADBC(t, nil)
	mem := memory.NewGoAllocator()
	rdr := newInt64Reader(mem, 200_000, 10_000)
	defer rdr.Release()
	st, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetOption(adbc.OptionKeyIngestTargetTable, "big"); err != nil {
		t.Fatal(err)
	}
	if err := st.SetOption(adbc.OptionKeyIngestMode, adbc.OptionValueIngestModeCreate); err != nil {
		t.Fatal(err)
	}
	if err := st.BindStream(context.Background(), rdr); err != nil {
		t.Fatal(err)
	}
	n, err := st.ExecuteUpdate(context.Background())
	if err != nil || n != 200_000 {
		t.Fatalf("ingest: %d %v", n, err)
	}
	pb := array.NewInt64Builder(mem)
	pb.Append(199_990)
	p := pb.NewArray()
	pb.Release()
	params := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "$1", Type: arrow.PrimitiveTypes.Int64}}, nil), []arrow.Array{p}, 1)
	p.Release()
	defer params.Release()
	want(t, adbcQuery(t, cn, `SELECT count(*), min(x) FROM big WHERE x >= $1`, params), "10|199990")
}
