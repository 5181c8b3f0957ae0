package physical

import (
	"testing"

	"github.com/tern-db/tern/planner/logical"
)

func TestJoinBuildSide(t *testing.T) {
	small := scan("small", 10, "a")
	big := scan("big", 1000, "b", "c")
	j := &HashJoin{Left: small, Right: big, Type: logical.JoinInner, LeftKeys: []logical.Expr{colRef(0, "a")},
		RightKeys: []logical.Expr{colRef(0, "b")}, LeftRows: 10, RightRows: 1000}
	out, changed := apply(t, JoinBuildSide{}, j)
	if !changed {
		t.Fatal("rule did not fire")
	}
	expectPlan(t, out, `
Project a#2 AS a, b#0 AS b, c#1 AS c
  HashJoin Inner keys=[b#0 = a#0] build=right
    Scan big columns=[b, c]
    Scan small columns=[a]`)
	if _, changed := apply(t, JoinBuildSide{}, out); changed {
		t.Error("second run swapped again")
	}
	// a nested loop join's condition is remapped too
	nl := &NestedLoopJoin{Left: small, Right: big, Type: logical.JoinInner, Cond: eq(colRef(0, "a"), colRef(2, "c")), LeftRows: 10, RightRows: 1000}
	out, _ = apply(t, JoinBuildSide{}, nl)
	expectPlan(t, out, `
Project a#2 AS a, b#0 AS b, c#1 AS c
  NestedLoopJoin Inner on equal(a#2, c#1)
    Scan big columns=[b, c]
    Scan small columns=[a]`)
	// unknown estimates: no change
	unk := &HashJoin{Left: scan("unk", -1, "x"), Right: big, Type: logical.JoinInner, LeftKeys: []logical.Expr{colRef(0, "x")},
		RightKeys: []logical.Expr{colRef(0, "b")}, LeftRows: -1, RightRows: 1000}
	if _, changed := apply(t, JoinBuildSide{}, unk); changed {
		t.Error("swapped with unknown estimate")
	}
	// outer joins keep their sides
	left := *j
	left.Type = logical.JoinLeft
	if _, changed := apply(t, JoinBuildSide{}, &left); changed {
		t.Error("swapped a left join")
	}
}
