package difffuzz

import (
	"errors"
	"strings"
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// The generator is deterministic from its seed and produces SQL that PostgreSQL's parser
// accepts.
func TestGenDeterministicAndParses(t *testing.T) {
	a, b, c := NewGen(42), NewGen(42), NewGen(43)
	differs := false
	kinds := map[string]bool{}
	for i := 0; i < 400; i++ {
		qa, qb, qc := a.Next().SQL(), b.Next().SQL(), c.Next().SQL()
		if qa != qb {
			t.Fatalf("query %d differs for the same seed:\n%s\n%s", i, qa, qb)
		}
		differs = differs || qa != qc
		if _, err := pg.Parse(qa); err != nil {
			t.Fatalf("query %d does not parse: %v\n%s", i, err, qa)
		}
		for _, k := range []string{"JOIN", "GROUP BY", "ROLLUP", "GROUPING SETS", "OVER (", "EXISTS", " IN (SELECT", "UNION", "INTERSECT", "EXCEPT", "WITH ", "LIMIT", "DISTINCT", "CASE WHEN", "LIKE", "BETWEEN", "IS NULL", "HAVING", "CAST("} {
			if strings.Contains(qa, k) {
				kinds[k] = true
			}
		}
	}
	if !differs {
		t.Error("seeds 42 and 43 generated the same queries")
	}
	for _, k := range []string{"JOIN", "GROUP BY", "ROLLUP", "GROUPING SETS", "OVER (", "EXISTS", " IN (SELECT", "UNION", "WITH ", "LIMIT", "DISTINCT", "CASE WHEN", "LIKE", "BETWEEN", "IS NULL", "HAVING", "CAST("} {
		if !kinds[k] {
			t.Errorf("400 queries never used %q", k)
		}
	}
}

func TestCompare(t *testing.T) {
	rows := func(rs ...string) [][]string {
		var out [][]string
		for _, r := range rs {
			out = append(out, strings.Split(r, "|"))
		}
		return out
	}
	pgOut := Outcome{Types: "IR", Rows: rows("1|0.1", "2|NULL")}
	for _, c := range []struct {
		got     Outcome
		ordered bool
		agree   bool
	}{
		{Outcome{Types: "IR", Rows: rows("2|NULL", "1|0.1")}, false, true},
		{Outcome{Types: "IR", Rows: rows("2|NULL", "1|0.1")}, true, false},
		{Outcome{Types: "IR", Rows: rows("1|0.10000000000000001", "2|NULL")}, true, true},
		{Outcome{Types: "IR", Rows: rows("1|0.2", "2|NULL")}, false, false},
		{Outcome{Types: "II", Rows: rows("1|0.1", "2|NULL")}, false, false},
		{Outcome{Types: "IR", Rows: rows("1|0.1")}, false, false},
		{Outcome{Err: errors.New("boom")}, false, false},
	} {
		if d := Compare(pgOut, c.got, c.ordered); (d == "") != c.agree {
			t.Errorf("Compare(%v, ordered=%v) = %q, want agreement %v", c.got.Rows, c.ordered, d, c.agree)
		}
	}
	if d := Compare(Outcome{Err: errors.New("a")}, Outcome{Err: errors.New("b")}, false); d != "" {
		t.Errorf("both failing: %q", d)
	}
	if d := Compare(Outcome{Types: "T", Rows: rows("1.50")}, Outcome{Types: "T", Rows: rows("1.5")}, false); d != "" {
		t.Errorf("decimal text by value: %q", d)
	}
	if d := Compare(Outcome{Types: "T", Rows: rows("a")}, Outcome{Types: "T", Rows: rows("b")}, false); d == "" {
		t.Error("text must compare exactly")
	}
}

func TestMinimize(t *testing.T) {
	q := &Query{Distinct: true, Select: []string{"a", "b", "c"}, From: "t", Where: []string{"x > 1", "y < 2"}, OrderBy: true, Limit: 3}
	// the disagreement needs select item b and the WHERE conjunct y < 2
	fails := func(c *Query) bool {
		return strings.Contains(c.SQL(), "b AS") && strings.Contains(c.SQL(), "y < 2")
	}
	m := Minimize(q, fails, 100)
	if got, want := m.SQL(), "SELECT b AS c1 FROM t WHERE y < 2"; got != want {
		t.Errorf("minimized to %q, want %q", got, want)
	}
}
