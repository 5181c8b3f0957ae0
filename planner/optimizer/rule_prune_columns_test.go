package optimizer

import (
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

func TestPruneColumns(t *testing.T) {
	l := scan("l", 100, "a", "b", "c")
	r := scan("r", 10, "d", "e", "f")
	join := &logical.Join{Left: l, Right: r, Type: logical.JoinInner, Cond: eq(colRef(0, "a"), colRef(4, "e"))}
	plan := &logical.Project{Input: &logical.Filter{Input: join, Cond: fn("gt", catalog.Bool, colRef(2, "c"), i32(0))},
		Exprs: []logical.Expr{colRef(5, "f")}, Names: []string{"f"}}
	out, changed := apply(t, PruneColumns{}, plan)
	if !changed {
		t.Fatal("rule did not fire")
	}
	expectPlan(t, out, `
Project f#3 AS f
  Filter gt(c#1, 0::integer)
    Inner Join on equal(a#0, e#2)
      Scan l columns=[a, c] snapshot=0 files=0
      Scan r columns=[e, f] snapshot=0 files=0`)
	if _, changed := apply(t, PruneColumns{}, out); changed {
		t.Error("second run changed the plan")
	}
	// count(*) still reads one column
	agg := &logical.Aggregate{Input: l, Aggs: []*logical.AggCall{{Fn: "count", Typ: catalog.Int64}}, Names: []string{"count"}}
	out, _ = apply(t, PruneColumns{}, agg)
	expectPlan(t, out, `
Aggregate groups=[] aggs=[count(*)]
  Scan l columns=[a] snapshot=0 files=0`)
}

func TestPruneColumnsWindow(t *testing.T) {
	l := scan("l", 100, "a", "b", "c", "d")
	frame := logical.Frame{Rows: true, Start: logical.Bound{Kind: logical.UnboundedPreceding}, End: logical.Bound{Kind: logical.CurrentRow}}
	win := &logical.Window{Input: l, Partition: []logical.Expr{colRef(1, "b")}, Order: []logical.SortKey{{Expr: colRef(2, "c")}},
		Funcs: []*logical.WindowFunc{{Fn: "sum", Agg: true, Args: []logical.Expr{colRef(3, "d")}, Typ: catalog.Int64, Frame: frame}}, Names: []string{"sum"}}
	plan := &logical.Project{Input: win, Exprs: []logical.Expr{colRef(4, "sum")}, Names: []string{"s"}}
	out, changed := apply(t, PruneColumns{}, plan)
	if !changed {
		t.Fatal("rule did not fire")
	}
	expectPlan(t, out, `
Project sum#3 AS s
  Window [sum(d#2) ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW] partition=[b#0] order=[c#1 ASC NULLS LAST]
    Scan l columns=[b, c, d] snapshot=0 files=0`)
	if _, changed := apply(t, PruneColumns{}, out); changed {
		t.Error("second run changed the plan")
	}
}
