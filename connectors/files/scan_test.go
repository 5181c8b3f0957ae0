package files_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
	"github.com/tern-db/tern/proto/errs"
)

var ctx = context.Background()

// writeParquet writes rowsJSON with schema sc to a file, rowGroup rows per row group.
func writeParquet(t *testing.T, dir, name string, sc *arrow.Schema, rowsJSON string, rowGroup int64) string {
	t.Helper()
	rec := exectest.Record(t, memory.DefaultAllocator, sc, rowsJSON)
	defer rec.Release()
	return writeRecord(t, dir, name, rec, rowGroup)
}

func writeRecord(t *testing.T, dir, name string, rec arrow.RecordBatch, rowGroup int64) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd), parquet.WithMaxRowGroupLength(rowGroup))
	fw, err := pqarrow.NewFileWriter(rec.Schema(), f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func ternSchema(cols ...catalog.Column) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: c.Nullable}
	}
	return arrow.NewSchema(fields, nil)
}

var allTypes = ternSchema(
	catalog.Column{Name: "b", Type: catalog.Bool, Nullable: true},
	catalog.Column{Name: "i16", Type: catalog.Int16, Nullable: true},
	catalog.Column{Name: "i32", Type: catalog.Int32, Nullable: true},
	catalog.Column{Name: "i64", Type: catalog.Int64, Nullable: true},
	catalog.Column{Name: "f32", Type: catalog.Float32, Nullable: true},
	catalog.Column{Name: "f64", Type: catalog.Float64, Nullable: true},
	catalog.Column{Name: "n", Type: catalog.Numeric(12, 2), Nullable: true},
	catalog.Column{Name: "s", Type: catalog.Text, Nullable: true},
	catalog.Column{Name: "d", Type: catalog.Date, Nullable: true},
	catalog.Column{Name: "ts", Type: catalog.Timestamp, Nullable: true},
	catalog.Column{Name: "tz", Type: catalog.TimestampTZ, Nullable: true},
)

const allRows = `[
 {"b":true,"i16":1,"i32":10,"i64":100,"f32":1.5,"f64":2.25,"n":"12.34","s":"a","d":"2024-01-02","ts":"2024-01-02T03:04:05.123456","tz":"2024-01-02T03:04:05Z"},
 {"b":null,"i16":null,"i32":null,"i64":null,"f32":null,"f64":null,"n":null,"s":null,"d":null,"ts":null,"tz":null},
 {"b":false,"i16":-2,"i32":-20,"i64":-200,"f32":-1,"f64":0,"n":"-0.01","s":"héllo","d":"1999-12-31","ts":"1970-01-01T00:00:00","tz":"2000-06-01T12:00:00Z"}
]`

func TestParquetAllTypes(t *testing.T) {
	dir := t.TempDir()
	p := writeParquet(t, dir, "a.parquet", allTypes, allRows, 2)
	want := []string{
		"true|1|10|100|1.5|2.25|12.34|a|2024-01-02|2024-01-02T03:04:05.123456|2024-01-02T03:04:05Z",
		"NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
		"false|-2|-20|-200|-1|0|-0.01|héllo|1999-12-31|1970-01-01T00:00:00|2000-06-01T12:00:00Z",
	}
	for _, size := range exectest.BatchSizes {
		mem := exectest.Alloc(t)
		op, err := files.NewScan(files.ScanOptions{Env: exec.Env{Alloc: mem, BatchSize: size}, Format: files.Parquet,
			Paths: []string{p, p}, Schema: allTypes})
		if err != nil {
			t.Fatal(err)
		}
		got := exectest.Rows(t, op)
		if !reflect.DeepEqual(got, append(want, want...)) {
			t.Fatalf("size %d:\n%s", size, strings.Join(got, "\n"))
		}
		st := op.(exec.Stats).Stats()
		if st.Rows != 6 || st.BytesScanned <= 0 {
			t.Fatalf("stats %+v", st)
		}
		if size == 1 && st.Batches != 6 {
			t.Fatalf("batches %d", st.Batches)
		}
	}
}

func TestParquetProjectionAndBytes(t *testing.T) {
	dir := t.TempDir()
	p := writeParquet(t, dir, "a.parquet", allTypes, allRows, 1024)
	mem := exectest.Alloc(t)
	all, _ := files.NewScan(files.ScanOptions{Env: exec.Env{Alloc: mem}, Paths: []string{p}, Schema: allTypes})
	exectest.Rows(t, all)
	op, err := files.NewScan(files.ScanOptions{Env: exec.Env{Alloc: mem}, Paths: []string{p}, Schema: allTypes, Projection: []int{7, 3}})
	if err != nil {
		t.Fatal(err)
	}
	if op.Schema().Field(0).Name != "s" || op.Schema().Field(1).Name != "i64" {
		t.Fatalf("schema %v", op.Schema())
	}
	got := exectest.Rows(t, op)
	if !reflect.DeepEqual(got, []string{"a|100", "NULL|NULL", "héllo|-200"}) {
		t.Fatalf("got %v", got)
	}
	sAll, sTwo := all.(exec.Stats).Stats().BytesScanned, op.(exec.Stats).Stats().BytesScanned
	if sTwo <= 0 || sTwo >= sAll {
		t.Fatalf("bytes scanned: projection %d, all %d", sTwo, sAll)
	}
	// No columns at all (count(*)): rows only, nothing scanned.
	cnt, _ := files.NewScan(files.ScanOptions{Env: exec.Env{Alloc: mem, BatchSize: 2}, Paths: []string{p}, Schema: allTypes, Projection: []int{}})
	batches, err := exec.Drain(ctx, cnt)
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	for _, b := range batches {
		rows += b.NumRows()
		b.Release()
	}
	if rows != 3 || cnt.(exec.Stats).Stats().BytesScanned != 0 {
		t.Fatalf("count rows %d", rows)
	}
}

func TestParquetConversions(t *testing.T) {
	dir := t.TempDir()
	mem := memory.DefaultAllocator
	fileSchema := arrow.NewSchema([]arrow.Field{
		{Name: "i", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "n", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date64, Nullable: true},
		{Name: "ns", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true},
		{Name: "ms", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "ls", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "dict", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, fileSchema)
	defer b.Release()
	b.Field(0).(*array.Int32Builder).AppendValues([]int32{7, 0}, []bool{true, false})
	n, _ := arrowDecimal("123.45", 10, 2)
	b.Field(1).(*array.Decimal128Builder).Append(n)
	b.Field(1).AppendNull()
	b.Field(2).(*array.Date64Builder).AppendValues([]arrow.Date64{arrow.Date64(86400000 * 3), 0}, []bool{true, false})
	b.Field(3).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1_000_001_999, 0}, []bool{true, false})
	b.Field(4).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1_500, 0}, []bool{true, false})
	b.Field(5).(*array.LargeStringBuilder).AppendValues([]string{"big", ""}, []bool{true, false})
	db := b.Field(6).(*array.BinaryDictionaryBuilder)
	db.AppendString("x")
	db.AppendNull()
	rec := b.NewRecordBatch()
	defer rec.Release()
	p := writeRecord(t, dir, "c.parquet", rec, 100)

	bound := ternSchema(
		catalog.Column{Name: "i", Type: catalog.Int64, Nullable: true},
		catalog.Column{Name: "n", Type: catalog.Numeric(20, 3), Nullable: true},
		catalog.Column{Name: "d", Type: catalog.Date, Nullable: true},
		catalog.Column{Name: "ns", Type: catalog.Timestamp, Nullable: true},
		catalog.Column{Name: "ms", Type: catalog.TimestampTZ, Nullable: true},
		catalog.Column{Name: "ls", Type: catalog.Text, Nullable: true},
		catalog.Column{Name: "dict", Type: catalog.Text, Nullable: true},
	)
	for _, size := range exectest.BatchSizes {
		cm := exectest.Alloc(t)
		op, err := files.NewScan(files.ScanOptions{Env: exec.Env{Alloc: cm, BatchSize: size}, Paths: []string{p}, Schema: bound})
		if err != nil {
			t.Fatal(err)
		}
		batches, err := exec.Drain(ctx, op)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, b := range batches {
			if !b.Schema().Equal(bound) {
				t.Fatalf("schema %v", b.Schema())
			}
			for r := 0; r < int(b.NumRows()); r++ {
				var row []string
				for c := 0; c < int(b.NumCols()); c++ {
					if b.Column(c).IsNull(r) {
						row = append(row, "NULL")
					} else {
						row = append(row, b.Column(c).ValueStr(r))
					}
				}
				got = append(got, strings.Join(row, "|"))
			}
			b.Release()
		}
		want := []string{
			"7|123.45|1970-01-04|1970-01-01T00:00:01.000001|1970-01-01T00:00:01.5Z|big|x",
			"NULL|NULL|NULL|NULL|NULL|NULL|NULL",
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("size %d: %q", size, got)
		}
	}
}

func TestParquetErrors(t *testing.T) {
	dir := t.TempDir()
	p := writeParquet(t, dir, "a.parquet", allTypes, allRows, 1024)
	mem := exectest.Alloc(t)
	scan := func(paths []string, sc *arrow.Schema) error {
		op, err := files.NewScan(files.ScanOptions{Env: exec.Env{Alloc: mem}, Paths: paths, Schema: sc})
		if err != nil {
			return err
		}
		_, err = exec.Drain(ctx, op)
		return err
	}
	if err := scan([]string{filepath.Join(dir, "nope.parquet")}, allTypes); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("missing file: %v", err)
	}
	other := ternSchema(catalog.Column{Name: "zz", Type: catalog.Int64})
	if err := scan([]string{p}, other); !errors.Is(err, errs.ErrInvalidArgument) || !strings.Contains(err.Error(), `"zz"`) {
		t.Fatalf("missing column: %v", err)
	}
	bad := filepath.Join(dir, "bad.parquet")
	os.WriteFile(bad, []byte("not parquet at all"), 0o644)
	if err := scan([]string{bad}, allTypes); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Fatalf("bad file: %v", err)
	}
	// int64 bound as int16 with a value out of range.
	big := writeParquet(t, dir, "big.parquet", ternSchema(catalog.Column{Name: "x", Type: catalog.Int64}), `[{"x":100000}]`, 10)
	if err := scan([]string{big}, ternSchema(catalog.Column{Name: "x", Type: catalog.Int16})); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Fatalf("overflow: %v", err)
	}
	if _, err := files.NewScan(files.ScanOptions{Paths: []string{p}, Schema: allTypes, Projection: []int{99}}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Fatalf("projection: %v", err)
	}
}

func TestOperatorContract(t *testing.T) {
	dir := t.TempDir()
	p := writeParquet(t, dir, "a.parquet", allTypes, allRows, 1)
	mem := exectest.Alloc(t)
	op, _ := files.NewScan(files.ScanOptions{Env: exec.Env{Alloc: mem}, Paths: []string{p}, Schema: allTypes})
	if err := op.Close(); err != nil { // without Open
		t.Fatal(err)
	}
	op, _ = files.NewScan(files.ScanOptions{Env: exec.Env{Alloc: mem}, Paths: []string{p}, Schema: allTypes})
	op.Open(ctx)
	op.Open(ctx)
	b, err := op.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b.Release()
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := op.Next(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	// Close mid-file releases the reader's buffers (checked by the allocator).
	op.Close()
	op.Close()
	if _, err := op.Next(ctx); err != io.EOF {
		t.Fatalf("after close: %v", err)
	}
	// Empty path list.
	op, _ = files.NewScan(files.ScanOptions{Env: exec.Env{Alloc: mem}, Schema: allTypes})
	if rows := exectest.Rows(t, op); len(rows) != 0 {
		t.Fatal(rows)
	}
}

func TestInferParquet(t *testing.T) {
	dir := t.TempDir()
	p := writeParquet(t, dir, "a.parquet", allTypes, allRows, 1024)
	sc, err := files.InferSchema(ctx, p, files.Parquet)
	if err != nil {
		t.Fatal(err)
	}
	if sc.NumFields() != allTypes.NumFields() {
		t.Fatalf("schema %v", sc)
	}
	for i, f := range sc.Fields() {
		if f.Name != allTypes.Field(i).Name || !arrow.TypeEqual(f.Type, allTypes.Field(i).Type) {
			t.Fatalf("field %d: %v, want %v", i, f, allTypes.Field(i))
		}
	}
	if _, err := files.InferSchema(ctx, filepath.Join(dir, "x"), files.Parquet); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
}
