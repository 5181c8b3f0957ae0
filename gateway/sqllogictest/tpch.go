package sqllogictest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// The `load tpch` record makes the eight TPC-H SF0.1 tables (../shared/tpch/sf0.1/*.parquet,
// column types from ../shared/tpch/schema.txt: BIGINT/INTEGER keys, DECIMAL(15,2) money and
// quantities, DATE, VARCHAR) visible to the rest of a file under their plain names. Tern
// loads them through its own COPY path on each fresh server; PostgreSQL keeps them in schema
// `tpch` of its database, loaded once and reused while complete (see Postgres.Load). Files
// must only read these tables: the PostgreSQL copy is shared by every run.

// TPCHTable is one TPC-H table: its name and "column TYPE" definitions in order.
type TPCHTable struct {
	Name    string
	Columns []string // e.g. "l_quantity DECIMAL(15,2)"
}

// FindTPCHDir returns $TERN_TPCH_DIR, or the first shared/tpch found beside the working
// directory or one of its parents, checked to hold sf0.1/lineitem.parquet.
func FindTPCHDir() (string, error) {
	ok := func(d string) bool {
		_, err := os.Stat(filepath.Join(d, "sf0.1", "lineitem.parquet"))
		return err == nil
	}
	if d := os.Getenv("TERN_TPCH_DIR"); d != "" {
		if !ok(d) {
			return "", fmt.Errorf("TERN_TPCH_DIR=%s holds no sf0.1/lineitem.parquet", d)
		}
		return filepath.Abs(d)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if c := filepath.Join(d, "shared", "tpch"); ok(c) {
			return c, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("TPC-H SF0.1 set not found (set TERN_TPCH_DIR to the folder holding schema.txt and sf0.1/)")
		}
	}
}

// TPCHTables reads dir/schema.txt ("table.column TYPE" per line) in its order.
func TPCHTables(dir string) ([]TPCHTable, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "schema.txt"))
	if err != nil {
		return nil, err
	}
	var out []TPCHTable
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		name, typ, ok := strings.Cut(strings.TrimSpace(line), " ")
		tbl, col, ok2 := strings.Cut(name, ".")
		if !ok || !ok2 {
			return nil, fmt.Errorf("schema.txt: bad line %q", line)
		}
		if len(out) == 0 || out[len(out)-1].Name != tbl {
			out = append(out, TPCHTable{Name: tbl})
		}
		out[len(out)-1].Columns = append(out[len(out)-1].Columns, col+" "+strings.TrimSpace(typ))
	}
	return out, nil
}

// tpchKeys are the indexes PostgreSQL gets, so that correlated subqueries over the tables
// answer in reasonable time when it computes the expected output.
var tpchKeys = []string{
	"ALTER TABLE %s.region ADD PRIMARY KEY (r_regionkey)",
	"ALTER TABLE %s.nation ADD PRIMARY KEY (n_nationkey)",
	"ALTER TABLE %s.supplier ADD PRIMARY KEY (s_suppkey)",
	"ALTER TABLE %s.customer ADD PRIMARY KEY (c_custkey)",
	"ALTER TABLE %s.part ADD PRIMARY KEY (p_partkey)",
	"ALTER TABLE %s.partsupp ADD PRIMARY KEY (ps_partkey, ps_suppkey)",
	"ALTER TABLE %s.orders ADD PRIMARY KEY (o_orderkey)",
	"ALTER TABLE %s.lineitem ADD PRIMARY KEY (l_orderkey, l_linenumber)",
	"CREATE INDEX ON %s.orders (o_custkey)",
	"CREATE INDEX ON %s.lineitem (l_partkey, l_suppkey)",
	"CREATE INDEX ON %s.partsupp (ps_suppkey)",
}

// TPCHSchema is the PostgreSQL schema that holds the shared TPC-H tables.
const TPCHSchema = "tpch"

// Load implements Loader for "tpch": the tables are loaded into schema tpch once (under an
// advisory lock, in one transaction, so concurrent test processes neither race nor see half a
// load) and reused while tpch.loaded records the same schema.txt digest and row counts as the
// Parquet footers; then the file's own schema is searched first, tpch second.
func (db *Postgres) Load(ctx context.Context, dataset string) error {
	if dataset != "tpch" {
		return fmt.Errorf("unknown data set %q (known: tpch)", dataset)
	}
	dir, err := FindTPCHDir()
	if err != nil {
		return err
	}
	if err := loadPostgresTPCH(ctx, db, dir); err != nil {
		return err
	}
	_, err = db.Exec(ctx, fmt.Sprintf("SET search_path TO %s, %s", db.Schema, TPCHSchema))
	return err
}

func loadPostgresTPCH(ctx context.Context, db *Postgres, dir string) error {
	tables, err := TPCHTables(dir)
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(filepath.Join(dir, "schema.txt"))
	if err != nil {
		return err
	}
	sum := sha256.Sum256(raw)
	digest := hex.EncodeToString(sum[:8])
	want := map[string]int64{}
	for _, t := range tables {
		n, err := parquetRows(filepath.Join(dir, "sf0.1", t.Name+".parquet"))
		if err != nil {
			return err
		}
		want[t.Name] = n
	}
	// 0x7465726e = "tern": one loader at a time across processes
	if _, err := db.Exec(ctx, "SELECT pg_advisory_lock(1952805486)"); err != nil {
		return err
	}
	defer db.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(1952805486)") //nolint:errcheck // the session ends soon anyway
	if loadedMatches(ctx, db, digest, want) {
		return nil
	}
	s := TPCHSchema
	stmts := []string{"BEGIN", fmt.Sprintf("DROP SCHEMA IF EXISTS %s CASCADE", s), "CREATE SCHEMA " + s}
	for _, t := range tables {
		stmts = append(stmts, fmt.Sprintf("CREATE TABLE %s.%s (%s)", s, t.Name, strings.Join(t.Columns, ", ")))
	}
	if _, err := db.Exec(ctx, strings.Join(stmts, "; ")); err != nil {
		return fmt.Errorf("creating the tpch tables: %w", err)
	}
	fail := func(err error) error {
		_, _ = db.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	for _, t := range tables {
		if err := copyParquet(ctx, db, filepath.Join(dir, "sf0.1", t.Name+".parquet"), s+"."+t.Name); err != nil {
			return fail(fmt.Errorf("loading %s: %w", t.Name, err))
		}
	}
	stmts = stmts[:0]
	for _, k := range tpchKeys {
		stmts = append(stmts, fmt.Sprintf(k, s))
	}
	stmts = append(stmts, fmt.Sprintf("CREATE TABLE %s.loaded (tbl text PRIMARY KEY, n bigint, digest text)", s))
	for _, t := range tables {
		stmts = append(stmts, fmt.Sprintf("INSERT INTO %s.loaded VALUES ('%s', %d, '%s')", s, t.Name, want[t.Name], digest))
	}
	stmts = append(stmts, "COMMIT")
	if _, err := db.Exec(ctx, strings.Join(stmts, "; ")); err != nil {
		return fail(fmt.Errorf("finishing the tpch load: %w", err))
	}
	_, err = db.Exec(ctx, "ANALYZE "+strings.Join(func() []string {
		var names []string
		for _, t := range tables {
			names = append(names, s+"."+t.Name)
		}
		return names
	}(), ", "))
	return err
}

// loadedMatches reports whether tpch.loaded describes exactly the wanted load, with each
// table's row count checked against the table itself.
func loadedMatches(ctx context.Context, db *Postgres, digest string, want map[string]int64) bool {
	res, err := db.Query(ctx, fmt.Sprintf("SELECT tbl, n, digest FROM %s.loaded", TPCHSchema))
	if err != nil || len(res.Rows) != len(want) {
		return false
	}
	var counts []string
	for _, row := range res.Rows {
		if row[2] != digest || row[1] != fmt.Sprint(want[row[0]]) {
			return false
		}
		counts = append(counts, fmt.Sprintf("(SELECT count(*) FROM %s.%s) = %s", TPCHSchema, row[0], row[1]))
	}
	res, err = db.Query(ctx, "SELECT "+strings.Join(counts, " AND "))
	return err == nil && len(res.Rows) == 1 && res.Rows[0][0] == "t"
}

func parquetRows(path string) (int64, error) {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return 0, err
	}
	defer pf.Close()
	return pf.NumRows(), nil
}

// copyParquet streams a Parquet file into table with COPY ... FROM STDIN in text format.
func copyParquet(ctx context.Context, db *Postgres, path, table string) error {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return err
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
	if err != nil {
		return err
	}
	rr, err := fr.GetRecordReader(ctx, nil, nil)
	if err != nil {
		return err
	}
	defer rr.Release()
	pr, pw := io.Pipe()
	go func() {
		var b strings.Builder
		for rr.Next() {
			rec := rr.RecordBatch()
			b.Reset()
			for i := 0; i < int(rec.NumRows()); i++ {
				for c := 0; c < int(rec.NumCols()); c++ {
					if c > 0 {
						b.WriteByte('\t')
					}
					b.WriteString(copyText(rec.Column(c), i))
				}
				b.WriteByte('\n')
			}
			if _, err := io.WriteString(pw, b.String()); err != nil {
				return
			}
		}
		pw.CloseWithError(rr.Err())
	}()
	_, err = db.conn.CopyFrom(ctx, pr, "COPY "+table+" FROM STDIN")
	pr.Close()
	return err
}

// copyText renders one value in COPY's text format.
func copyText(a arrow.Array, i int) string {
	if a.IsNull(i) {
		return `\N`
	}
	switch a := a.(type) {
	case *array.String:
		return copyEscaper.Replace(a.Value(i))
	case *array.LargeString:
		return copyEscaper.Replace(a.Value(i))
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Date32:
		return a.Value(i).FormattedString()
	}
	return a.ValueStr(i)
}

var copyEscaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)
