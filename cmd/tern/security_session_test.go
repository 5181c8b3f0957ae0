package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	substraitpb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/gateway"
	gproto "google.golang.org/protobuf/proto"
)

// Replays of issue 10's attacks 6 (prepared part) and 7 against a real `tern serve`:
// prepared-statement handles used after ClosePreparedStatement and after their session ended,
// and another session's temporary table reached by information_schema, SQL, Substrait, and
// left behind by a client that disconnects without CloseSession.

func wantCodeIn(t *testing.T, err error, what string, codes ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: succeeded", what)
	}
	for _, c := range codes {
		if strings.Contains(err.Error(), c) {
			return
		}
	}
	t.Fatalf("%s: want %v, got %v", what, codes, err)
}

func TestSecurityPreparedHandleAfterClose(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data, "--session-ttl", "3s")
	c := dialFlight(t, srv.addr)
	ps, err := c.Prepare(c.ctx, `SELECT 42`)
	if err != nil {
		t.Fatal(err)
	}
	info, err := ps.Execute(c.ctx)
	if err != nil {
		t.Fatal(err)
	}
	expectRows(t, c.rows(t, info), "42")
	handle := ps.Handle()
	if err := ps.Close(c.ctx); err != nil {
		t.Fatal(err)
	}
	replay, err := c.LoadPreparedStatementFromResult(&flightsql.CreatePreparedStatementResult{PreparedStatementHandle: handle})
	if err != nil {
		t.Fatal(err)
	}
	_, err = replay.Execute(c.ctx)
	wantCodeIn(t, err, "closed prepared statement", "NotFound")
	if !strings.Contains(err.Error(), "was closed") {
		t.Fatalf("closed prepared statement: %v", err)
	}
	_, err = replay.ExecuteUpdate(c.ctx)
	wantCodeIn(t, err, "closed prepared statement as an update", "NotFound")

	// A handle whose session ended (unused past --session-ttl) is refused too.
	ps2, err := c.Prepare(c.ctx, `SELECT 43`)
	if err != nil {
		t.Fatal(err)
	}
	h2 := ps2.Handle()
	time.Sleep(7 * time.Second)
	fresh := dialFlight(t, srv.addr)
	late, _ := fresh.LoadPreparedStatementFromResult(&flightsql.CreatePreparedStatementResult{PreparedStatementHandle: h2})
	_, err = late.Execute(fresh.ctx)
	wantCodeIn(t, err, "prepared statement of an expired session", "NotFound")
	srv.assertHealthy(t, 1<<30)
}

func namedTablePlan(t *testing.T, names ...string) flightsql.SubstraitPlan {
	t.Helper()
	i64 := &substraitpb.Type{Kind: &substraitpb.Type_I64_{I64: &substraitpb.Type_I64{Nullability: substraitpb.Type_NULLABILITY_NULLABLE}}}
	read := &substraitpb.Rel{RelType: &substraitpb.Rel_Read{Read: &substraitpb.ReadRel{
		BaseSchema: &substraitpb.NamedStruct{Names: []string{"secret"}, Struct: &substraitpb.Type_Struct{Types: []*substraitpb.Type{i64}}},
		ReadType:   &substraitpb.ReadRel_NamedTable_{NamedTable: &substraitpb.ReadRel_NamedTable{Names: names}},
	}}}
	plan, err := gproto.Marshal(&substraitpb.Plan{Relations: []*substraitpb.PlanRel{{RelType: &substraitpb.PlanRel_Root{Root: &substraitpb.RelRoot{Input: read, Names: []string{"secret"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	return flightsql.SubstraitPlan{Plan: plan, Version: gateway.SubstraitVersion}
}

// ingestTemporary bulk-loads rows into a temporary table through ADBC, as the attack did.
func ingestTemporary(t *testing.T, cn adbc.Connection, table string) {
	t.Helper()
	mem := memory.NewGoAllocator()
	b := array.NewInt64Builder(mem)
	b.AppendValues([]int64{7, 8, 9}, nil)
	col := b.NewArray()
	b.Release()
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "secret", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil), []arrow.Array{col}, 3)
	col.Release()
	defer rec.Release()
	st, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for k, v := range map[string]string{
		adbc.OptionKeyIngestTargetTable: table,
		adbc.OptionKeyIngestMode:        adbc.OptionValueIngestModeCreate,
		adbc.OptionValueIngestTemporary: adbc.OptionValueEnabled,
	} {
		if err := st.SetOption(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Bind(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ExecuteUpdate(context.Background()); err != nil {
		t.Fatalf("temporary ingest: %v", err)
	}
}

func TestSecurityTemporaryTablesStayInTheirSession(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data, "--session-ttl", "4s")
	owner, _ := openADBC(t, srv.addr, "admin", adminPassword) // no cookie middleware
	ingestTemporary(t, owner, "secret_tmp")
	execUpdate(t, owner, `CREATE TEMP TABLE secret_tmp2 AS SELECT secret * 2 AS secret FROM secret_tmp`)
	expectRows(t, mustQuery(t, owner, `SELECT sum(secret) FROM secret_tmp`), "24")
	expectRows(t, mustQuery(t, owner, `SELECT sum(secret) FROM secret_tmp2`), "48")
	schema := srv.ownerTempSchema(t, owner)

	// The attacker: another login of the same user. It finds nothing in the catalogs...
	c := dialFlight(t, srv.addr)
	for _, sql := range []string{
		`SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_name LIKE 'secret%' OR table_schema LIKE 'pg_temp%'`,
		`SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname LIKE 'pg_temp%'`,
		`SELECT relname FROM pg_catalog.pg_class WHERE relname LIKE 'secret%'`,
		`SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'pg_temp%'`,
	} {
		info, err := c.Execute(c.ctx, sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		expectRows(t, c.rows(t, info))
	}
	info, err := c.GetTables(c.ctx, &flightsql.GetTablesOpts{})
	if err != nil {
		t.Fatal(err)
	}
	if rows := strings.Join(c.rows(t, info), " "); strings.Contains(rows, "secret") || strings.Contains(rows, "pg_temp") {
		t.Fatalf("GetTables shows %s", rows)
	}
	// ... and guessing the schema name (as if leaked) reaches nothing by SQL or Substrait.
	_, err = c.Execute(c.ctx, `SELECT * FROM `+schema+`.secret_tmp`)
	wantCodeIn(t, err, "SQL read of another session's temporary table", "NotFound")
	_, err = c.ExecuteUpdate(c.ctx, `INSERT INTO `+schema+`.secret_tmp VALUES (1)`)
	wantCodeIn(t, err, "SQL write into another session's temporary table", "NotFound")
	_, err = c.ExecuteSubstrait(c.ctx, namedTablePlan(t, schema, "secret_tmp"))
	wantCodeIn(t, err, "Substrait read of another session's temporary table", "NotFound")
	_, err = c.ExecuteSubstrait(c.ctx, namedTablePlan(t, "secret_tmp"))
	wantCodeIn(t, err, "Substrait read by the short name", "NotFound")

	// The owner disconnects without CloseSession: the tables go when the session expires.
	owner.Close()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(srv.out.String(), "session expired") && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	srv.assertHealthy(t, 1<<30)
	srv.stop()
	cat, err := catalog.Open(filepath.Join(data, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := cat.ListSchemas(context.Background(), catalog.DefaultTenant)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := cat.ListTables(context.Background(), catalog.DefaultTenant, "")
	cat.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range schemas {
		if strings.HasPrefix(s, "pg_temp") {
			t.Fatalf("temporary schema %s outlived its session", s)
		}
	}
	for _, tb := range tables {
		if strings.HasPrefix(tb.Ref.Name, "secret") {
			t.Fatalf("temporary table %s outlived its session", tb.Ref)
		}
	}
	srv = startServer(t, data)
	srv.assertHealthy(t, 1<<30)
}

// ownerTempSchema is the owner's temporary schema, from the owner's own metadata (ADBC
// GetObjects; the attack assumed the name leaked).
func (s *server) ownerTempSchema(t *testing.T, owner adbc.Connection) string {
	t.Helper()
	pattern := "pg_temp%"
	rr, err := owner.GetObjects(context.Background(), adbc.ObjectDepthDBSchemas, nil, &pattern, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	var names []string
	for rr.Next() {
		lists := rr.RecordBatch().Column(1).(*array.List)
		schemas := lists.ListValues().(*array.Struct).Field(0).(*array.String)
		for i := 0; i < schemas.Len(); i++ {
			names = append(names, schemas.Value(i))
		}
	}
	if len(names) != 1 {
		t.Fatalf("owner's temporary schemas: %q", names)
	}
	return names[0]
}
