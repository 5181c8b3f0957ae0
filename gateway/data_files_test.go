package gateway

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/coordinator"
)

// TestMissingFileNotFound: a missing file inside an allowed directory is NotFound with
// PostgreSQL's wording; outside, existing or not, it is PermissionDenied with the same text
// (nothing tells whether the file exists) (issue 9 item 8).
func TestMissingFileNotFound(t *testing.T) {
	allowed, outside := t.TempDir(), t.TempDir()
	ts := startServer(t, func(c *Config) { c.AllowDirs = []string{allowed} })
	cn := ts.openADBC(t, nil)
	adbcExec(t, cn, "CREATE TABLE t (id bigint)")
	missing := filepath.Join(allowed, "y.parquet")
	for _, sql := range []string{
		"SELECT * FROM read_parquet('" + missing + "')",
		"COPY t FROM '" + missing + "' (FORMAT parquet)",
		"COPY t FROM '" + filepath.Join(allowed, "sub", "y.csv") + "' (FORMAT csv)",
	} {
		_, err := adbcTry(cn, sql)
		var ae adbc.Error
		if !errors.As(err, &ae) || ae.Code != adbc.StatusNotFound || !strings.Contains(ae.Msg, `: No such file or directory`) || !strings.Contains(ae.Msg, `could not open file "`+allowed) {
			t.Errorf("%s: want NotFound `could not open file \"...\": No such file or directory`, got %v", sql, err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "exists.parquet"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, name := range []string{"exists.parquet", "missing.parquet"} {
		p := filepath.Join(outside, name)
		_, err := adbcTry(cn, "SELECT * FROM read_parquet('"+p+"')")
		var ae adbc.Error
		if !errors.As(err, &ae) || ae.Code != adbc.StatusUnauthorized {
			t.Fatalf("%s: want PermissionDenied, got %v", p, err)
		}
		msgs = append(msgs, strings.ReplaceAll(ae.Msg, name, "NAME"))
	}
	if msgs[0] != msgs[1] {
		t.Errorf("refusals differ between an existing and a missing file:\n%s\n%s", msgs[0], msgs[1])
	}
}

func wantErrContains(t *testing.T, what string, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: want an error containing %q, got success", what, parts)
		return
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q does not contain %q", what, err, p)
		}
	}
}

var (
	int64F  = arrow.PrimitiveTypes.Int64
	stringF = arrow.BinaryTypes.String
)

func schemaOf(fields ...arrow.Field) *arrow.Schema { return arrow.NewSchema(fields, nil) }

// TestCopyFromByName: COPY maps Parquet and CSV-with-HEADER columns by name; positional only
// when asked for; a value that does not fit names its row and column and commits nothing
// (issue 9 item 2). Through ADBC.
func TestCopyFromByName(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, func(c *Config) { c.AllowDirs = []string{dir} })
	cn := ts.openADBC(t, nil)
	p := func(name string) string { return filepath.Join(dir, name) }
	// Columns in another order than the table's, one upper-case name.
	writeTestParquet(t, p("rev.parquet"), schemaOf(arrow.Field{Name: "v", Type: stringF, Nullable: true}, arrow.Field{Name: "ID", Type: int64F, Nullable: true}),
		`[{"v":"a","ID":1},{"v":"b","ID":2}]`)
	adbcExec(t, cn, "CREATE TABLE t (id bigint, v varchar(5), n integer)")
	if n := adbcExec(t, cn, "COPY t FROM '"+p("rev.parquet")+"' (FORMAT parquet)"); n != 2 {
		t.Fatalf("COPY reported %d rows", n)
	}
	want(t, adbcQuery(t, cn, "SELECT id, v, n FROM t ORDER BY id", nil), "1|a|NULL", "2|b|NULL")

	// CSV with HEADER, other order; FORMAT from the extension.
	if err := os.WriteFile(p("rev.csv"), []byte("n,v,id\n7,c,3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	adbcExec(t, cn, "COPY t FROM '"+p("rev.csv")+"' (HEADER)")
	want(t, adbcQuery(t, cn, "SELECT id, v, n FROM t WHERE id = 3", nil), "3|c|7")

	// A file column that matches nothing, and a NOT NULL column missing from the file.
	writeTestParquet(t, p("extra.parquet"), schemaOf(arrow.Field{Name: "id", Type: int64F, Nullable: true}, arrow.Field{Name: "zzz", Type: stringF, Nullable: true}),
		`[{"id":9,"zzz":"x"}]`)
	_, err := tryExec(cn, "COPY t FROM '"+p("extra.parquet")+"'")
	wantErrContains(t, "extra column", err, `column "zzz"`, "matches no column")
	adbcExec(t, cn, "CREATE TABLE nn (id bigint NOT NULL, v text)")
	writeTestParquet(t, p("noid.parquet"), schemaOf(arrow.Field{Name: "v", Type: stringF, Nullable: true}), `[{"v":"q"}]`)
	_, err = tryExec(cn, "COPY nn FROM '"+p("noid.parquet")+"'")
	wantErrContains(t, "missing NOT NULL column", err, `column "id"`, "NOT NULL")

	// Positional when asked for: a column list takes the file's columns in order.
	writeTestParquet(t, p("pos.parquet"), schemaOf(arrow.Field{Name: "a", Type: int64F, Nullable: true}, arrow.Field{Name: "b", Type: stringF, Nullable: true}),
		`[{"a":10,"b":"p"}]`)
	_, err = tryExec(cn, "COPY t FROM '"+p("pos.parquet")+"'")
	wantErrContains(t, "by name", err, `column "a"`)
	adbcExec(t, cn, "COPY t (id, v) FROM '"+p("pos.parquet")+"'")
	adbcExec(t, cn, "COPY nn FROM '"+p("pos.parquet")+"' (FORMAT parquet, MATCH_BY_NAME false)")
	want(t, adbcQuery(t, cn, "SELECT id, v FROM t WHERE id = 10 UNION ALL SELECT id, v FROM nn", nil), "10|p", "10|p")

	// Values that do not fit: the row and column are named, nothing is committed.
	writeTestParquet(t, p("long.parquet"), schemaOf(arrow.Field{Name: "id", Type: int64F, Nullable: true}, arrow.Field{Name: "v", Type: stringF, Nullable: true}),
		`[{"id":20,"v":"ok"},{"id":21,"v":"much too long"}]`)
	_, err = tryExec(cn, "COPY t FROM '"+p("long.parquet")+"'")
	wantErrContains(t, "too long", err, "value too long for type character varying(5)", "row 2, column v")
	writeTestParquet(t, p("big.parquet"), schemaOf(arrow.Field{Name: "id", Type: int64F, Nullable: true}, arrow.Field{Name: "n", Type: int64F, Nullable: true}),
		`[{"id":30,"n":1},{"id":31,"n":2},{"id":32,"n":3000000000}]`)
	_, err = tryExec(cn, "COPY t FROM '"+p("big.parquet")+"'")
	wantErrContains(t, "out of range", err, "integer out of range", "row 3, column n")
	if err := os.WriteFile(p("date.csv"), []byte("id,d\n1,2024-01-02\n2,2024-13-45\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	adbcExec(t, cn, "CREATE TABLE d (id bigint, d date)")
	_, err = tryExec(cn, "COPY d FROM '"+p("date.csv")+"' (FORMAT csv, HEADER true)")
	wantErrContains(t, "bad date", err, "line 3", `column "d"`)
	_, err = tryExec(cn, "INSERT INTO nn SELECT NULL, 'x'")
	if err == nil {
		t.Errorf("NULL into NOT NULL accepted")
	}
	want(t, adbcQuery(t, cn, "SELECT count(*) FROM t", nil), "4")
	want(t, adbcQuery(t, cn, "SELECT count(*) FROM d", nil), "0")

	// Bulk ingest maps by name when the stream's names are the table's.
	if _, err := adbcIngest(cn, "t", schemaOf(arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true}, arrow.Field{Name: "v", Type: stringF, Nullable: true},
		arrow.Field{Name: "id", Type: int64F, Nullable: true}), `[{"n":5,"v":"ing","id":40}]`); err != nil {
		t.Fatal(err)
	}
	want(t, adbcQuery(t, cn, "SELECT id, v, n FROM t WHERE id = 40", nil), "40|ing|5")
	_, err = adbcIngest(cn, "t", schemaOf(arrow.Field{Name: "id", Type: int64F, Nullable: true}, arrow.Field{Name: "v", Type: stringF, Nullable: true},
		arrow.Field{Name: "n", Type: int64F, Nullable: true}), `[{"id":41,"v":"a","n":1},{"id":42,"v":"abcdefgh","n":1}]`)
	wantErrContains(t, "ingest too long", err, "value too long", "row 2, column v")
	want(t, adbcQuery(t, cn, "SELECT count(*) FROM t", nil), "5")

	// Inside a transaction: staged, fitted the same way, visible at commit.
	tx := ts.openADBC(t, nil)
	if err := tx.(adbc.PostInitOptions).SetOption(adbc.OptionKeyAutoCommit, adbc.OptionValueDisabled); err != nil {
		t.Fatal(err)
	}
	adbcExec(t, tx, "COPY t FROM '"+p("rev.parquet")+"'")
	_, err = tryExec(tx, "COPY t FROM '"+p("long.parquet")+"'")
	wantErrContains(t, "too long in a transaction", err, "row 2, column v")
	want(t, adbcQuery(t, cn, "SELECT count(*) FROM t", nil), "5")
	if err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	want(t, adbcQuery(t, cn, "SELECT count(*) FROM t", nil), "7")
}

// TestCopyToAndReadFiles: COPY (query) TO and COPY t TO write Parquet and CSV under allowed
// directories only, atomically and 0600; read_csv, read_json and globs read them back; the
// dry run estimates file scans (issue 9 item 10). Through ADBC.
func TestCopyToAndReadFiles(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	ts := startServer(t, func(c *Config) { c.AllowDirs = []string{dir} })
	cn := ts.openADBC(t, nil)
	p := func(name string) string { return filepath.Join(dir, name) }
	adbcExec(t, cn, "CREATE TABLE t (id bigint, v varchar(10), ok boolean, d date)")
	adbcExec(t, cn, "INSERT INTO t VALUES (1, 'a', true, '2024-01-02'), (2, NULL, false, NULL), (3, 'c,d', NULL, '2024-03-04')")

	if n := adbcExec(t, cn, "COPY (SELECT id, v FROM t WHERE id > 1) TO '"+p("q.parquet")+"' (FORMAT parquet)"); n != 2 {
		t.Errorf("COPY TO reported %d rows, want 2", n)
	}
	want(t, adbcQuery(t, cn, "SELECT id, v FROM read_parquet('"+p("q.parquet")+"') ORDER BY id", nil), "2|NULL", "3|c,d")
	adbcExec(t, cn, "COPY t TO '"+p("t.csv")+"' (FORMAT csv, HEADER)")
	b, err := os.ReadFile(p("t.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != "id,v,ok,d\n1,a,t,2024-01-02\n2,,f,\n3,\"c,d\",,2024-03-04\n" {
		t.Errorf("COPY t TO csv wrote %q", got)
	}
	want(t, adbcQuery(t, cn, "SELECT id, v, d FROM read_csv('"+p("t.csv")+"') ORDER BY id", nil), "1|a|2024-01-02", "2|NULL|NULL", "3|c,d|2024-03-04")
	// Replaced atomically: a second COPY TO overwrites; no temporary file is left; 0600.
	adbcExec(t, cn, "COPY (SELECT 42 AS x) TO '"+p("t.csv")+"' (FORMAT csv)")
	if b, _ := os.ReadFile(p("t.csv")); string(b) != "42\n" {
		t.Errorf("overwritten file holds %q", b)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), "tmp") {
			t.Errorf("temporary file %s left", e.Name())
		}
		if info, _ := e.Info(); info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", e.Name(), info.Mode().Perm())
		}
	}
	// Outside the allowed directories: PermissionDenied; a missing directory inside: NotFound.
	_, err = tryExec(cn, "COPY t TO '"+filepath.Join(outside, "x.csv")+"' (FORMAT csv)")
	var ae adbc.Error
	if !errors.As(err, &ae) || ae.Code != adbc.StatusUnauthorized {
		t.Errorf("COPY TO outside: want PermissionDenied, got %v", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "x.csv")); err == nil {
		t.Errorf("COPY TO outside wrote the file")
	}
	_, err = tryExec(cn, "COPY t TO '"+p("no/such/dir/x.csv")+"' (FORMAT csv)")
	if !errors.As(err, &ae) || ae.Code != adbc.StatusNotFound {
		t.Errorf("COPY TO a missing directory: want NotFound, got %v", err)
	}

	// read_csv options and read_json.
	if err := os.WriteFile(p("semi.txt"), []byte("1;x\n2;y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	want(t, adbcQuery(t, cn, "SELECT column1 + 1, column2 FROM read_csv('"+p("semi.txt")+"', header => false, delimiter => ';') ORDER BY 1", nil), "2|x", "3|y")
	if err := os.WriteFile(p("e.json"), []byte(`{"id": 1, "name": "ann", "score": 1.5}`+"\n"+`{"name": "bob", "id": 2}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	want(t, adbcQuery(t, cn, "SELECT id, name, score FROM read_json('"+p("e.json")+"') ORDER BY id", nil), "1|ann|1.5", "2|bob|NULL")
	if plan := strings.Join(adbcQuery(t, cn, "EXPLAIN SELECT name FROM read_json('"+p("e.json")+"')", nil), "\n"); !strings.Contains(plan, "JSONScan") || !strings.Contains(plan, "Physical plan") {
		t.Errorf("EXPLAIN of read_json:\n%s", plan)
	}
	adbcExec(t, cn, "CREATE TABLE j (name text, score float8, id integer)")
	adbcExec(t, cn, "COPY j FROM '"+p("e.json")+"' (FORMAT 'json', MATCH_BY_NAME true)")
	adbcExec(t, cn, "CREATE TABLE j2 (name text, id integer)")
	_, err = tryExec(cn, "COPY j2 FROM '"+p("e.json")+"'")
	wantErrContains(t, "json extra column", err, `column "score"`)
	want(t, adbcQuery(t, cn, "SELECT id, name, score FROM j ORDER BY id", nil), "1|ann|1.5", "2|bob|NULL")

	// Globs: one level and ** (any depth); every file checked; schemas must agree.
	if err := os.MkdirAll(p("g/sub/deeper"), 0o700); err != nil {
		t.Fatal(err)
	}
	adbcExec(t, cn, "COPY (SELECT id FROM t WHERE id = 1) TO '"+p("g/a.parquet")+"'")
	adbcExec(t, cn, "COPY (SELECT id FROM t WHERE id = 2) TO '"+p("g/b.parquet")+"'")
	adbcExec(t, cn, "COPY (SELECT id FROM t WHERE id = 3) TO '"+p("g/sub/deeper/c.parquet")+"'")
	want(t, adbcQuery(t, cn, "SELECT sum(id), count(*) FROM read_parquet('"+p("g/*.parquet")+"')", nil), "3|2")
	want(t, adbcQuery(t, cn, "SELECT sum(id), count(*) FROM read_parquet('"+p("g/**/*.parquet")+"')", nil), "6|3")
	adbcExec(t, cn, "CREATE TABLE g (id bigint)")
	if n := adbcExec(t, cn, "COPY g FROM '"+p("g/**/*.parquet")+"'"); n != 3 {
		t.Errorf("COPY FROM a glob loaded %d rows", n)
	}
	adbcExec(t, cn, "COPY (SELECT 'x' AS id) TO '"+p("g/sub/z.parquet")+"'")
	_, err = adbcTry(cn, "SELECT * FROM read_parquet('"+p("g/**/*.parquet")+"')")
	wantErrContains(t, "schemas differ", err, "z.parquet")
	_, err = adbcTry(cn, "SELECT * FROM read_parquet('"+p("g/*.nothing")+"')")
	if !errors.As(err, &ae) || ae.Code != adbc.StatusNotFound {
		t.Errorf("glob without match: want NotFound, got %v", err)
	}
	_, err = adbcTry(cn, "SELECT * FROM read_parquet('"+filepath.Join(outside, "*.parquet")+"')")
	if !errors.As(err, &ae) || ae.Code != adbc.StatusUnauthorized {
		t.Errorf("glob outside: want PermissionDenied, got %v", err)
	}

	// Dry runs estimate file scans: CSV and JSON are read whole.
	adbcQuery(t, cn, "SET tern.dry_run = on", nil)
	info, _ := os.Stat(p("e.json"))
	want(t, adbcQuery(t, cn, "SELECT 1", nil), "0|0|0|0|0|0")
	got := adbcQuery(t, cn, "SELECT name FROM read_json('"+p("e.json")+"')", nil)
	if len(got) != 1 || !strings.HasPrefix(got[0], strconv.FormatInt(info.Size(), 10)+"|") {
		t.Errorf("dry run of read_json: %v, want %d bytes", got, info.Size())
	}
	adbcQuery(t, cn, "SET tern.dry_run = off", nil)
	// EXPLAIN (DRY_RUN) over read_parquet: the compressed chunks of the columns read, less
	// than the file and less than all columns.
	one := strings.Split(adbcQuery(t, cn, "EXPLAIN (DRY_RUN) SELECT id FROM read_parquet('"+p("q.parquet")+"')", nil)[0], "|")
	all := strings.Split(adbcQuery(t, cn, "EXPLAIN (DRY_RUN) SELECT * FROM read_parquet('"+p("q.parquet")+"')", nil)[0], "|")
	if b1, ba, size := parseInt(one[0]), parseInt(all[0]), parseInt(one[1]); b1 <= 0 || b1 >= ba || ba >= size {
		t.Errorf("EXPLAIN (DRY_RUN) read_parquet: id %v, all %v", one, all)
	}
}

// TestLoadProgress: a COPY and a bulk ingest log rows and bytes so far while they run, and
// the client gets the row count as the statement's result.
func TestLoadProgress(t *testing.T) {
	saved := coordinator.ProgressEvery
	coordinator.ProgressEvery = 0 // every batch
	t.Cleanup(func() { coordinator.ProgressEvery = saved })
	dir := t.TempDir()
	var logs syncBuffer
	ts := startServer(t, func(c *Config) {
		c.AllowDirs = []string{dir}
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	cn := ts.openADBC(t, nil)
	var csv strings.Builder
	csv.WriteString("id\n")
	for i := 0; i < 50000; i++ {
		csv.WriteString(strconv.Itoa(i) + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "n.csv"), []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	adbcExec(t, cn, "CREATE TABLE n (id bigint)")
	if n := adbcExec(t, cn, "COPY n FROM '"+filepath.Join(dir, "n.csv")+"' (HEADER)"); n != 50000 {
		t.Errorf("COPY returned %d rows, want 50000", n)
	}
	if _, err := adbcIngest(cn, "n", schemaOf(arrow.Field{Name: "id", Type: int64F, Nullable: true}), `[{"id":1},{"id":2}]`); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	for _, want := range []string{`msg="load progress" load="copy public.n" rows=`, `msg="load done" load="copy public.n" rows=50000 bytes=`, `load="ingest public.n" rows=2`} {
		if !strings.Contains(out, want) {
			t.Errorf("server log lacks %q:\n%s", want, out)
		}
	}
}
