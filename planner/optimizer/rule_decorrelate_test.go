package optimizer

import (
	"strings"
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

func TestDecorrelateExists(t *testing.T) {
	// SELECT * FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.k = a.x) AND a.y > 1
	a := scan("a", 100, "x", "y")
	b := scan("b", 10, "k")
	sub := &logical.Filter{Input: b, Cond: eq(colRef(0, "k"), &logical.OuterColumn{Index: 0, Name: "x", Typ: catalog.Int32, Null: true})}
	s := logical.NewSubquery(logical.Subquery{Kind: logical.SubExists, Plan: sub, Typ: catalog.Bool, Correlated: true})
	n := &logical.Filter{Input: a, Cond: logical.And(s, fn("gt", catalog.Bool, colRef(1, "y"), i32(1)))}
	out, changed := apply(t, Decorrelate{}, n)
	if !changed {
		t.Fatal("not changed")
	}
	expectPlan(t, out, `
Filter gt(y#1, 1::integer)
  Semi Join on equal(k#2, x#0)
    Scan a columns=[x, y] snapshot=0 files=0
    Scan b columns=[k] snapshot=0 files=0`)
}

func TestDecorrelateNotInNullable(t *testing.T) {
	// x NOT IN (SELECT k FROM b): k may be NULL, so a mark join keeps IN's NULL semantics
	a := scan("a", 100, "x")
	b := scan("b", 10, "k")
	s := logical.NewSubquery(logical.Subquery{Kind: logical.SubIn, Plan: b, Test: colRef(0, "x"), Cmp: "equal", Typ: catalog.Bool})
	n := &logical.Filter{Input: a, Cond: fn("not", catalog.Bool, s)}
	out, _ := apply(t, Decorrelate{}, n)
	expectPlan(t, out, `
Project x#0 AS x
  Filter not(mark#1)
    Mark Join on equal(x#0, k#1)
      Scan a columns=[x] snapshot=0 files=0
      Scan b columns=[k] snapshot=0 files=0`)
}

func TestDecorrelateScalarCount(t *testing.T) {
	// SELECT (SELECT count(*) FROM b WHERE b.k = a.x) FROM a: grouped by k, joined back
	// with a left join; outer rows without partners get 0, not NULL
	a := scan("a", 100, "x")
	b := scan("b", 10, "k")
	agg := &logical.Aggregate{Input: &logical.Filter{Input: b, Cond: eq(colRef(0, "k"), &logical.OuterColumn{Index: 0, Name: "x", Typ: catalog.Int32, Null: true})},
		Aggs: []*logical.AggCall{{Fn: "count", Typ: catalog.Int64}}, Names: []string{"count"}}
	s := logical.NewSubquery(logical.Subquery{Kind: logical.SubScalar, Plan: agg, Typ: catalog.Int64, Correlated: true})
	n := &logical.Project{Input: a, Exprs: []logical.Expr{s}, Names: []string{"c"}}
	out, _ := apply(t, Decorrelate{}, n)
	got := explain(out)
	for _, want := range []string{"Left Join on equal(corr#2, x#0)", "Aggregate groups=[k#0] aggs=[count(*)]", "CASE WHEN is_null(corr#2) THEN 0::bigint ELSE count#1 END"} {
		if !strings.Contains(got, want) {
			t.Errorf("plan lacks %q:\n%s", want, got)
		}
	}
}

func TestDecorrelateUncorrelatedScalar(t *testing.T) {
	a := scan("a", 100, "x")
	agg := &logical.Aggregate{Input: scan("b", 10, "k"), Aggs: []*logical.AggCall{{Fn: "max", Arg: colRef(0, "k"), Typ: catalog.Int32}}, Names: []string{"max"}}
	s := logical.NewSubquery(logical.Subquery{Kind: logical.SubScalar, Plan: agg, Typ: catalog.Int32})
	n := &logical.Filter{Input: a, Cond: fn("gt", catalog.Bool, colRef(0, "x"), s)}
	out, _ := apply(t, Decorrelate{}, n)
	expectPlan(t, out, `
Project x#0 AS x
  Filter gt(x#0, max#1)
    Single Join
      Scan a columns=[x] snapshot=0 files=0
      Aggregate groups=[] aggs=[max(k#0)]
        Scan b columns=[k] snapshot=0 files=0`)
}
