package gateway

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"google.golang.org/grpc/codes"
)

func (c *client) txQuery(t testing.TB, tx *flightsql.Txn, sql string) []string {
	t.Helper()
	info, err := tx.Execute(c.ctx, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return c.rows(t, info)
}

func txExec(t testing.TB, c *client, tx *flightsql.Txn, sql string) int64 {
	t.Helper()
	n, err := tx.ExecuteUpdate(c.ctx, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// Several statements over native tables commit atomically or not at all, and a transaction
// reads the snapshot pinned at Begin plus its own writes.
func TestConformanceTransactions(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, `CREATE TABLE accounts (id INTEGER, balance BIGINT)`)
	c.exec(t, `CREATE TABLE ledger (id INTEGER, delta BIGINT)`)
	c.exec(t, `INSERT INTO accounts VALUES (1, 100), (2, 50)`)

	tx, err := c.BeginTransaction(c.ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Another writer commits after Begin: the transaction does not see it.
	c.exec(t, `INSERT INTO ledger VALUES (0, 0)`)
	want(t, c.txQuery(t, tx, `SELECT count(*) FROM ledger`), "0")

	txExec(t, c, tx, `INSERT INTO accounts VALUES (3, 10)`)
	ps, err := tx.Prepare(c.ctx, `INSERT INTO ledger VALUES ($1::integer, $2::bigint)`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecuteUpdate(c.ctx, `INSERT INTO ledger SELECT id, balance FROM accounts WHERE id = 3`); err != nil {
		t.Fatal(err)
	}
	ps.Close(c.ctx)
	// Own writes are visible inside, nothing outside.
	want(t, c.txQuery(t, tx, `SELECT count(*), sum(balance) FROM accounts`), "3|160")
	want(t, c.txQuery(t, tx, `SELECT count(*), sum(delta) FROM ledger`), "1|10")
	want(t, c.query(t, `SELECT count(*) FROM accounts`), "2")

	// Ingest joins the transaction too.
	rdr := newInt64Reader(c.alloc, 5, 5)
	c.exec(t, `CREATE TABLE bulk (x BIGINT NOT NULL, y INTEGER)`)
	o := ingestOpts("bulk", flightsql.TableDefinitionOptionsTableNotExistOptionFail, flightsql.TableDefinitionOptionsTableExistsOptionAppend)
	o.TransactionId = tx.ID()
	if n, err := c.ExecuteIngest(c.ctx, rdr, o); err != nil || n != 5 {
		t.Fatalf("ingest in transaction: %d %v", n, err)
	}
	rdr.Release()
	want(t, c.query(t, `SELECT count(*) FROM bulk`), "0")

	done := tx.ID()
	if err := tx.Commit(c.ctx); err != nil {
		t.Fatal(err)
	}
	want(t, c.query(t, `SELECT count(*), sum(balance) FROM accounts`), "3|160")
	want(t, c.query(t, `SELECT count(*), sum(delta) FROM ledger`), "2|10")
	want(t, c.query(t, `SELECT count(*) FROM bulk`), "5")
	// The transaction is over: its id is refused.
	rdr = newInt64Reader(c.alloc, 1, 1)
	o.TransactionId = done
	_, err = c.ExecuteIngest(c.ctx, rdr, o)
	rdr.Release()
	wantCode(t, err, codes.InvalidArgument)

	// Rollback leaves nothing, files included.
	tx, err = c.BeginTransaction(c.ctx)
	if err != nil {
		t.Fatal(err)
	}
	txExec(t, c, tx, `INSERT INTO accounts VALUES (4, 1)`)
	if err := tx.Rollback(c.ctx); err != nil {
		t.Fatal(err)
	}
	want(t, c.query(t, `SELECT count(*) FROM accounts`), "3")
	if entries, _ := os.ReadDir(filepath.Join(ts.cfg.DataDir, "txn")); len(entries) > 0 {
		if sub, _ := os.ReadDir(filepath.Join(ts.cfg.DataDir, "txn", entries[0].Name())); len(sub) != 0 {
			t.Fatalf("transaction state left behind: %v", sub)
		}
	}

	// Concurrent appends commute, as concurrent INSERTs do in PostgreSQL.
	t1, _ := c.BeginTransaction(c.ctx)
	t2, _ := c.BeginTransaction(c.ctx)
	txExec(t, c, t1, `INSERT INTO accounts VALUES (5, 5)`)
	txExec(t, c, t2, `INSERT INTO accounts VALUES (6, 6)`)
	if err := t1.Commit(c.ctx); err != nil {
		t.Fatal(err)
	}
	if err := t2.Commit(c.ctx); err != nil {
		t.Fatal(err)
	}
	want(t, c.query(t, `SELECT count(*) FROM accounts`), "5")

	// Write-write conflict: a transaction replaced a table's rows (ingest REPLACE) that another
	// writer changed since it began: its commit fails (Aborted) and none of its tables change.
	t3, _ := c.BeginTransaction(c.ctx)
	txExec(t, c, t3, `INSERT INTO ledger VALUES (7, 7)`)
	rdr = newInt64Reader(c.alloc, 2, 2)
	o = ingestOpts("bulk", flightsql.TableDefinitionOptionsTableNotExistOptionFail, flightsql.TableDefinitionOptionsTableExistsOptionReplace)
	o.TransactionId = t3.ID()
	if _, err := c.ExecuteIngest(c.ctx, rdr, o); err != nil {
		t.Fatal(err)
	}
	rdr.Release()
	want(t, c.txQuery(t, t3, `SELECT count(*) FROM bulk`), "2")
	c.exec(t, `INSERT INTO bulk VALUES (100, 1)`)
	wantCode(t, t3.Commit(c.ctx), codes.Aborted)
	want(t, c.query(t, `SELECT count(*) FROM bulk`), "6")
	want(t, c.query(t, `SELECT count(*) FROM ledger`), "2")

	// Another user's or a forged transaction id is refused.
	t4, _ := c.BeginTransaction(c.ctx)
	id := append([]byte(nil), t4.ID()...)
	id[len(id)-1] ^= 1
	o = ingestOpts("bulk", flightsql.TableDefinitionOptionsTableNotExistOptionFail, flightsql.TableDefinitionOptionsTableExistsOptionAppend)
	o.TransactionId = id
	rdr = newInt64Reader(c.alloc, 1, 1)
	_, err = c.ExecuteIngest(c.ctx, rdr, o)
	rdr.Release()
	wantCode(t, err, codes.InvalidArgument)
	t4.Rollback(c.ctx)
}

// ADBC with autocommit off runs its statements in a Flight SQL transaction.
func TestConformanceADBCTransactions(t *testing.T) {
	ts := startServer(t, nil)
	cn := ts.openADBC(t, nil)
	adbcExec(t, cn, `CREATE TABLE t (v INTEGER)`)
	if err := cn.(interface{ SetOption(string, string) error }).SetOption("adbc.connection.autocommit", "false"); err != nil {
		t.Fatal(err)
	}
	adbcExec(t, cn, `INSERT INTO t VALUES (1)`)
	adbcExec(t, cn, `INSERT INTO t VALUES (2)`)
	want(t, adbcQuery(t, cn, `SELECT count(*) FROM t`, nil), "2")
	other := ts.client(t)
	want(t, other.query(t, `SELECT count(*) FROM t`), "0")
	if err := cn.Rollback(t.Context()); err != nil {
		t.Fatal(err)
	}
	want(t, adbcQuery(t, cn, `SELECT count(*) FROM t`, nil), "0")
	adbcExec(t, cn, `INSERT INTO t VALUES (3)`)
	if err := cn.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	want(t, other.query(t, `SELECT count(*) FROM t`), "1")
}
