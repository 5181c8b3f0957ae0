package gateway

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/tern-db/tern/catalog"
	"google.golang.org/grpc/codes"
	gproto "google.golang.org/protobuf/proto"

	substraitpb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
)

// tempSchemas lists the temporary schemas in the catalog, seen from outside any session.
func (ts *testServer) tempSchemas(t testing.TB) []string {
	t.Helper()
	all, err := ts.cat.ListSchemas(context.Background(), catalog.DefaultTenant)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range all {
		if strings.HasPrefix(s, tempSchemaPrefix) {
			out = append(out, s)
		}
	}
	return out
}

func namedTablePlan(t testing.TB, names ...string) flightsql.SubstraitPlan {
	t.Helper()
	i64 := &substraitpb.Type{Kind: &substraitpb.Type_I64_{I64: &substraitpb.Type_I64{Nullability: substraitpb.Type_NULLABILITY_NULLABLE}}}
	read := &substraitpb.Rel{RelType: &substraitpb.Rel_Read{Read: &substraitpb.ReadRel{
		BaseSchema: &substraitpb.NamedStruct{Names: []string{"x"}, Struct: &substraitpb.Type_Struct{Types: []*substraitpb.Type{i64}}},
		ReadType:   &substraitpb.ReadRel_NamedTable_{NamedTable: &substraitpb.ReadRel_NamedTable{Names: names}},
	}}}
	plan, err := gproto.Marshal(&substraitpb.Plan{Relations: []*substraitpb.PlanRel{{RelType: &substraitpb.PlanRel_Root{Root: &substraitpb.RelRoot{Input: read, Names: []string{"x"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	return flightsql.SubstraitPlan{Plan: plan, Version: SubstraitVersion}
}

// A temporary table is its session's alone: another session can neither see it (metadata
// RPCs, information_schema, pg_catalog) nor read or change it by its qualified name, in SQL
// or in a Substrait plan.
func TestTempTableIsolation(t *testing.T) {
	ts := startServer(t, nil)
	owner := ts.openADBCNoCookies(t)
	adbcExec(t, owner, `CREATE TEMP TABLE secret_tmp (x BIGINT)`)
	adbcExec(t, owner, `INSERT INTO secret_tmp VALUES (1), (2), (3)`)
	adbcExec(t, owner, `CREATE TEMPORARY TABLE secret_tmp2 AS SELECT x * 10 AS x FROM secret_tmp`)
	want(t, adbcQuery(t, owner, `SELECT sum(x) FROM secret_tmp`, nil), "6")
	want(t, adbcQuery(t, owner, `SELECT sum(x) FROM pg_temp.secret_tmp2`, nil), "60")
	temps := ts.tempSchemas(t)
	if len(temps) != 1 {
		t.Fatalf("temporary schemas %q", temps)
	}
	qualified := temps[0] + ".secret_tmp"
	want(t, adbcQuery(t, owner, `SELECT count(*) FROM `+qualified, nil), "3")

	// Another session (ADBC, no cookies) by SQL.
	other := ts.openADBCNoCookies(t)
	for _, sql := range []string{
		`SELECT * FROM ` + qualified,
		`SELECT count(*) FROM ` + qualified + ` a JOIN public.nothing b ON true`,
	} {
		_, err := adbcTry(other, sql)
		wantADBC(t, err, adbc.StatusNotFound, "does not exist")
	}
	for _, sql := range []string{
		`INSERT INTO ` + qualified + ` VALUES (4)`,
		`DELETE FROM ` + qualified,
		`DROP TABLE ` + qualified,
		`CREATE TABLE ` + temps[0] + `.planted (x BIGINT)`,
	} {
		if err := adbcTryExec(other, sql); err == nil {
			t.Fatalf("%s: succeeded in another session", sql)
		}
	}
	if _, err := other.GetTableSchema(context.Background(), nil, &temps[0], "secret_tmp"); err == nil {
		t.Fatal("GetTableSchema of another session's temporary table succeeded")
	}

	// Another session (arrow-go client) by Substrait, metadata RPCs and system views.
	c := ts.client(t)
	_, err := c.ExecuteSubstrait(c.ctx, namedTablePlan(t, temps[0], "secret_tmp"))
	wantCode(t, err, codes.NotFound)
	_, err = c.ExecuteSubstrait(c.ctx, namedTablePlan(t, "secret_tmp"))
	wantCode(t, err, codes.NotFound)
	info, err := c.GetDBSchemas(c.ctx, &flightsql.GetDBSchemasOpts{})
	if err != nil {
		t.Fatal(err)
	}
	if rows := strings.Join(c.rows(t, info), " "); strings.Contains(rows, tempSchemaPrefix) {
		t.Fatalf("GetDbSchemas shows %s", rows)
	}
	info, err = c.GetTables(c.ctx, &flightsql.GetTablesOpts{})
	if err != nil {
		t.Fatal(err)
	}
	if rows := strings.Join(c.rows(t, info), " "); strings.Contains(rows, "secret_tmp") {
		t.Fatalf("GetTables shows %s", rows)
	}
	info, err = c.GetPrimaryKeys(c.ctx, flightsql.TableRef{DBSchema: &temps[0], Table: "secret_tmp"})
	if err == nil {
		want(t, c.rows(t, info))
	}
	for _, sql := range []string{
		`SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'secret%' OR table_schema LIKE 'pg_temp%'`,
		`SELECT count(*) FROM information_schema.columns WHERE table_name LIKE 'secret%'`,
		`SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'pg_temp%'`,
		`SELECT count(*) FROM pg_catalog.pg_class WHERE relname LIKE 'secret%'`,
		`SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname LIKE 'pg_temp%'`,
		`SELECT count(*) FROM pg_tables WHERE tablename LIKE 'secret%'`,
	} {
		want(t, c.query(t, sql), "0")
	}
	// The owner's own views do list them.
	if sc, err := owner.GetTableSchema(context.Background(), nil, &temps[0], "secret_tmp"); err != nil || sc.NumFields() != 1 {
		t.Fatalf("owner's GetTableSchema: %v %v", sc, err)
	}
}

// A session that is never closed ends when unused for SessionTTL: the sweeper drops its
// temporary tables (and schema); its prepared statements and token session are refused.
func TestTempTableGoneWhenSessionExpires(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.SessionTTL = 5 * time.Second })
	owner := ts.openADBCNoCookies(t)
	adbcExec(t, owner, `CREATE TEMP TABLE secret_tmp AS SELECT 1::bigint AS x`)
	if len(ts.tempSchemas(t)) != 1 {
		t.Fatal("no temporary schema")
	}
	c := ts.client(t)
	ps, err := c.Prepare(c.ctx, `SELECT 42`)
	if err != nil {
		t.Fatal(err)
	}
	handle := ps.Handle()
	// The session stays alive while used.
	for i := 0; i < 4; i++ {
		time.Sleep(time.Second)
		want(t, adbcQuery(t, owner, `SELECT count(*) FROM secret_tmp`, nil), "1")
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(ts.tempSchemas(t)) != 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if s := ts.tempSchemas(t); len(s) != 0 {
		t.Fatalf("temporary schemas left after expiry: %q", s)
	}
	tables, err := ts.cat.ListTables(context.Background(), catalog.DefaultTenant, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		if tb.Ref.Name == "secret_tmp" {
			t.Fatalf("table %s left after its session expired", tb.Ref)
		}
	}
	// The files went to the garbage record, which maintenance deletes.
	if files, err := ts.cat.(catalog.Janitor).DroppedFiles(context.Background()); err != nil || len(files) == 0 {
		t.Fatalf("dropped files %q %v", files, err)
	}
	_, err = adbcTry(owner, `SELECT 1`)
	wantADBC(t, err, adbc.StatusUnauthenticated, "session expired")
	again, err := ts.client(t).LoadPreparedStatementFromResult(&flightsql.CreatePreparedStatementResult{PreparedStatementHandle: handle})
	if err != nil {
		t.Fatal(err)
	}
	_, err = again.Execute(context.Background())
	if err == nil {
		t.Fatal("prepared statement of an expired session executed")
	}
}

// A closed prepared statement is refused, by SQL and Substrait handles alike; closing twice
// is fine. Its bound-parameter handle (from DoPut) is closed with it.
func TestPreparedClosedRefused(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	ps, err := c.Prepare(c.ctx, `SELECT 42`)
	if err != nil {
		t.Fatal(err)
	}
	info, err := ps.Execute(c.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want(t, c.rows(t, info), "42")
	handle := ps.Handle()
	if err := ps.Close(c.ctx); err != nil {
		t.Fatal(err)
	}
	again, err := c.LoadPreparedStatementFromResult(&flightsql.CreatePreparedStatementResult{PreparedStatementHandle: handle})
	if err != nil {
		t.Fatal(err)
	}
	_, err = again.Execute(c.ctx)
	wantCode(t, err, codes.NotFound)
	if !strings.Contains(err.Error(), "was closed") {
		t.Fatalf("message %v", err)
	}
	_, err = again.ExecuteUpdate(c.ctx)
	wantCode(t, err, codes.NotFound)
	if err := again.Close(c.ctx); err != nil {
		t.Fatalf("second close: %v", err)
	}

	c.exec(t, `CREATE TABLE nums (x BIGINT)`)
	sp, err := c.PrepareSubstrait(c.ctx, namedTablePlan(t, "nums"))
	if err != nil {
		t.Fatal(err)
	}
	h2 := sp.Handle()
	sp.Close(c.ctx)
	again, _ = c.LoadPreparedStatementFromResult(&flightsql.CreatePreparedStatementResult{PreparedStatementHandle: h2})
	_, err = again.Execute(c.ctx)
	wantCode(t, err, codes.NotFound)

	// Through ADBC: a prepared statement works until its statement is closed.
	cn := ts.openADBCNoCookies(t)
	st, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetSqlQuery(`SELECT 7`); err != nil {
		t.Fatal(err)
	}
	if err := st.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		rdr, _, err := st.ExecuteQuery(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		rdr.Release()
	}
	st.Close()
}
