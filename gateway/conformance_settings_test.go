package gateway

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	adbcflight "github.com/apache/arrow-adbc/go/adbc/driver/flightsql"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/flightnodes"
)

// Settings, sessions and the session's last query through the ADBC driver as it comes: no
// cookie middleware (its default). The session is named by the connection's login token and
// kept server-side.

func (ts *testServer) openADBCNoCookies(t testing.TB) adbc.Connection {
	t.Helper()
	return ts.openADBC(t, map[string]string{adbcflight.OptionCookieMiddleware: adbc.OptionValueDisabled})
}

func adbcTry(cn adbc.Connection, sql string) ([]string, error) {
	st, err := cn.NewStatement()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if err := st.SetSqlQuery(sql); err != nil {
		return nil, err
	}
	rdr, _, err := st.ExecuteQuery(context.Background())
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	var out []string
	for rdr.Next() {
		out = append(out, render(rdr.RecordBatch())...)
	}
	return out, rdr.Err()
}

func adbcTryExec(cn adbc.Connection, sql string) error {
	st, err := cn.NewStatement()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SetSqlQuery(sql); err != nil {
		return err
	}
	_, err = st.ExecuteUpdate(context.Background())
	return err
}

// wantADBC checks an ADBC error's status and that its message contains msg.
func wantADBC(t testing.TB, err error, code adbc.Status, msg string) {
	t.Helper()
	var ae adbc.Error
	if !errors.As(err, &ae) {
		t.Fatalf("want ADBC %v %q, got %v", code, msg, err)
	}
	if ae.Code != code || !strings.Contains(ae.Msg, msg) {
		t.Fatalf("want ADBC %v %q, got %v: %s", code, msg, ae.Code, ae.Msg)
	}
}

func TestSessionSettingsWithoutCookies(t *testing.T) {
	ts := startServer(t, nil)
	if err := ts.cat.CreateSchema(context.Background(), "default", "sales"); err != nil {
		t.Fatal(err)
	}
	cn := ts.openADBCNoCookies(t)
	adbcExec(t, cn, `CREATE TABLE public.where_am_i (v TEXT)`)
	adbcExec(t, cn, `INSERT INTO public.where_am_i VALUES ('public')`)
	adbcExec(t, cn, `CREATE TABLE sales.where_am_i (v TEXT)`)
	adbcExec(t, cn, `INSERT INTO sales.where_am_i VALUES ('sales')`)

	// SET through DoPut (ExecuteUpdate) and through a query both persist.
	adbcExec(t, cn, `SET search_path = sales`)
	want(t, adbcQuery(t, cn, `SELECT v FROM where_am_i`, nil), "sales")
	want(t, adbcQuery(t, cn, `SHOW search_path`, nil), "sales")
	want(t, adbcQuery(t, cn, `SET statement_timeout = '90s'`, nil))
	want(t, adbcQuery(t, cn, `SHOW statement_timeout`, nil), "90s")
	adbcExec(t, cn, `SET application_name TO 'my tool'`)
	adbcExec(t, cn, `SET TIME ZONE 'UTC'`)
	adbcExec(t, cn, `SET client_encoding = 'utf-8'`)
	want(t, adbcQuery(t, cn, `SHOW client_encoding`, nil), "UTF8")
	want(t, adbcQuery(t, cn, `SHOW application_name`, nil), "my tool")
	all := strings.Join(adbcQuery(t, cn, `SHOW ALL`, nil), "\n")
	for _, row := range []string{"statement_timeout|90s|", "search_path|sales|", "TimeZone|UTC|", "tern.dry_run|off|"} {
		if !strings.Contains(all, row) {
			t.Fatalf("SHOW ALL lacks %q:\n%s", row, all)
		}
	}

	// Another connection has its own session.
	other := ts.openADBCNoCookies(t)
	want(t, adbcQuery(t, other, `SELECT v FROM where_am_i`, nil), "public")
	want(t, adbcQuery(t, other, `SHOW statement_timeout`, nil), "0")

	// RESET name, RESET ALL.
	adbcExec(t, cn, `RESET statement_timeout`)
	want(t, adbcQuery(t, cn, `SHOW statement_timeout`, nil), "0")
	want(t, adbcQuery(t, cn, `SELECT v FROM where_am_i`, nil), "sales")
	adbcExec(t, cn, `RESET ALL`)
	want(t, adbcQuery(t, cn, `SELECT v FROM where_am_i`, nil), "public")
	want(t, adbcQuery(t, cn, `SHOW application_name`, nil), "(empty)")

	// Unknown parameters and bad values are errors, as in PostgreSQL; nothing changes.
	wantADBC(t, adbcTryExec(cn, `SET foo = 1`), adbc.StatusInvalidArgument, `unrecognized configuration parameter "foo"`)
	_, err := adbcTry(cn, `SET statement_timeout = 'abc'`)
	wantADBC(t, err, adbc.StatusInvalidArgument, `invalid value for parameter "statement_timeout": "abc"`)
	_, err = adbcTry(cn, `SHOW foo`)
	wantADBC(t, err, adbc.StatusInvalidArgument, `unrecognized configuration parameter "foo"`)
	wantADBC(t, adbcTryExec(cn, `RESET foo`), adbc.StatusInvalidArgument, `unrecognized configuration parameter "foo"`)
	wantADBC(t, adbcTryExec(cn, `SET TimeZone = 'Europe/Paris'`), adbc.StatusInvalidArgument, `invalid value for parameter "TimeZone": "Europe/Paris"`)
	wantADBC(t, adbcTryExec(cn, `SET client_encoding = 'LATIN1'`), adbc.StatusInvalidArgument, `invalid value for parameter "client_encoding"`)
	wantADBC(t, adbcTryExec(cn, `SET server_version = '9'`), adbc.StatusInvalidArgument, `parameter "server_version" cannot be changed`)
	wantADBC(t, adbcTryExec(cn, `SET LOCAL statement_timeout = 5`), adbc.StatusNotImplemented, `SET LOCAL`)
	wantADBC(t, adbcTryExec(cn, `SET search_path = nowhere`), adbc.StatusNotFound, `schema "nowhere" does not exist`)
	want(t, adbcQuery(t, cn, `SHOW statement_timeout`, nil), "0")

	// tern.dry_run is stored the same way.
	// (SHOW is itself answered by a dry run while it is on: the stored state is checked.)
	adbcExec(t, cn, `SET tern.dry_run = on`)
	if n := ts.sessionsWith(t, "tern.dry_run", "on"); n != 1 {
		t.Fatalf("%d sessions with tern.dry_run on", n)
	}
	adbcExec(t, cn, `SET tern.dry_run = off`)
	want(t, adbcQuery(t, cn, `SHOW tern.dry_run`, nil), "off")

	// A Flight SQL client with cookies joins its session through the cookie too, and the
	// session options and SET are one state.
	c := ts.client(t)
	c.exec(t, `SET statement_timeout = 1500`)
	res, err := c.GetSessionOptions(c.ctx, &flight.GetSessionOptionsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.SessionOptions["statement_timeout"].GetStringValue(); got != "1500ms" {
		t.Fatalf("session option statement_timeout %q", got)
	}
}

// sessionsWith counts the stored sessions where a parameter has a value.
func (ts *testServer) sessionsWith(t testing.TB, name, value string) int {
	t.Helper()
	all, err := ts.cat.(catalog.SessionStore).Sessions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, se := range all {
		if se.Settings[name] == value {
			n++
		}
	}
	return n
}

// statement_timeout cancels a long cross join quickly with PostgreSQL's message and a
// deadline code, its memory freed; the statement after it runs normally.
func TestStatementTimeoutCancelsQuery(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.ingestRows(t, "big", 200_000)
	runtime.GC()
	baseline := ts.alloc.CurrentAlloc()
	cn := ts.openADBCNoCookies(t)
	adbcExec(t, cn, `SET statement_timeout = '1s'`)
	start := time.Now()
	_, err := adbcTry(cn, `SELECT count(*) FROM big a, big b WHERE a.x + b.x >= 0`)
	wantADBC(t, err, adbc.StatusTimeout, "canceling statement due to statement timeout")
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the timeout took %v", d)
	}
	deadline := time.Now().Add(5 * time.Second)
	for ts.alloc.CurrentAlloc() > baseline && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := ts.alloc.CurrentAlloc(); got > baseline {
		t.Fatalf("%d bytes still held after the timeout (baseline %d)", got, baseline)
	}
	if running := ts.exec.(*flightnodes.Node).RunningQueries(); running != 0 {
		t.Fatalf("%d queries still registered", running)
	}
	// An update (DoPut) is bound by it too, and the session carries on.
	want(t, adbcQuery(t, cn, `SELECT count(*) FROM big`, nil), "200000")
	err = adbcTryExec(cn, `CREATE TABLE crossed AS SELECT a.x FROM big a, big b`)
	wantADBC(t, err, adbc.StatusTimeout, "canceling statement due to statement timeout")
	want(t, adbcQuery(t, cn, `SELECT status, error FROM tern.last_query()`, nil), "cancelled|canceling statement due to statement timeout")
	adbcExec(t, cn, `SET statement_timeout = 0`)
	want(t, adbcQuery(t, cn, `SELECT count(*) FROM big WHERE x < 10`, nil), "10")
}

// tern.last_query() answers the session's previous statement: its id, text, outcome, rows and
// bytes scanned; another session has its own.
func TestLastQuery(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.ingestRows(t, "big", 10_000)
	cn := ts.openADBCNoCookies(t)
	want(t, adbcQuery(t, cn, `SELECT * FROM tern.last_query()`, nil))
	want(t, adbcQuery(t, cn, `SELECT count(*) FROM big WHERE y = 7`, nil), "10")
	want(t, adbcQuery(t, cn, `SELECT length(query_id), query, status, error, rows, bytes_scanned > 0, ended >= started FROM tern.last_query()`, nil),
		"16|SELECT count(*) FROM big WHERE y = 7|ok|NULL|1|t|t")
	// The statement asking is the previous one now.
	want(t, adbcQuery(t, cn, `SELECT query FROM tern.last_query()`, nil), "SELECT length(query_id), query, status, error, rows, bytes_scanned > 0, ended >= started FROM tern.last_query()")
	// Updates count their rows; failures are recorded with their error.
	adbcExec(t, cn, `CREATE TABLE small AS SELECT x FROM big WHERE x < 5`)
	want(t, adbcQuery(t, cn, `SELECT status, rows FROM last_query()`, nil), "ok|5")
	_, err := adbcTry(cn, `SELECT nope FROM big`)
	if err == nil {
		t.Fatal("want an error")
	}
	want(t, adbcQuery(t, cn, `SELECT status, error LIKE '%nope%' FROM tern.last_query()`, nil), "error|t")
	other := ts.openADBCNoCookies(t)
	want(t, adbcQuery(t, other, `SELECT * FROM tern.last_query()`, nil))
}

// A query that fails while streaming is recorded with its error.
func TestLastQueryStreamError(t *testing.T) {
	ts := startServer(t, nil)
	cn := ts.openADBCNoCookies(t)
	adbcExec(t, cn, `CREATE TABLE z AS SELECT 0 AS d`)
	if _, err := adbcTry(cn, `SELECT 1 / d FROM z`); err == nil {
		t.Fatal("want division by zero")
	}
	want(t, adbcQuery(t, cn, `SELECT status, error LIKE '%division by zero' FROM tern.last_query()`, nil), "error|t")
}
