package physical

import (
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

// After join_build_side swaps a join, the projection restoring its column order is narrowed
// to what the plan above reads, so the join keys do not travel up.
func TestPruneColumnsNarrowsSwappedJoin(t *testing.T) {
	small := scan("small", 10, "a", "x")
	big := scan("big", 1000, "b")
	j := &HashJoin{Left: small, Right: big, Type: logical.JoinInner, LeftKeys: []logical.Expr{colRef(0, "a")},
		RightKeys: []logical.Expr{colRef(0, "b")}, LeftRows: 10, RightRows: 1000}
	agg := &HashAggregate{Input: j, Groups: []logical.Expr{colRef(1, "x")},
		Aggs: []*logical.AggCall{{Fn: "count", Typ: catalog.Int64}}, Names: []string{"x", "count"}}
	swapped, _ := apply(t, JoinBuildSide{}, agg)
	out, changed := apply(t, PruneColumns{}, swapped)
	if !changed {
		t.Fatal("nothing pruned")
	}
	expectPlan(t, out, `
HashAggregate groups=[x#0] aggs=[count(*)]
  Project x#2 AS x
    HashJoin Inner keys=[b#0 = a#0] build=right
      Scan big columns=[b]
      Scan small columns=[a, x]`)
	if _, changed := apply(t, PruneColumns{}, out); changed {
		t.Error("pruned again")
	}
}
