package optimizer

import (
	"strings"
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

func outerRef(i int, name string, depth int) *logical.OuterColumn {
	return &logical.OuterColumn{Index: i, Name: name, Typ: catalog.Int32, Null: true, Depth: depth}
}

func expectContains(t *testing.T, n logical.Node, wants ...string) {
	t.Helper()
	got := explain(n)
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("plan lacks %q:\n%s", w, got)
		}
	}
	if strings.Contains(got, "outer") {
		t.Errorf("plan still references an outer query:\n%s", got)
	}
}

func TestDecorrelateGeneralInequalityCount(t *testing.T) {
	// SELECT (SELECT count(*) FROM b WHERE b.k > a.x) FROM a: the domain DISTINCT x is
	// joined into the subquery, the count grouped by it, COUNT's 0 restored by a left join
	// on the domain, and the result joined back on x IS NOT DISTINCT FROM the domain
	a := scan("a", 100, "x")
	b := scan("b", 10, "k")
	agg := &logical.Aggregate{Input: &logical.Filter{Input: b, Cond: fn("gt", catalog.Bool, colRef(0, "k"), outerRef(0, "x", 0))},
		Aggs: []*logical.AggCall{{Fn: "count", Typ: catalog.Int64}}, Names: []string{"count"}}
	s := logical.NewSubquery(logical.Subquery{Kind: logical.SubScalar, Plan: agg, Typ: catalog.Int64, Correlated: true})
	n := &logical.Project{Input: a, Exprs: []logical.Expr{s}, Names: []string{"c"}}
	out, changed := apply(t, Decorrelate{}, n)
	if !changed {
		t.Fatal("not changed")
	}
	t.Log(explain(out))
	expectContains(t, out,
		"Single Join on is_not_distinct_from(x#0,",
		"Aggregate groups=[x#0] aggs=[]",
		"Filter gt(k#0, x#1)",
		"Aggregate groups=[x#1] aggs=[count(*)]",
		"Left Join on is_not_distinct_from(x#0, x#2)",
		"CASE WHEN is_null(count#1) THEN 0::bigint ELSE count#1 END")
}

func TestDecorrelateGeneralLimit(t *testing.T) {
	// (SELECT k FROM b WHERE b.k < a.x ORDER BY k LIMIT 1): the first row per domain value
	a := scan("a", 100, "x")
	b := scan("b", 10, "k")
	sub := &logical.Limit{Input: &logical.Sort{Input: &logical.Filter{Input: b, Cond: fn("lt", catalog.Bool, colRef(0, "k"), outerRef(0, "x", 0))},
		Keys: []logical.SortKey{{Expr: colRef(0, "k")}}}, Count: &logical.Literal{Typ: catalog.Int64, Value: int64(1)}}
	s := logical.NewSubquery(logical.Subquery{Kind: logical.SubScalar, Plan: sub, Typ: catalog.Int32, Correlated: true})
	n := &logical.Project{Input: a, Exprs: []logical.Expr{s}, Names: []string{"k"}}
	out, _ := apply(t, Decorrelate{}, n)
	expectContains(t, out, "row_number", "Filter and(gt(row_number#2, 0::bigint), lte(row_number#2, 1::bigint))")
}

func TestDecorrelateNestedTwoLevels(t *testing.T) {
	// SELECT (SELECT count(*) FROM b WHERE EXISTS (SELECT 1 FROM c WHERE c.m = b.k AND c.m > a.x)) FROM a:
	// the innermost reference to a.x (Depth 1) becomes a reference of the middle query once
	// the EXISTS is joined into it, and the middle query is then unnested against a
	a := scan("a", 100, "x")
	b := scan("b", 10, "k")
	c := scan("c", 10, "m")
	inner := &logical.Filter{Input: c, Cond: logical.And(eq(colRef(0, "m"), outerRef(0, "k", 0)), fn("gt", catalog.Bool, colRef(0, "m"), outerRef(0, "x", 1)))}
	ex := logical.NewSubquery(logical.Subquery{Kind: logical.SubExists, Plan: inner, Typ: catalog.Bool, Correlated: true})
	agg := &logical.Aggregate{Input: &logical.Filter{Input: b, Cond: ex}, Aggs: []*logical.AggCall{{Fn: "count", Typ: catalog.Int64}}, Names: []string{"count"}}
	s := logical.NewSubquery(logical.Subquery{Kind: logical.SubScalar, Plan: agg, Typ: catalog.Int64, Correlated: true})
	n := &logical.Project{Input: a, Exprs: []logical.Expr{s}, Names: []string{"c"}}
	out, _ := apply(t, Decorrelate{}, n)
	expectContains(t, out, "Semi Join", "Aggregate groups=[x#0] aggs=[]")
}

func TestDecorrelateMarkCorrelationNulls(t *testing.T) {
	// x IN (SELECT v FROM b WHERE b.k = a.y) in the select list: the mark join's NULL is for
	// x = v only; b's NULL keys are filtered out and a NULL a.y gives FALSE
	a := scan("a", 100, "x", "y")
	b := scan("b", 10, "k", "v")
	sub := &logical.Project{Input: &logical.Filter{Input: b, Cond: eq(colRef(0, "k"), outerRef(1, "y", 0))}, Exprs: []logical.Expr{colRef(1, "v")}, Names: []string{"v"}}
	s := logical.NewSubquery(logical.Subquery{Kind: logical.SubIn, Plan: sub, Test: colRef(0, "x"), Cmp: "equal", Typ: catalog.Bool, Correlated: true})
	n := &logical.Project{Input: a, Exprs: []logical.Expr{s}, Names: []string{"in"}}
	out, _ := apply(t, Decorrelate{}, n)
	expectContains(t, out, "CASE WHEN is_null(y#1) THEN false::boolean ELSE mark#2 END", "Filter not(is_null(k#1))", "Mark Join on and(equal(x#0, v#2), equal(k#3, y#1))")
}
