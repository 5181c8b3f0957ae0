package gateway

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
)

// plannerStatementKinds lists the planner's statement types (every type with a statement()
// method), read from its source, so that a kind added later is walked without anyone
// remembering to list it here.
func plannerStatementKinds(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	paths, err := filepath.Glob("../planner/*.go")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Name.Name != "statement" || fd.Recv == nil || len(fd.Recv.List) != 1 {
				continue
			}
			if star, ok := fd.Recv.List[0].Type.(*ast.StarExpr); ok {
				if id, ok := star.X.(*ast.Ident); ok {
					kinds = append(kinds, id.Name)
				}
			}
		}
	}
	if len(kinds) < 8 {
		t.Fatalf("found only %v statement kinds in ../planner", kinds)
	}
	return kinds
}

// dryRunCase is one statement run under SET tern.dry_run = on.
type dryRunCase struct {
	kind     string // the planner statement type it builds
	sql      string
	estimate bool  // answers the estimate (else refused with FailedPrecondition)
	minBytes int64 // estimated_bytes at least this (estimates only)
}

// TestDryRunEveryStatementKind: under a dry run every statement kind either answers its
// estimate or is refused, and nothing changes (issue 9 item 1). Through ADBC, as a user.
func TestDryRunEveryStatementKind(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, func(c *Config) { c.AllowDirs = []string{dir} })
	cn := ts.openADBC(t, nil)
	pq := filepath.Join(dir, "src.parquet")
	writeTestParquet(t, pq, arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "v", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil), `[{"id":1,"v":"a"},{"id":2,"v":"b"},{"id":3,"v":"c"}]`)
	adbcExec(t, cn, "CREATE TABLE t (id bigint, v text)")
	adbcExec(t, cn, "INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'z')")
	adbcExec(t, cn, "CREATE TABLE u (id bigint, v text)")
	adbcExec(t, cn, "INSERT INTO u VALUES (2, 'yy'), (4, 'w')")
	adbcExec(t, cn, "CREATE SERVER fs FOREIGN DATA WRAPPER postgres OPTIONS (host '127.0.0.1')")
	adbcExec(t, cn, "CREATE USER MAPPING FOR CURRENT_USER SERVER fs OPTIONS (user 'postgres')")

	cases := []dryRunCase{
		{"Query", "SELECT v FROM t WHERE id = 2", true, 1},
		{"Query", "SELECT * FROM read_parquet('" + pq + "')", true, 1},
		{"Explain", "EXPLAIN SELECT * FROM t", false, 0},
		{"ExplainAnalyze", "EXPLAIN ANALYZE SELECT * FROM t", true, 1},
		{"Insert", "INSERT INTO t VALUES (9, 'nine')", true, 0},
		{"Insert", "INSERT INTO t SELECT * FROM u", true, 1},
		{"Insert", "COPY t FROM '" + pq + "' (FORMAT parquet)", true, 1},
		{"CreateTable", "CREATE TABLE t2 AS SELECT * FROM t", true, 1},
		{"CreateTable", "CREATE TABLE t3 (a int)", false, 0},
		{"CreateTable", "CREATE VIEW w AS SELECT * FROM t", false, 0},
		{"DropTable", "DROP TABLE t", false, 0},
		{"Rewrite", "DELETE FROM t", true, 1},
		{"Rewrite", "DELETE FROM t WHERE id = 1", true, 1},
		{"Rewrite", "UPDATE t SET v = 'q' WHERE id = 2", true, 1},
		{"Rewrite", "MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN UPDATE SET v = u.v WHEN NOT MATCHED THEN INSERT VALUES (u.id, u.v)", true, 1},
		{"Maintain", "VACUUM t", false, 0},
		{"Maintain", "ANALYZE t", false, 0},
		{"Set", "SET search_path = public", false, 0},
		{"CopyTo", "COPY t TO '" + filepath.Join(dir, "out.parquet") + "' (FORMAT parquet)", true, 1},
		// Kinds other engineers add this session (refused by default, nobody had to list
		// them in DryRunActionOf); while a kind does not exist yet, its statement must fail.
		{"Truncate", "TRUNCATE t", false, 0},
		{"AlterTable", "ALTER TABLE t ADD COLUMN w int", false, 0},
		{"AlterTable", "ALTER TABLE t RENAME TO t9", false, 0},
		{"CreateSchema", "CREATE SCHEMA s1", false, 0},
		{"DropSchema", "DROP SCHEMA public CASCADE", false, 0},
		{"CreateIndex", "CREATE INDEX i ON t (id)", false, 0},
		{"DropIndex", "DROP INDEX IF EXISTS i", false, 0},
		{"Comment", "COMMENT ON TABLE t IS 'x'", false, 0},
		{"RoleChange", "ALTER USER admin PASSWORD 'changed-by-a-dry-run'", false, 0},
		{"CopyTo", "COPY (SELECT * FROM read_parquet('" + pq + "')) TO '" + filepath.Join(dir, "out.csv") + "' (FORMAT csv)", true, 1},
		// federation (planner/bind_foreign.go): catalog changes, refused
		{"CreateServer", "CREATE SERVER fs2 FOREIGN DATA WRAPPER mysql", false, 0},
		{"AlterServer", "ALTER SERVER fs OPTIONS (ADD port '5432')", false, 0},
		{"DropServer", "DROP SERVER fs CASCADE", false, 0},
		{"CreateUserMapping", "CREATE USER MAPPING FOR PUBLIC SERVER fs", false, 0},
		{"AlterUserMapping", "ALTER USER MAPPING FOR CURRENT_USER SERVER fs OPTIONS (ADD password 'x')", false, 0},
		{"DropUserMapping", "DROP USER MAPPING FOR CURRENT_USER SERVER fs", false, 0},
		{"ImportForeignSchema", "IMPORT FOREIGN SCHEMA public FROM SERVER fs INTO public", false, 0},
		{"CreateForeignTable", "CREATE FOREIGN TABLE ft (a int) SERVER fs", false, 0},
	}
	// Statements other engineers add or that Tern does not run yet: whatever they become,
	// under a dry run they must not change anything (checked below with the rest).
	extra := []string{"INSERT INTO t VALUES (5, 'r') RETURNING id", "DELETE FROM t USING u WHERE t.id = u.id",
		"UPDATE t SET v = u.v FROM u WHERE t.id = u.id", "INSERT INTO t VALUES (1, 'c') ON CONFLICT DO NOTHING",
		"CREATE OR REPLACE VIEW w AS SELECT 1", "GRANT SELECT ON t TO admin", "CREATE TEMP TABLE tt (a int)"}

	covered, exists := map[string]bool{}, map[string]bool{}
	for _, c := range cases {
		covered[c.kind] = true
	}
	for _, k := range plannerStatementKinds(t) {
		exists[k] = true
		if !covered[k] {
			t.Errorf("planner statement kind %s has no dry-run case here: add one (and decide in planner.DryRunActionOf)", k)
		}
	}

	before := dataDirState(t, ts.cfg.DataDir)
	wantRows := func() {
		t.Helper()
		want(t, adbcQuery(t, cn, "SELECT id, v FROM t ORDER BY id", nil), "1|x", "2|y", "3|z")
		want(t, adbcQuery(t, cn, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", nil), "2")
		want(t, adbcQuery(t, cn, "SELECT count(*) FROM information_schema.schemata WHERE schema_name NOT LIKE 'pg_temp%'", nil), "3")
		// the admin password is unchanged: a new login with it works
		want(t, adbcQuery(t, ts.openADBC(t, nil), "SELECT 1", nil), "1")
	}
	// SET as a query: ADBC's ExecuteUpdate does not read the session cookie of a DoPut.
	adbcQuery(t, cn, "SET tern.dry_run = on", nil)
	for _, c := range cases {
		if c.kind == "Explain" || c.kind == "Set" {
			if _, err := adbcTry(cn, c.sql); err != nil {
				t.Errorf("%s: %v", c.sql, err)
			}
			continue
		}
		rows, err := adbcTry(cn, c.sql)
		if c.estimate {
			if err != nil {
				t.Errorf("%s: want an estimate, got %v", c.sql, err)
				continue
			}
			if len(rows) != 1 || len(strings.Split(rows[0], "|")) != 6 {
				t.Errorf("%s: want one estimate row, got %v", c.sql, rows)
				continue
			}
			if b := parseInt(strings.Split(rows[0], "|")[0]); b < c.minBytes {
				t.Errorf("%s: estimated %d bytes, want >= %d (%v)", c.sql, b, c.minBytes, rows)
			}
		} else if exists[c.kind] {
			wantADBCState(t, c.sql, err)
		} else if err == nil {
			t.Errorf("%s (no planner kind %s yet): want an error, got %v", c.sql, c.kind, rows)
		}
		// The same statement sent as an update (DoPut) must not run either.
		if _, err := tryExec(cn, c.sql); c.estimate && err != nil {
			t.Errorf("%s as an update: %v", c.sql, err)
		} else if !c.estimate && exists[c.kind] {
			wantADBCState(t, c.sql+" (update)", err)
		} else if !c.estimate && err == nil {
			t.Errorf("%s as an update (no planner kind %s yet): want an error", c.sql, c.kind)
		}
	}
	// MERGE reads its source besides the target's files.
	est := func(sql string) int64 {
		rows := adbcQuery(t, cn, sql, nil)
		return parseInt(strings.Split(rows[0], "|")[0])
	}
	if m, d := est("MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN DELETE"), est("DELETE FROM t"); m <= d {
		t.Errorf("MERGE estimated %d bytes, DELETE of the whole table %d: the source is not counted", m, d)
	}
	// EXPLAIN (DRY_RUN) answers the same for writes, in any session.
	for _, c := range cases {
		if !c.estimate || c.kind == "ExplainAnalyze" || c.kind == "Query" {
			continue
		}
		rows, err := adbcTry(cn, "EXPLAIN (DRY_RUN) "+c.sql)
		if c.kind == "Insert" && strings.HasPrefix(c.sql, "COPY") || c.kind == "CopyTo" {
			continue // PostgreSQL's grammar has no EXPLAIN COPY
		}
		if err != nil || len(rows) != 1 || len(strings.Split(rows[0], "|")) != 6 {
			t.Errorf("EXPLAIN (DRY_RUN) %s: %v %v", c.sql, rows, err)
		}
	}
	// Whatever they become, these answer an estimate or fail; the checks below see that
	// nothing changed.
	for _, sql := range extra {
		if rows, err := adbcTry(cn, sql); err == nil && (len(rows) != 1 || len(strings.Split(rows[0], "|")) != 6) {
			t.Errorf("%s under a dry run: want an estimate or refused, got %v", sql, rows)
		}
	}
	// Bulk ingest writes without the planner: refused too.
	if err := adbcIngestOne(cn, "t"); err == nil {
		t.Errorf("bulk ingest under a dry run succeeded")
	}
	for _, out := range []string{"out.parquet", "out.csv"} {
		if _, err := os.Stat(filepath.Join(dir, out)); err == nil {
			t.Errorf("COPY TO under a dry run wrote %s", out)
		}
	}
	if after := dataDirState(t, ts.cfg.DataDir); !reflect.DeepEqual(before, after) {
		t.Errorf("files changed under a dry run:\nbefore %v\nafter  %v", before, after)
	}
	adbcQuery(t, cn, "SET tern.dry_run = off", nil)
	wantRows()
}

func wantADBCState(t *testing.T, what string, err error) {
	t.Helper()
	var ae adbc.Error
	// ADBC reports gRPC's FailedPrecondition as StatusUnknown; the message keeps the code.
	if !errors.As(err, &ae) || !strings.Contains(ae.Msg, "FailedPrecondition") || !strings.Contains(ae.Msg, "tern.dry_run") {
		t.Errorf("%s: want FailedPrecondition naming tern.dry_run, got %v", what, err)
	}
}

func tryExec(cn adbc.Connection, sql string) (int64, error) {
	st, err := cn.NewStatement()
	if err != nil {
		return 0, err
	}
	defer st.Close()
	if err := st.SetSqlQuery(sql); err != nil {
		return 0, err
	}
	return st.ExecuteUpdate(context.Background())
}

func parseInt(s string) int64 {
	var n int64
	for _, r := range s {
		if r < '0' || r > '9' {
			return -1
		}
		n = n*10 + int64(r-'0')
	}
	return n
}

// TestExplainNeverWrites: EXPLAIN of a statement that writes shows its plan and changes
// nothing; EXPLAIN ANALYZE, which runs its statement, is refused for writes.
func TestExplainNeverWrites(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, func(c *Config) { c.AllowDirs = []string{dir} })
	cn := ts.openADBC(t, nil)
	adbcExec(t, cn, "CREATE TABLE t (id bigint, v text)")
	adbcExec(t, cn, "INSERT INTO t VALUES (1, 'x'), (2, 'y')")
	adbcExec(t, cn, "COPY t TO '"+filepath.Join(dir, "src.parquet")+"'")
	before := dataDirState(t, ts.cfg.DataDir)
	for _, stmt := range []string{
		"INSERT INTO t SELECT * FROM t",
		"COPY t FROM '" + filepath.Join(dir, "src.parquet") + "'",
		"CREATE TABLE t2 AS SELECT * FROM t",
		"COPY t TO '" + filepath.Join(dir, "out.parquet") + "'",
		"DELETE FROM t",
		"UPDATE t SET v = 'z'",
	} {
		adbcTry(cn, "EXPLAIN "+stmt) // a plan, or an error (PostgreSQL's grammar has no EXPLAIN COPY)
		if _, err := adbcTry(cn, "EXPLAIN ANALYZE "+stmt); err == nil {
			t.Errorf("EXPLAIN ANALYZE %s ran", stmt)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out.parquet")); err == nil {
		t.Errorf("EXPLAIN COPY TO wrote the file")
	}
	if after := dataDirState(t, ts.cfg.DataDir); !reflect.DeepEqual(before, after) {
		t.Errorf("files changed under EXPLAIN:\nbefore %v\nafter  %v", before, after)
	}
	want(t, adbcQuery(t, cn, "SELECT id, v FROM t ORDER BY id", nil), "1|x", "2|y")
	want(t, adbcQuery(t, cn, "SELECT count(*) FROM information_schema.tables WHERE table_name = 't2'", nil), "0")
}

// TestDryRunCommitRefused: writes staged in a transaction before SET tern.dry_run = on are
// not committed while it is on.
func TestDryRunCommitRefused(t *testing.T) {
	ts := startServer(t, nil)
	cn := ts.openADBC(t, nil)
	adbcExec(t, cn, "CREATE TABLE t (id bigint)")
	if err := cn.(adbc.PostInitOptions).SetOption(adbc.OptionKeyAutoCommit, adbc.OptionValueDisabled); err != nil {
		t.Fatal(err)
	}
	adbcExec(t, cn, "INSERT INTO t VALUES (1)")
	adbcQuery(t, cn, "SET tern.dry_run = on", nil)
	err := cn.Commit(context.Background())
	wantADBCState(t, "COMMIT under a dry run", err)
	// (ADBC forgets the transaction after a failed commit; a new connection looks.)
	want(t, adbcQuery(t, ts.openADBC(t, nil), "SELECT count(*) FROM t", nil), "0")
}

// Under a dry run SHOW answers its setting (it reads and changes nothing), and a query still
// answers the estimate.
func TestDryRunShowAnswersSetting(t *testing.T) {
	ts := startServer(t, nil)
	cn := ts.openADBCNoCookies(t)
	adbcExec(t, cn, "CREATE TABLE t (x BIGINT)")
	adbcExec(t, cn, "SET tern.dry_run = on")
	want(t, adbcQuery(t, cn, "SHOW tern.dry_run", nil), "on")
	if rows := adbcQuery(t, cn, "SELECT x FROM t", nil); len(rows) != 1 || strings.Count(rows[0], "|") != 5 {
		t.Fatalf("a query under dry run answers the estimate row, got %q", rows)
	}
}
