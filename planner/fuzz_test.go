package planner

import (
	"context"
	"testing"
	"time"

	"errors"

	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/tern-db/tern/proto/errs"
)

// FuzzPlan checks that no input makes the planner panic (Plan and Prepare recover panics into
// ErrInternal, which this target treats as a failure too).
func FuzzPlan(f *testing.F) {
	for _, c := range goldenCases {
		f.Add(c.sql)
	}
	for _, s := range []string{
		"SELECT", "SELECT 1 +", "SELECT * FROM t WHERE", "SELECT a FROM t GROUP BY", "SELECT -9223372036854775808",
		"SELECT 99999999999999999999999999999999999999999.5", "SELECT 1e400", "SELECT a/0 FROM t", "SELECT $0", "SELECT $99999999",
		"SELECT count(*) FROM t HAVING a > 1", "SELECT * FROM t JOIN u ON true", "SELECT t.* FROM t, u WHERE t.a = u.a",
		"INSERT INTO t DEFAULT VALUES", "INSERT INTO t VALUES (DEFAULT)", "SELECT 'a' + 'b'", "SELECT NULL + NULL",
		"SELECT CASE WHEN NULL THEN 1 END", "SELECT cast(NULL as numeric(3,1))", "SELECT 1::numeric(1,0) * 10",
		"SELECT x FROM (SELECT 1) s(x, y)", "SELECT * FROM read_parquet(1)", "SELECT substring(b, 1, 2) FROM t",
		"SELECT DATE '2020-02-30'", "SELECT TIMESTAMP '2020-01-01 25:00'", "COPY t FROM 'testdata/files/t.csv'",
		"EXPLAIN EXPLAIN SELECT 1", "SELECT a FROM t ORDER BY a USING <", "SELECT 1 LIMIT ALL OFFSET NULL",
		"SELECT (SELECT a FROM t LIMIT 1)", "SELECT a FROM t WHERE a IN (SELECT a FROM u)", "SELECT a FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.a = t.a)",
		"SELECT a, (SELECT count(*) FROM u WHERE u.a = t.a) FROM t", "SELECT a FROM t UNION ALL SELECT a FROM u ORDER BY 1", "WITH w AS (SELECT a FROM t) SELECT * FROM w, w w2",
		"SELECT a, rank() OVER (PARTITION BY b ORDER BY a) FROM t", "SELECT a, b, count(*) FROM t GROUP BY CUBE (a, b)", "SELECT * FROM t FULL JOIN u USING (a)",
		"SELECT sum(a) FILTER (WHERE a > 1) FROM t", "SELECT INTERVAL '1 day' + h FROM t", "EXPLAIN ANALYZE SELECT 1", "SELECT greatest(1, NULL, 2.5)",
		"SELECT a FROM t WHERE a > ALL (SELECT a FROM u)", "SELECT grouping(a) FROM t GROUP BY ROLLUP (a)", "CREATE VIEW v AS SELECT 1",
	} {
		f.Add(s)
	}
	p := testPlanner()
	params := []scalar.Scalar{scalar.NewInt64Scalar(1), scalar.NewStringScalar("2020-01-01"), scalar.NewInt64Scalar(2)}
	f.Fuzz(func(t *testing.T, sql string) {
		ctx := context.Background()
		start := time.Now()
		if _, err := p.Prepare(ctx, Session{}, sql); err != nil && isInternal(err) {
			t.Fatalf("Prepare(%q): %v", sql, err)
		}
		if _, err := p.Plan(ctx, Session{}, sql, params); err != nil && isInternal(err) {
			t.Fatalf("Plan(%q): %v", sql, err)
		}
		// Planning a statement of fuzz size must never take long: a slow input is a
		// denial of service waiting to happen (exponential rewrites, runaway loops).
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("planning %q took %v", sql, d)
		}
	})
}

func isInternal(err error) bool {
	return errors.Is(err, errs.ErrInternal)
}
