package gateway

import (
	"context"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
)

// RETURNING through ADBC's ExecuteQuery: the write happens once and its rows come back.
func TestDDLReturningADBC(t *testing.T) {
	ts := startServer(t, nil)
	cn := ts.openADBC(t, nil)
	defer cn.Close()
	adbcExec(t, cn, `CREATE TABLE r (id INTEGER PRIMARY KEY, name TEXT DEFAULT 'anon', qty INTEGER CHECK (qty >= 0))`)
	want(t, adbcQuery(t, cn, `INSERT INTO r (id, qty) VALUES (1, 10), (2, 20) RETURNING id, name, qty * 2 AS dbl`, nil),
		"1|anon|20", "2|anon|40")
	want(t, adbcQuery(t, cn, `INSERT INTO r AS x VALUES (3, 'c', 30) RETURNING *`, nil), "3|c|30")
	// as an update (DoPut) it reports the rows written
	if n := adbcExec(t, cn, `INSERT INTO r VALUES (4, 'd', 40) RETURNING id`); n != 1 {
		t.Fatalf("ExecuteUpdate of INSERT ... RETURNING: %d", n)
	}
	want(t, adbcQuery(t, cn, `SELECT count(*) FROM r`, nil), "4")
	// the prepared statement's dataset schema is the RETURNING list
	st, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetSqlQuery(`INSERT INTO r VALUES (5, 'e', 50) RETURNING id, name`); err != nil {
		t.Fatal(err)
	}
	if err := st.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	es, ok := st.(adbc.StatementExecuteSchema)
	if !ok {
		t.Fatal("driver has no ExecuteSchema")
	}
	sc, err := es.ExecuteSchema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sc.NumFields() != 2 || sc.Field(0).Name != "id" || sc.Field(1).Name != "name" {
		t.Fatalf("prepared RETURNING schema %v", sc)
	}
	rr, _, err := st.ExecuteQuery(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got int64
	for rr.Next() {
		got += rr.RecordBatch().NumRows()
	}
	rr.Release()
	if got != 1 {
		t.Fatalf("prepared INSERT ... RETURNING returned %d rows", got)
	}
	// a CHECK violation fails the statement and writes nothing
	bad, _ := cn.NewStatement()
	defer bad.Close()
	_ = bad.SetSqlQuery(`INSERT INTO r VALUES (6, 'f', -1) RETURNING id`)
	if rr, _, err := bad.ExecuteQuery(context.Background()); err == nil {
		rr.Release()
		t.Fatal("CHECK violation with RETURNING succeeded")
	}
	want(t, adbcQuery(t, cn, `SELECT count(*) FROM r`, nil), "5")
}
