package physical

import (
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

func TestTopNMovesLimitToSort(t *testing.T) {
	s := &Sort{Input: scan("t", 100, "a", "b"), Keys: []logical.SortKey{{Expr: colRef(1, "b")}}}
	p := &Project{Input: s, Exprs: []logical.Expr{colRef(0, "a")}, Names: []string{"a"}}
	five := &logical.Literal{Typ: catalog.Int64, Value: int64(5)}
	l := &Limit{Input: p, Count: five}
	out, changed := apply(t, TopNRule{}, l)
	if !changed {
		t.Fatal("not changed")
	}
	expectPlan(t, out, `
Project a#0 AS a
  TopN b#1 ASC NULLS LAST count=5::bigint
    Scan t columns=[a, b]`)
	// directly over the sort
	out, _ = apply(t, TopNRule{}, &Limit{Input: s, Count: five})
	expectPlan(t, out, `
TopN b#1 ASC NULLS LAST count=5::bigint
  Scan t columns=[a, b]`)
	// an OFFSET alone stays a limit over the sort; a computing projection blocks the rule
	if _, changed := apply(t, TopNRule{}, &Limit{Input: s, Offset: five}); changed {
		t.Error("offset-only limit became a top-N")
	}
	calc := &Project{Input: s, Exprs: []logical.Expr{fn("add", catalog.Int32, colRef(0, "a"), colRef(1, "b"))}, Names: []string{"x"}}
	if _, changed := apply(t, TopNRule{}, &Limit{Input: calc, Count: five}); changed {
		t.Error("moved a limit below a computing projection")
	}
}
