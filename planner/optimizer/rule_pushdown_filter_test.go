package optimizer

import (
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

func TestPushdownFilter(t *testing.T) {
	l := scan("l", 100, "a", "b")
	r := scan("r", 10, "c", "d")
	join := &logical.Join{Left: l, Right: r, Type: logical.JoinInner}
	cond := logical.And(eq(colRef(0, "a"), colRef(2, "c")), fn("gt", catalog.Bool, colRef(1, "b"), i32(5)), fn("lt", catalog.Bool, colRef(3, "d"), i32(3)))
	proj := &logical.Project{Input: join, Exprs: []logical.Expr{colRef(0, "a"), colRef(1, "b"), colRef(2, "c"), colRef(3, "d")}, Names: []string{"a", "b", "c", "d"}}
	plan := logical.Node(&logical.Filter{Input: proj, Cond: cond})
	o := New(PushdownFilter{})
	out, fired, err := o.Optimize(plan)
	if err != nil {
		t.Fatal(err)
	}
	if len(fired) == 0 {
		t.Fatal("rule did not fire")
	}
	expectPlan(t, out, `
Project a#0 AS a, b#1 AS b, c#2 AS c, d#3 AS d
  Inner Join on equal(a#0, c#2)
    Filter gt(b#1, 5::integer)
      Scan l columns=[a, b] snapshot=0 files=0 filters=[gt(b#1, 5::integer)]
    Filter lt(d#1, 3::integer)
      Scan r columns=[c, d] snapshot=0 files=0 filters=[lt(d#1, 3::integer)]`)
	// a second run changes nothing
	if _, changed := apply(t, PushdownFilter{}, out); changed {
		t.Errorf("not at a fixed point:\n%s", explain(out))
	}
	// filters on aggregates: only group-column conjuncts go below
	agg := &logical.Aggregate{Input: l, Groups: []logical.Expr{colRef(0, "a")},
		Aggs: []*logical.AggCall{{Fn: "count", Typ: catalog.Int64}}, Names: []string{"a", "count"}}
	having := logical.And(fn("gt", catalog.Bool, colRef(0, "a"), i32(1)),
		fn("gt", catalog.Bool, &logical.Column{Index: 1, Name: "count", Typ: catalog.Int64}, &logical.Literal{Typ: catalog.Int64, Value: int64(2)}))
	out, _ = apply(t, PushdownFilter{}, &logical.Filter{Input: agg, Cond: having})
	expectPlan(t, out, `
Filter gt(count#1, 2::bigint)
  Aggregate groups=[a#0] aggs=[count(*)]
    Filter gt(a#0, 1::integer)
      Scan l columns=[a, b] snapshot=0 files=0`)
}
