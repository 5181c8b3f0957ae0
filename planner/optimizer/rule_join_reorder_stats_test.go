package optimizer

import (
	"strings"
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

// withStats gives a scan ANALYZE statistics: distinct counts by column name (every column
// of the scan must be named).
func withStats(s *logical.Scan, ndv map[string]int64) *logical.Scan {
	st := &catalog.TableStats{Rows: s.Source.EstRows}
	for _, f := range s.Source.Base {
		st.Columns = append(st.Columns, catalog.ColumnSummary{Name: f.Name, Distinct: ndv[f.Name]})
	}
	s.Source.Stats = st
	return s
}

// chain builds x JOIN y ON x.k = y.k JOIN z ON y.j = z.j with x 100 rows, y 1000 and z 10000.
// Row counts alone (key sides: x.k, y.j) estimate x⋈y at 1000 rows and y⋈z at 10000, so
// x⋈y goes first; with statistics saying that k has 2 distinct values on both sides (x⋈y
// explodes to 50000 rows) and j is a key of z (y⋈z is 1000 rows), y⋈z goes first.
func chain(stats bool) logical.Node {
	x, y, z := scan("x", 100, "k"), scan("y", 1000, "k", "j"), scan("z", 10000, "j")
	if stats {
		withStats(x, map[string]int64{"k": 2})
		withStats(y, map[string]int64{"k": 2, "j": 1000})
		withStats(z, map[string]int64{"j": 10000})
	}
	// written as x, z, y: the reorder decides which pair joins first
	return &logical.Join{Type: logical.JoinInner,
		Left:  &logical.Join{Left: x, Right: z, Type: logical.JoinInner},
		Right: y,
		Cond:  logical.And(eq(colRef(0, "k"), colRef(2, "k")), eq(colRef(3, "j"), colRef(1, "j")))}
}

// firstPair returns the tables of the deepest join of a plan, sorted.
func firstPair(t *testing.T, n logical.Node) string {
	t.Helper()
	var deepest *logical.Join
	var walk func(n logical.Node)
	walk = func(n logical.Node) {
		if j, ok := n.(*logical.Join); ok {
			_, l := j.Left.(*logical.Scan)
			_, r := j.Right.(*logical.Scan)
			if l && r {
				deepest = j
			}
		}
		for _, k := range n.Children() {
			walk(k)
		}
	}
	walk(n)
	if deepest == nil {
		t.Fatalf("no join of two scans:\n%s", explain(n))
	}
	a, b := deepest.Left.(*logical.Scan).Source.Name, deepest.Right.(*logical.Scan).Source.Name
	if a > b {
		a, b = b, a
	}
	return a + "," + b
}

func TestJoinReorderWithoutStatistics(t *testing.T) {
	out, changed := apply(t, JoinReorder{}, chain(false))
	if !changed {
		t.Fatal("not changed")
	}
	if got := firstPair(t, out); got != "x,y" {
		t.Errorf("first join %s, want x,y (row counts):\n%s", got, explain(out))
	}
	// the heuristics: equi-join keeps 1/(rows of the smaller base table)
	x, y := scan("x", 100, "k"), scan("y", 1000, "k", "j")
	j := &logical.Join{Left: x, Right: y, Type: logical.JoinInner, Cond: eq(colRef(0, "k"), colRef(1, "k"))}
	if r := logical.EstimateRows(j); r != 1000 {
		t.Errorf("x⋈y estimated %d rows, want 1000", r)
	}
	// statistics on one column do not change another's estimate
	withStats(y, map[string]int64{"j": 7})
	if r := logical.EstimateRows(j); r != 1000 {
		t.Errorf("x⋈y with unrelated statistics estimated %d rows, want 1000", r)
	}
	if _, changed := apply(t, JoinReorder{}, out); changed {
		t.Error("second application changed the plan")
	}
}

func TestJoinReorderWithStatistics(t *testing.T) {
	out, changed := apply(t, JoinReorder{}, chain(true))
	if !changed {
		t.Fatal("not changed")
	}
	if got := firstPair(t, out); got != "y,z" {
		t.Errorf("first join %s, want y,z (distinct counts):\n%s", got, explain(out))
	}
	if strings.Contains(explain(out), "Cross Join") {
		t.Errorf("cross join:\n%s", explain(out))
	}
	if _, changed := apply(t, JoinReorder{}, out); changed {
		t.Error("second application changed the plan")
	}
	// rows_l * rows_r / max(ndv_l, ndv_r)
	x := withStats(scan("x", 100, "k"), map[string]int64{"k": 2})
	y := withStats(scan("y", 1000, "k"), map[string]int64{"k": 5})
	j := &logical.Join{Left: x, Right: y, Type: logical.JoinInner, Cond: eq(colRef(0, "k"), colRef(1, "k"))}
	if r := logical.EstimateRows(j); r != 20000 {
		t.Errorf("x⋈y estimated %d rows, want 100*1000/5", r)
	}
}

func TestFilterEstimatesWithStatistics(t *testing.T) {
	mk := func(stats bool) *logical.Scan {
		s := scan("t", 1000, "a")
		if stats {
			withStats(s, map[string]int64{"a": 50})
			s.Source.Stats.Columns[0].Min, s.Source.Stats.Columns[0].Max = "i:0", "i:100"
			s.Source.Stats.Columns[0].Nulls = 200
		}
		return s
	}
	for _, c := range []struct {
		cond          logical.Expr
		without, with int64
	}{
		{eq(colRef(0, "a"), i32(7)), 100, 20},                        // 1/10 vs 1/ndv
		{eq(i32(7), colRef(0, "a")), 100, 20},                        // constant on the left
		{fn("lt", catalog.Bool, colRef(0, "a"), i32(25)), 330, 250},  // 1/3 vs (25-0)/(100-0)
		{fn("gte", catalog.Bool, colRef(0, "a"), i32(90)), 330, 100}, // 1 - 90/100
		{fn("gt", catalog.Bool, i32(90), colRef(0, "a")), 330, 900},  // a < 90
		{fn("is_null", catalog.Bool, colRef(0, "a")), 100, 200},      // null fraction
		{fn("like", catalog.Bool, colRef(0, "a"), i32(1)), 250, 250}, // no statistics for LIKE
	} {
		for _, stats := range []bool{false, true} {
			f := &logical.Filter{Input: mk(stats), Cond: c.cond}
			want := c.without
			if stats {
				want = c.with
			}
			if got := logical.EstimateRows(f); got != want {
				t.Errorf("%s (statistics %v): %d rows, want %d", explain(f), stats, got, want)
			}
		}
	}
}
