package optimizer

import (
	"testing"

	"github.com/tern-db/tern/planner/logical"
)

func TestJoinBuildSide(t *testing.T) {
	small := scan("small", 10, "a")
	big := scan("big", 1000, "b", "c")
	j := &logical.Join{Left: small, Right: big, Type: logical.JoinInner, Cond: eq(colRef(0, "a"), colRef(1, "b"))}
	out, changed := apply(t, JoinBuildSide{}, j)
	if !changed {
		t.Fatal("rule did not fire")
	}
	expectPlan(t, out, `
Project a#2 AS a, b#0 AS b, c#1 AS c
  Inner Join on equal(a#2, b#0)
    Scan big columns=[b, c] snapshot=0 files=0
    Scan small columns=[a] snapshot=0 files=0`)
	if _, changed := apply(t, JoinBuildSide{}, out); changed {
		t.Error("second run swapped again")
	}
	// unknown estimates: no change
	unk := scan("unk", -1, "x")
	if _, changed := apply(t, JoinBuildSide{}, &logical.Join{Left: unk, Right: big, Type: logical.JoinInner}); changed {
		t.Error("swapped with unknown estimate")
	}
}
