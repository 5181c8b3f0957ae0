package gateway

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/grpc/codes"
	gproto "google.golang.org/protobuf/proto"
)

// Every kind of ticket re-checks the tables it pins when redeemed: SQL queries, EXPLAIN
// ANALYZE and client Substrait plans (tickets.go).
func TestTicketsOfDroppedTablesAreRefused(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, `CREATE TABLE nums (n INTEGER)`)
	c.exec(t, `INSERT INTO nums VALUES (1), (2)`)

	i32 := &substraitpb.Type{Kind: &substraitpb.Type_I32_{I32: &substraitpb.Type_I32{Nullability: substraitpb.Type_NULLABILITY_NULLABLE}}}
	read := &substraitpb.Rel{RelType: &substraitpb.Rel_Read{Read: &substraitpb.ReadRel{
		BaseSchema: &substraitpb.NamedStruct{Names: []string{"n"}, Struct: &substraitpb.Type_Struct{Types: []*substraitpb.Type{i32}}},
		ReadType:   &substraitpb.ReadRel_NamedTable_{NamedTable: &substraitpb.ReadRel_NamedTable{Names: []string{"nums"}}},
	}}}
	plan, err := gproto.Marshal(&substraitpb.Plan{Relations: []*substraitpb.PlanRel{{RelType: &substraitpb.PlanRel_Root{Root: &substraitpb.RelRoot{Input: read, Names: []string{"n"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := c.ExecuteSubstrait(c.ctx, flightsql.SubstraitPlan{Plan: plan, Version: SubstraitVersion})
	if err != nil {
		t.Fatal(err)
	}
	query, err := c.Execute(c.ctx, `SELECT n FROM nums`)
	if err != nil {
		t.Fatal(err)
	}
	analyze, err := c.Execute(c.ctx, `EXPLAIN ANALYZE SELECT n FROM nums`)
	if err != nil {
		t.Fatal(err)
	}
	want(t, c.rows(t, sub), "1", "2")
	want(t, c.rows(t, query), "1", "2")

	c.exec(t, `DROP TABLE nums`)
	for name, info := range map[string]*flight.FlightInfo{"substrait": sub, "query": query, "explain analyze": analyze} {
		_, err := c.readInfo(c.ctx, info)
		wantCode(t, err, codes.NotFound)
		if !strings.Contains(err.Error(), `relation "nums" does not exist`) {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// A ticket redeemed on a gateway that allows fewer directories is refused for the files its
// connector scans read (connectors.PathLister), named in the error; native table files pass.
func TestTicketsRecheckFilePaths(t *testing.T) {
	const secret = "shared-secret-for-tickets"
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x.csv"), []byte("a\n1\n2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := startServer(t, func(c *Config) { c.Secret, c.AllowDirs = secret, []string{dir} })
	b := startServer(t, func(c *Config) { c.Secret, c.AllowDirs = secret, []string{t.TempDir()} })
	ca, cb := a.client(t), b.client(t)
	info, err := ca.Execute(ca.ctx, `SELECT a FROM read_csv('`+filepath.Join(dir, "x.csv")+`')`)
	if err != nil {
		t.Fatal(err)
	}
	want(t, ca.rows(t, info), "1", "2")
	_, err = cb.readInfo(cb.ctx, info)
	wantCode(t, err, codes.PermissionDenied)
	if !strings.Contains(err.Error(), "x.csv") || !strings.Contains(err.Error(), "--allow-dir") {
		t.Fatalf("refusal: %v", err)
	}
	// A native table's files lie in the data directory, outside --allow-dir: checked by table.
	ca.exec(t, `CREATE TABLE nums (n INTEGER)`)
	ca.exec(t, `INSERT INTO nums VALUES (1)`)
	native, err := ca.Execute(ca.ctx, `SELECT n FROM nums`)
	if err != nil {
		t.Fatal(err)
	}
	want(t, ca.rows(t, native), "1")
}
