package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/pingcap/go-tpc/tpch/dbgen"
)

// TPC-H data: integer scale factors come from go-tpc's port of the official dbgen (v2.4.0) and
// are written as Parquet with the types of ../shared/tpch/schema.txt (the same Arrow types as
// the reference files in ../shared/tpch/sf0.1): BIGINT -> int64, INTEGER -> int32,
// DECIMAL(15,2) -> decimal128(15,2), DATE -> date32, VARCHAR -> utf8.

var tpchTables = []string{"customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier"}

// parquetRowGroup matches DuckDB's default row group size, as in the reference files.
const parquetRowGroup = 122880

var (
	dec152 = &arrow.Decimal128Type{Precision: 15, Scale: 2}
	i64    = arrow.PrimitiveTypes.Int64
	i32    = arrow.PrimitiveTypes.Int32
	date   = arrow.FixedWidthTypes.Date32
	utf8   = arrow.BinaryTypes.String
)

func tpchSchema(table string) *arrow.Schema {
	f := func(name string, t arrow.DataType) arrow.Field {
		return arrow.Field{Name: name, Type: t, Nullable: true}
	}
	var fs []arrow.Field
	switch table {
	case "customer":
		fs = []arrow.Field{f("c_custkey", i64), f("c_name", utf8), f("c_address", utf8), f("c_nationkey", i32),
			f("c_phone", utf8), f("c_acctbal", dec152), f("c_mktsegment", utf8), f("c_comment", utf8)}
	case "lineitem":
		fs = []arrow.Field{f("l_orderkey", i64), f("l_partkey", i64), f("l_suppkey", i64), f("l_linenumber", i64),
			f("l_quantity", dec152), f("l_extendedprice", dec152), f("l_discount", dec152), f("l_tax", dec152),
			f("l_returnflag", utf8), f("l_linestatus", utf8), f("l_shipdate", date), f("l_commitdate", date),
			f("l_receiptdate", date), f("l_shipinstruct", utf8), f("l_shipmode", utf8), f("l_comment", utf8)}
	case "nation":
		fs = []arrow.Field{f("n_nationkey", i32), f("n_name", utf8), f("n_regionkey", i32), f("n_comment", utf8)}
	case "orders":
		fs = []arrow.Field{f("o_orderkey", i64), f("o_custkey", i64), f("o_orderstatus", utf8), f("o_totalprice", dec152),
			f("o_orderdate", date), f("o_orderpriority", utf8), f("o_clerk", utf8), f("o_shippriority", i32), f("o_comment", utf8)}
	case "part":
		fs = []arrow.Field{f("p_partkey", i64), f("p_name", utf8), f("p_mfgr", utf8), f("p_brand", utf8), f("p_type", utf8),
			f("p_size", i32), f("p_container", utf8), f("p_retailprice", dec152), f("p_comment", utf8)}
	case "partsupp":
		fs = []arrow.Field{f("ps_partkey", i64), f("ps_suppkey", i64), f("ps_availqty", i64), f("ps_supplycost", dec152), f("ps_comment", utf8)}
	case "region":
		fs = []arrow.Field{f("r_regionkey", i32), f("r_name", utf8), f("r_comment", utf8)}
	case "supplier":
		fs = []arrow.Field{f("s_suppkey", i64), f("s_name", utf8), f("s_address", utf8), f("s_nationkey", i32),
			f("s_phone", utf8), f("s_acctbal", dec152), f("s_comment", utf8)}
	default:
		panic("unknown TPC-H table " + table)
	}
	return arrow.NewSchema(fs, nil)
}

// tableWriter appends rows to a RecordBuilder and writes full batches to a Parquet file.
type tableWriter struct {
	path string
	f    *os.File
	w    *pqarrow.FileWriter
	b    *array.RecordBuilder
	n    int
	rows int64
}

func newTableWriter(path string, sc *arrow.Schema) (*tableWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	props := parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithMaxRowGroupLength(parquetRowGroup),
		parquet.WithCreatedBy("tern-bench (go-tpc dbgen)"),
	)
	w, err := pqarrow.NewFileWriter(sc, f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		f.Close()
		return nil, err
	}
	return &tableWriter{path: path, f: f, w: w, b: array.NewRecordBuilder(memory.DefaultAllocator, sc)}, nil
}

func (t *tableWriter) i64(c int, v int64)  { t.b.Field(c).(*array.Int64Builder).Append(v) }
func (t *tableWriter) i32(c int, v int64)  { t.b.Field(c).(*array.Int32Builder).Append(int32(v)) }
func (t *tableWriter) str(c int, v string) { t.b.Field(c).(*array.StringBuilder).Append(v) }
func (t *tableWriter) money(c int, cents int64) {
	t.b.Field(c).(*array.Decimal128Builder).Append(decimal128.FromI64(cents))
}

func (t *tableWriter) date(c int, v string) error {
	d, err := time.Parse("2006-01-02", v)
	if err != nil {
		return fmt.Errorf("%s: bad date %q", t.path, v)
	}
	t.b.Field(c).(*array.Date32Builder).Append(arrow.Date32FromTime(d))
	return nil
}

// endRow counts a finished row and writes a row group's worth of rows when it has them.
func (t *tableWriter) endRow() error {
	t.n++
	t.rows++
	if t.n >= parquetRowGroup {
		return t.flush()
	}
	return nil
}

func (t *tableWriter) flush() error {
	if t.n == 0 {
		return nil
	}
	rec := t.b.NewRecordBatch()
	defer rec.Release()
	t.n = 0
	return t.w.Write(rec)
}

func (t *tableWriter) close() error {
	err := t.flush()
	t.b.Release()
	if cerr := t.w.Close(); err == nil {
		err = cerr
	}
	return err
}

// Loaders for go-tpc's dbgen: each turns one generated row into Arrow values.
type (
	custLoader     struct{ *tableWriter }
	suppLoader     struct{ *tableWriter }
	partLoader     struct{ *tableWriter }
	psuppLoader    struct{ *tableWriter }
	orderLoader    struct{ *tableWriter }
	lineitemLoader struct{ *tableWriter }
	nationLoader   struct{ *tableWriter }
	regionLoader   struct{ *tableWriter }
)

func (l custLoader) Flush() error     { return nil }
func (l suppLoader) Flush() error     { return nil }
func (l partLoader) Flush() error     { return nil }
func (l psuppLoader) Flush() error    { return nil }
func (l orderLoader) Flush() error    { return nil }
func (l lineitemLoader) Flush() error { return nil }
func (l nationLoader) Flush() error   { return nil }
func (l regionLoader) Flush() error   { return nil }

func (l custLoader) Load(item any) error {
	c := item.(*dbgen.Cust)
	l.i64(0, int64(c.CustKey))
	l.str(1, c.Name)
	l.str(2, c.Address)
	l.i32(3, int64(c.NationCode))
	l.str(4, c.Phone)
	l.money(5, int64(c.Acctbal))
	l.str(6, c.MktSegment)
	l.str(7, c.Comment)
	return l.endRow()
}

func (l suppLoader) Load(item any) error {
	s := item.(*dbgen.Supp)
	l.i64(0, int64(s.SuppKey))
	l.str(1, s.Name)
	l.str(2, s.Address)
	l.i32(3, int64(s.NationCode))
	l.str(4, s.Phone)
	l.money(5, int64(s.Acctbal))
	l.str(6, s.Comment)
	return l.endRow()
}

func (l partLoader) Load(item any) error {
	p := item.(*dbgen.Part)
	l.i64(0, int64(p.PartKey))
	l.str(1, p.Name)
	l.str(2, p.Mfgr)
	l.str(3, p.Brand)
	l.str(4, p.Type)
	l.i32(5, int64(p.Size))
	l.str(6, p.Container)
	l.money(7, int64(p.RetailPrice))
	l.str(8, p.Comment)
	return l.endRow()
}

func (l psuppLoader) Load(item any) error {
	p := item.(*dbgen.Part)
	for _, s := range p.S {
		l.i64(0, int64(s.PartKey))
		l.i64(1, int64(s.SuppKey))
		l.i64(2, int64(s.Qty))
		l.money(3, int64(s.SCost))
		l.str(4, s.Comment)
		if err := l.endRow(); err != nil {
			return err
		}
	}
	return nil
}

func (l orderLoader) Load(item any) error {
	o := item.(*dbgen.Order)
	l.i64(0, int64(o.OKey))
	l.i64(1, int64(o.CustKey))
	l.str(2, string(rune(o.Status)))
	l.money(3, int64(o.TotalPrice))
	if err := l.date(4, o.Date); err != nil {
		return err
	}
	l.str(5, o.OrderPriority)
	l.str(6, o.Clerk)
	l.i32(7, o.ShipPriority)
	l.str(8, o.Comment)
	return l.endRow()
}

func (l lineitemLoader) Load(item any) error {
	o := item.(*dbgen.Order)
	for _, li := range o.Lines {
		l.i64(0, int64(li.OKey))
		l.i64(1, int64(li.PartKey))
		l.i64(2, int64(li.SuppKey))
		l.i64(3, int64(li.LCnt))
		l.money(4, int64(li.Quantity)*100) // dbgen keeps quantity as a whole number
		l.money(5, int64(li.EPrice))
		l.money(6, int64(li.Discount))
		l.money(7, int64(li.Tax))
		l.str(8, string(rune(li.RFlag)))
		l.str(9, string(rune(li.LStatus)))
		for i, d := range []string{li.SDate, li.CDate, li.RDate} {
			if err := l.date(10+i, d); err != nil {
				return err
			}
		}
		l.str(13, li.ShipInstruct)
		l.str(14, li.ShipMode)
		l.str(15, li.Comment)
		if err := l.endRow(); err != nil {
			return err
		}
	}
	return nil
}

func (l nationLoader) Load(item any) error {
	n := item.(*dbgen.Nation)
	l.i32(0, int64(n.Code))
	l.str(1, n.Text)
	l.i32(2, int64(n.Join))
	l.str(3, n.Comment)
	return l.endRow()
}

func (l regionLoader) Load(item any) error {
	r := item.(*dbgen.Region)
	l.i32(0, int64(r.Code))
	l.str(1, r.Text)
	l.str(2, r.Comment)
	return l.endRow()
}

// genMu serializes generation: go-tpc's dbgen keeps its state in package variables.
var genMu sync.Mutex

// generateTPCH writes the eight tables of scale factor sf into dir (created), skipping the work
// when a complete set is already there. It returns the row counts.
func generateTPCH(ctx context.Context, sf int, dir string, log io.Writer) error {
	marker := filepath.Join(dir, "COMPLETE")
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	genMu.Lock()
	defer genMu.Unlock()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	start := time.Now()
	fmt.Fprintf(log, "bench: generating TPC-H SF%d into %s (go-tpc dbgen)\n", sf, dir)
	writers := map[string]*tableWriter{}
	for _, t := range tpchTables {
		w, err := newTableWriter(filepath.Join(dir, t+".parquet.tmp"), tpchSchema(t))
		if err != nil {
			return err
		}
		writers[t] = w
	}
	loaders := map[dbgen.Table]dbgen.Loader{
		dbgen.TCust:   custLoader{writers["customer"]},
		dbgen.TSupp:   suppLoader{writers["supplier"]},
		dbgen.TPart:   partLoader{writers["part"]},
		dbgen.TPsupp:  psuppLoader{writers["partsupp"]},
		dbgen.TOrder:  orderLoader{writers["orders"]},
		dbgen.TLine:   lineitemLoader{writers["lineitem"]},
		dbgen.TNation: nationLoader{writers["nation"]},
		dbgen.TRegion: regionLoader{writers["region"]},
	}
	// dbgen reports progress with fmt.Printf: keep stdout for the results.
	stdout := os.Stdout
	os.Stdout = os.Stderr
	dbgen.InitDbGen(int64(sf))
	err := dbgen.DbGen(loaders, []dbgen.Table{dbgen.TNation, dbgen.TRegion, dbgen.TCust, dbgen.TSupp, dbgen.TPartPsupp, dbgen.TOrderLine})
	os.Stdout = stdout
	for _, t := range tpchTables {
		if cerr := writers[t].close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("generating TPC-H SF%d: %w", sf, err)
	}
	for _, t := range tpchTables {
		if err := os.Rename(filepath.Join(dir, t+".parquet.tmp"), filepath.Join(dir, t+".parquet")); err != nil {
			return err
		}
	}
	var counts string
	for _, t := range tpchTables {
		counts += fmt.Sprintf("%s=%d ", t, writers[t].rows)
	}
	fmt.Fprintf(log, "bench: generated SF%d in %.1fs: %s\n", sf, time.Since(start).Seconds(), counts)
	return os.WriteFile(marker, []byte(counts+"\n"), 0o644)
}

// tpchDataDir returns the directory holding the Parquet files for sf: the shared reference
// set for 0.1, generated (and cached under dataRoot) for whole numbers.
func tpchDataDir(ctx context.Context, sf float64, sharedDir, dataRoot string, log io.Writer) (string, error) {
	if sf == 0.1 {
		d := filepath.Join(sharedDir, "tpch", "sf0.1")
		if _, err := os.Stat(filepath.Join(d, "lineitem.parquet")); err != nil {
			return "", fmt.Errorf("SF0.1 uses the reference files: %w", err)
		}
		return filepath.Abs(d)
	}
	if sf < 1 || sf != float64(int(sf)) {
		return "", fmt.Errorf("--sf %v: use 0.1 (reference files) or a whole number (generated)", sf)
	}
	d := filepath.Join(dataRoot, "tpch-sf"+strconv.Itoa(int(sf)))
	if err := generateTPCH(ctx, int(sf), d, log); err != nil {
		return "", err
	}
	return filepath.Abs(d)
}
