package gateway_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	_ "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// TestTPCHFederated: TPC-H SF0.1 with its eight tables spread over PostgreSQL, MariaDB,
// Parquet files (the files wrapper) and native storage, in two different spreads; the 22
// queries must return the reference answers.
func TestTPCHFederated(t *testing.T) {
	if testing.Short() {
		t.Skip("loads TPC-H SF0.1 into PostgreSQL and MariaDB")
	}
	dir := tpchDir(t)
	spreads := []map[string]string{
		{"customer": "pg", "orders": "pg", "nation": "pg", "supplier": "my", "part": "my", "region": "my", "partsupp": "files", "lineitem": "native"},
		{"part": "pg", "partsupp": "pg", "region": "pg", "customer": "my", "nation": "my", "orders": "files", "lineitem": "files", "supplier": "native"},
	}
	cols := tpchColumns(t, dir)
	for i, spread := range spreads {
		t.Run(fmt.Sprintf("spread%d", i+1), func(t *testing.T) {
			db := openTernWithDirs(t, dir)
			ctx := context.Background()
			sch := fedLoad(t, dir, spread, cols)
			must := func(q string) {
				t.Helper()
				if _, err := db.Exec(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			must(`CREATE SERVER pg FOREIGN DATA WRAPPER postgres OPTIONS (host '127.0.0.1', port '5432', dbname 'test')`)
			must(`CREATE USER MAPPING FOR CURRENT_USER SERVER pg OPTIONS (user 'postgres')`)
			must(`CREATE SERVER my FOREIGN DATA WRAPPER mysql OPTIONS (host '127.0.0.1', port '3306', dbname 'test')`)
			must(`CREATE USER MAPPING FOR CURRENT_USER SERVER my OPTIONS (user 'root')`)
			must(`CREATE SERVER lake FOREIGN DATA WRAPPER files`)
			for tbl, where := range spread {
				decl := strings.Join(cols[tbl], ", ")
				switch where {
				case "pg":
					must(fmt.Sprintf(`CREATE FOREIGN TABLE %s (%s) SERVER pg OPTIONS (schema_name '%s', table_name '%s')`, tbl, decl, sch, tbl))
				case "my":
					must(fmt.Sprintf(`CREATE FOREIGN TABLE %s (%s) SERVER my OPTIONS (dbname 'test', table_name '%s_%s')`, tbl, decl, sch, tbl))
				case "files":
					must(fmt.Sprintf(`CREATE FOREIGN TABLE %s (%s) SERVER lake OPTIONS (filename '%s')`, tbl, decl, filepath.Join(dir, "sf0.1", tbl+".parquet")))
				case "native":
					must(fmt.Sprintf(`CREATE TABLE %s (%s)`, tbl, decl))
					must(fmt.Sprintf(`COPY %s FROM '%s' (FORMAT parquet)`, tbl, filepath.Join(dir, "sf0.1", tbl+".parquet")))
				}
			}
			for q := 1; q <= 22; q++ {
				name := fmt.Sprintf("q%02d", q)
				text, err := os.ReadFile(filepath.Join(dir, "queries", name+".sql"))
				if err != nil {
					t.Fatal(err)
				}
				want := readAnswer(t, filepath.Join(dir, "answers-sf0.1", name+".csv"))
				qctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
				res, err := db.Query(qctx, string(text))
				cancel()
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				if msg := compareAnswers(res.Rows, want); msg != "" {
					t.Errorf("%s: %s", name, msg)
				}
			}
		})
	}
}

// tpchColumns reads schema.txt: table -> "col TYPE" declarations.
func tpchColumns(t *testing.T, dir string) map[string][]string {
	raw, err := os.ReadFile(filepath.Join(dir, "schema.txt"))
	if err != nil {
		t.Fatal(err)
	}
	cols := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		name, typ, _ := strings.Cut(strings.TrimSpace(line), " ")
		tbl, col, _ := strings.Cut(name, ".")
		cols[tbl] = append(cols[tbl], col+" "+typ)
	}
	return cols
}

// remoteType is a schema.txt type in a source's dialect.
func remoteType(typ, where string) string {
	if typ == "VARCHAR" {
		return "TEXT"
	}
	return typ
}

// fedLoad loads the tables spread to PostgreSQL (schema with a random name) and MariaDB
// (tables <random>_<name>) from the Parquet files; it returns the random name.
func fedLoad(t *testing.T, dir string, spread map[string]string, cols map[string][]string) string {
	t.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	sch := "fedtpch_" + hex.EncodeToString(b)
	ctx := context.Background()
	pg, err := pgx.Connect(ctx, "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	if err != nil {
		t.Skipf("PostgreSQL unreachable: %v", err)
	}
	defer pg.Close(ctx)
	my, err := sql.Open("mysql", "root:@tcp(127.0.0.1:3306)/test")
	if err != nil {
		t.Fatal(err)
	}
	defer my.Close()
	if err := my.Ping(); err != nil {
		t.Skipf("MariaDB unreachable: %v", err)
	}
	if _, err := pg.Exec(ctx, "CREATE SCHEMA "+sch); err != nil {
		t.Fatal(err)
	}
	var myTables []string
	t.Cleanup(func() {
		if c, err := pgx.Connect(context.Background(), "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"); err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+sch+" CASCADE")
			c.Close(context.Background())
		}
		if db, err := sql.Open("mysql", "root:@tcp(127.0.0.1:3306)/test"); err == nil {
			for _, tb := range myTables {
				db.Exec("DROP TABLE IF EXISTS `" + tb + "`")
			}
			db.Close()
		}
	})
	for tbl, where := range spread {
		if where != "pg" && where != "my" {
			continue
		}
		var decl, names []string
		for _, c := range cols[tbl] {
			n, typ, _ := strings.Cut(c, " ")
			decl = append(decl, n+" "+remoteType(typ, where))
			names = append(names, n)
		}
		rows := readParquetRows(t, filepath.Join(dir, "sf0.1", tbl+".parquet"))
		switch where {
		case "pg":
			if _, err := pg.Exec(ctx, fmt.Sprintf("CREATE TABLE %s.%s (%s)", sch, tbl, strings.Join(decl, ", "))); err != nil {
				t.Fatal(err)
			}
			if _, err := pg.CopyFrom(ctx, pgx.Identifier{sch, tbl}, names, pgx.CopyFromRows(rows)); err != nil {
				t.Fatalf("loading %s into PostgreSQL: %v", tbl, err)
			}
		case "my":
			name := sch + "_" + tbl
			myTables = append(myTables, name)
			if _, err := my.Exec(fmt.Sprintf("CREATE TABLE `%s` (%s)", name, strings.Join(decl, ", "))); err != nil {
				t.Fatal(err)
			}
			const batch = 500
			for start := 0; start < len(rows); start += batch {
				end := min(start+batch, len(rows))
				ph := "(" + strings.TrimSuffix(strings.Repeat("?,", len(names)), ",") + ")"
				var args []any
				var phs []string
				for _, r := range rows[start:end] {
					phs = append(phs, ph)
					for _, v := range r {
						if n, ok := v.(pgtype.Numeric); ok {
							v = numericText(n)
						}
						args = append(args, v)
					}
				}
				if _, err := my.Exec(fmt.Sprintf("INSERT INTO `%s` VALUES %s", name, strings.Join(phs, ",")), args...); err != nil {
					t.Fatalf("loading %s into MariaDB: %v", tbl, err)
				}
			}
		}
	}
	return sch
}

func numericText(n pgtype.Numeric) string {
	v, _ := n.Value()
	return fmt.Sprint(v)
}

// readParquetRows reads a whole file as Go values pgx and the MySQL driver take.
func readParquetRows(t *testing.T, path string) [][]any {
	t.Helper()
	f, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pqarrow.NewFileReader(f, pqarrow.ArrowReadProperties{BatchSize: 64 << 10}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	rr, err := r.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	var out [][]any
	for rr.Next() {
		rec := rr.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]any, rec.NumCols())
			for c := range row {
				col := rec.Column(c)
				if col.IsNull(i) {
					continue
				}
				switch a := col.(type) {
				case *array.Int64:
					row[c] = a.Value(i)
				case *array.Int32:
					row[c] = a.Value(i)
				case *array.String:
					row[c] = a.Value(i)
				case *array.Date32:
					row[c] = a.Value(i).ToTime()
				case *array.Decimal128:
					scale := a.DataType().(*arrow.Decimal128Type).Scale
					row[c] = pgtype.Numeric{Int: a.Value(i).BigInt(), Exp: -scale, Valid: true}
				default:
					t.Fatalf("%s: column type %s", path, col.DataType())
				}
			}
			out = append(out, row)
		}
	}
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
