package gateway

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"

	"github.com/tern-db/tern/flightnodes"
)

// An endless WITH RECURSIVE (UNION ALL over a growing counter, aggregated so that nothing
// streams) is stopped by statement_timeout with PostgreSQL's message, its working tables and
// operators freed and the query unregistered; the session then runs a finite recursion.
func TestRecursiveEndlessStoppedByTimeout(t *testing.T) {
	ts := startServer(t, nil)
	runtime.GC()
	baseline := ts.alloc.CurrentAlloc()
	cn := ts.openADBCNoCookies(t)
	adbcExec(t, cn, `SET statement_timeout = '500ms'`)
	start := time.Now()
	_, err := adbcTry(cn, `WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT count(*) FROM t`)
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
	adbcExec(t, cn, `SET statement_timeout = 0`)
	want(t, adbcQuery(t, cn, `WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 1000) SELECT count(*), sum(n) FROM t`, nil), "1000|500500")
	// the same endless recursion under a LIMIT ends by itself
	want(t, adbcQuery(t, cn, `WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT n FROM t LIMIT 3`, nil), "1", "2", "3")
}

// With several partitions the recursive term stays in the union's fragment (its scans are
// not cut into fragments of their own) and the answer is the same.
func TestRecursivePartitioned(t *testing.T) {
	ts := startServer(t, nil)
	cn := ts.openADBCNoCookies(t)
	adbcExec(t, cn, `CREATE TABLE edges AS SELECT * FROM (VALUES (1, 2), (2, 3), (3, 1), (3, 4)) v(s, d)`)
	q := `WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT e.d FROM r JOIN edges e ON e.s = r.n) SELECT count(*), sum(n) FROM r`
	want(t, adbcQuery(t, cn, q, nil), "4|10")
	adbcExec(t, cn, `SET tern.partitions = 3`)
	want(t, adbcQuery(t, cn, q, nil), "4|10")
}

// EXPLAIN shows the recursive union and its working table; EXPLAIN ANALYZE runs it (the
// term compiled per iteration without the profiler) and a dry run estimates it.
func TestRecursiveExplain(t *testing.T) {
	ts := startServer(t, nil)
	cn := ts.openADBCNoCookies(t)
	q := `WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT sum(n) FROM t`
	for _, stmt := range []string{"EXPLAIN " + q, "EXPLAIN ANALYZE " + q, "EXPLAIN (DRY_RUN) " + q} {
		rows := adbcQuery(t, cn, stmt, nil)
		text := strings.Join(rows, "\n")
		if !strings.Contains(text, "RecursiveUnion") && !strings.Contains(stmt, "DRY_RUN") {
			t.Errorf("%s:\n%s", stmt, text)
		}
	}
	want(t, adbcQuery(t, cn, q, nil), "15")
}
