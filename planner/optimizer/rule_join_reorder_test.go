package optimizer

import (
	"strings"
	"testing"

	"github.com/tern-db/tern/planner/logical"
)

func TestJoinReorderAvoidsCrossJoin(t *testing.T) {
	// FROM big, small, mid WHERE big.s = small.s AND big.m = mid.m, written so that the
	// first join is a cross join
	big := scan("big", 1000000, "s", "m")
	small := scan("small", 10, "s")
	mid := scan("mid", 1000, "m")
	j := &logical.Join{Type: logical.JoinInner,
		Left:  &logical.Join{Left: small, Right: mid, Type: logical.JoinInner},
		Right: big,
		Cond:  logical.And(eq(colRef(2, "s"), colRef(0, "s")), eq(colRef(3, "m"), colRef(1, "m")))}
	out, changed := apply(t, JoinReorder{}, j)
	if !changed {
		t.Fatal("not changed")
	}
	got := explain(out)
	if strings.Contains(got, "Cross Join") {
		t.Fatalf("cross join left:\n%s", got)
	}
	// the big table is probed, never built: it is the left input of the top join
	lines := strings.Split(got, "\n")
	if !strings.Contains(lines[0], "Project") || !strings.Contains(got, "Inner Join on equal(s#0, s#3)") {
		t.Errorf("plan:\n%s", got)
	}
	// idempotent
	if _, changed := apply(t, JoinReorder{}, out); changed {
		t.Error("second application changed the plan")
	}
}

func TestJoinReorderLeavesTwoWayJoins(t *testing.T) {
	j := &logical.Join{Left: scan("a", 10, "x"), Right: scan("b", 1000, "y"), Type: logical.JoinInner, Cond: eq(colRef(0, "x"), colRef(1, "y"))}
	if _, changed := apply(t, JoinReorder{}, j); changed {
		t.Error("two-way join reordered (the build side rule decides)")
	}
}
