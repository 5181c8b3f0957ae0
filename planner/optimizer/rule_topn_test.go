package optimizer

import (
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

func TestTopNMovesLimitToSort(t *testing.T) {
	s := &logical.Sort{Input: scan("t", 100, "a", "b"), Keys: []logical.SortKey{{Expr: colRef(1, "b")}}}
	p := &logical.Project{Input: s, Exprs: []logical.Expr{colRef(0, "a")}, Names: []string{"a"}}
	l := &logical.Limit{Input: p, Count: &logical.Literal{Typ: catalog.Int64, Value: int64(5)}}
	out, changed := apply(t, TopN{}, l)
	if !changed {
		t.Fatal("not changed")
	}
	expectPlan(t, out, `
Project a#0 AS a
  Limit count=5::bigint
    Sort b#1 ASC NULLS LAST
      Scan t columns=[a, b] snapshot=0 files=0`)
}
