package files_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/exec"
)

// Parquet decode benchmarks of the file scan operator, for benchstat:
//
//	go test -run XXX -bench ParquetScan -count 10 ./connectors/files/ > old.txt
//
// BenchmarkParquetScanLineitem reads TPC-H lineitem from $TERN_BENCH_LINEITEM, else the
// shared SF0.1 file (../shared/tpch/sf0.1 beside the repo); it is skipped when neither exists.

func lineitemPath(b *testing.B) string {
	if p := os.Getenv("TERN_BENCH_LINEITEM"); p != "" {
		return p
	}
	p := filepath.Join("..", "..", "..", "shared", "tpch", "sf0.1", "lineitem.parquet")
	if _, err := os.Stat(p); err != nil {
		b.Skip("no lineitem.parquet: set TERN_BENCH_LINEITEM")
	}
	return p
}

// benchScan runs the scan over path, projecting cols (nil: all), b.N times. Bytes per op are
// the decoded Arrow values, so -benchmem's MB/s is the decode rate.
func benchScan(b *testing.B, path string, cols []string) {
	sc, err := files.InferSchema(ctx, path, files.Parquet)
	if err != nil {
		b.Fatal(err)
	}
	var proj []int
	for _, c := range cols {
		i := sc.FieldIndices(c)
		if len(i) == 0 {
			b.Fatalf("no column %s", c)
		}
		proj = append(proj, i[0])
	}
	run := func() (rows, bytes int64) {
		op, err := files.NewScan(files.ScanOptions{Env: exec.Env{Alloc: memory.DefaultAllocator}, Format: files.Parquet,
			Paths: []string{path}, Schema: sc, Projection: proj})
		if err != nil {
			b.Fatal(err)
		}
		defer op.Close()
		if err := op.Open(ctx); err != nil {
			b.Fatal(err)
		}
		for {
			rec, err := op.Next(ctx)
			if errors.Is(err, io.EOF) {
				return rows, bytes
			}
			if err != nil {
				b.Fatal(err)
			}
			rows += rec.NumRows()
			for _, c := range rec.Columns() {
				bytes += valueBytes(c)
			}
			rec.Release()
		}
	}
	rows, bytes := run()
	b.SetBytes(bytes)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// valueBytes is the size of an array's values (fixed-width values, or offsets and bytes).
func valueBytes(a arrow.Array) int64 {
	if s, ok := a.(*array.String); ok {
		o := s.ValueOffsets()
		return 4*int64(len(o)) + int64(o[len(o)-1]-o[0])
	}
	if fw, ok := a.DataType().(arrow.FixedWidthDataType); ok {
		return (int64(a.Len())*int64(fw.BitWidth()) + 7) / 8
	}
	return 0
}

func BenchmarkParquetScanLineitem(b *testing.B) {
	p := lineitemPath(b)
	b.Run("all", func(b *testing.B) { benchScan(b, p, nil) })
	b.Run("q1cols", func(b *testing.B) {
		benchScan(b, p, []string{"l_returnflag", "l_linestatus", "l_quantity", "l_extendedprice", "l_discount", "l_tax", "l_shipdate"})
	})
	b.Run("int64", func(b *testing.B) { benchScan(b, p, []string{"l_orderkey", "l_partkey"}) })
	b.Run("comment", func(b *testing.B) { benchScan(b, p, []string{"l_comment"}) })
}

// BenchmarkParquetScanSynthetic needs no data set: 1M rows of bigint, numeric(15,2), date
// and a short string, written once to a temporary file.
func BenchmarkParquetScanSynthetic(b *testing.B) {
	const n = 1 << 20
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "price", Type: &arrow.Decimal128Type{Precision: 15, Scale: 2}, Nullable: true},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "tag", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	bld := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer bld.Release()
	tags := []string{"AIR", "MAIL", "SHIP", "TRUCK", "RAIL", "FOB", "REG AIR"}
	for i := 0; i < n; i++ {
		bld.Field(0).(*array.Int64Builder).Append(int64(i))
		bld.Field(1).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i%100000) * 7))
		bld.Field(2).(*array.Date32Builder).Append(arrow.Date32(8000 + i%2500))
		bld.Field(3).(*array.StringBuilder).Append(tags[i%len(tags)])
	}
	rec := bld.NewRecordBatch()
	defer rec.Release()
	p := filepath.Join(b.TempDir(), "synthetic.parquet")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(122880))
	fw, err := pqarrow.NewFileWriter(sc, f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		b.Fatal(err)
	}
	if err := fw.Write(rec); err != nil {
		b.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		b.Fatal(err)
	}
	benchScan(b, p, nil)
}
