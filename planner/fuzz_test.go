package planner

import (
	"context"
	"strings"
	"testing"
	"time"

	"errors"

	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/tern-db/tern/proto/errs"
)

// FuzzPlan checks that no input makes the planner panic (Plan and Prepare recover panics into
// ErrInternal, which this target treats as a failure too) or crash the process (the C
// parser's stack, issue 10), and that planning never takes long.
//
// Inputs are (sql, rep): sql may hold NUL-separated parts that expand into long and deep
// statements, parts[0] + parts[1]*rep + parts[2] + parts[3]*rep + ..., so mutations explore
// operator chains, nesting and long lists that byte-level mutation alone would never reach.
func FuzzPlan(f *testing.F) {
	for _, c := range goldenCases {
		f.Add(c.sql, uint16(0))
	}
	for _, s := range []struct {
		sql string
		rep uint16
	}{
		// the shapes that overflowed the C parser's stack, and their neighbours
		{"SELECT 1\x00+1\x00", 25000}, {"SELECT 'a'\x00||'a'\x00", 50000}, {"SELECT 1\x00::int\x00", 25000},
		{"SELECT \x00(\x001\x00)\x00", 10000}, {"SELECT \x00abs(\x001\x00)\x00", 5000},
		{"\x00SELECT (\x00SELECT 1\x00)\x00", 3000}, {"\x00SELECT * FROM (\x00SELECT 1\x00) s\x00", 2000},
		{"SELECT \x00CASE WHEN true THEN \x001\x00 END\x00", 3000}, {"SELECT \x00NOT \x00true", 10000},
		{"SELECT 1\x00 UNION SELECT 1\x00", 25000}, {"SELECT 1 FROM t\x00 JOIN t ON true\x00", 25000},
		{"SELECT 1\x00 IS NULL\x00", 25000}, {"SELECT \x00ARRAY[\x001\x00]\x00", 5000},
		{"SELECT 1 WHERE \x00EXISTS (SELECT 1 WHERE \x00true\x00)\x00", 2000},
		{"SELECT \x00(1 + CASE WHEN (SELECT \x001\x00) THEN 1 END)\x00", 1000},
		{"SELECT 1\x00+1\x00", 1990}, {"SELECT \x00(\x001\x00)\x00", 1999},
		// wide inputs
		{"SELECT a FROM t WHERE a IN (1\x00, 2\x00)", 20000}, {"SELECT * FROM (VALUES (1)\x00, (2)\x00) v(a)", 10000},
		{"SELECT a FROM t WHERE a = 1\x00 OR a = 2\x00", 10000}, {"SELECT a FROM t WHERE b = 'x'\x00 AND a > 1\x00", 10000},
		{"SELECT ?\x00, ?\x00", 1000}, {"SELECT $1\x00 + ?\x00", 10},
		{"SELECT '\x00(\x00'", 30000}, {"SELECT 1 /*\x00/*\x00 */", 1000}, {"SELECT $$\x00((\x00$$", 20000},
	} {
		f.Add(s.sql, s.rep)
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
		f.Add(s, uint16(0))
	}
	p := testPlanner()
	params := []scalar.Scalar{scalar.NewInt64Scalar(1), scalar.NewStringScalar("2020-01-01"), scalar.NewInt64Scalar(2)}
	f.Fuzz(func(t *testing.T, sql string, rep uint16) {
		sql = expandFuzzSQL(sql, int(rep))
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

// expandFuzzSQL expands NUL-separated parts (see FuzzPlan), up to 512 KB of SQL.
func expandFuzzSQL(sql string, rep int) string {
	parts := strings.Split(sql, "\x00")
	if len(parts) < 2 {
		return sql
	}
	var b strings.Builder
	for i, p := range parts {
		n := 1
		if i%2 == 1 {
			n = rep
		}
		if b.Len()+len(p)*n > 512<<10 {
			n = (512<<10 - b.Len()) / max(len(p), 1)
		}
		for k := 0; k < n; k++ {
			b.WriteString(p)
		}
	}
	return b.String()
}

func isInternal(err error) bool {
	return errors.Is(err, errs.ErrInternal)
}
