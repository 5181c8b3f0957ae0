package physical

import (
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

func TestJoinStrategy(t *testing.T) {
	l, r := scan("l", 10, "a", "b"), scan("r", 10, "c")
	gt := fn("gt", catalog.Bool, colRef(1, "b"), colRef(2, "c"))
	// equi key (either orientation) plus a residual: hash join, right keys over the right input
	j := &Join{Left: l, Right: r, Type: logical.JoinLeft, Cond: logical.And(eq(colRef(2, "c"), colRef(0, "a")), gt)}
	out, changed := apply(t, JoinStrategy{}, j)
	if !changed {
		t.Fatal("no strategy chosen")
	}
	expectPlan(t, out, `
HashJoin Left keys=[a#0 = c#0] residual=gt(b#1, c#2) build=right
  Scan l columns=[a, b]
  Scan r columns=[c]`)
	// no equality across the inputs: nested loop
	out, _ = apply(t, JoinStrategy{}, &Join{Left: l, Right: r, Type: logical.JoinInner, Cond: gt})
	expectPlan(t, out, `
NestedLoopJoin Inner on gt(b#1, c#2)
  Scan l columns=[a, b]
  Scan r columns=[c]`)
	// an equality within one input is not a key
	out, _ = apply(t, JoinStrategy{}, &Join{Left: l, Right: r, Type: logical.JoinInner, Cond: eq(colRef(0, "a"), colRef(1, "b"))})
	if _, ok := out.(*NestedLoopJoin); !ok {
		t.Errorf("one-sided equality became a key: %s", out.Describe())
	}
	// IS NOT DISTINCT FROM is a key that matches NULL with NULL
	nd := &logical.Call{Fn: "is_not_distinct_from", Args: []logical.Expr{colRef(0, "a"), colRef(2, "c")}, Typ: catalog.Bool}
	out, _ = apply(t, JoinStrategy{}, &Join{Left: l, Right: r, Type: logical.JoinSingle, Cond: logical.And(eq(colRef(1, "b"), colRef(2, "c")), nd)})
	expectPlan(t, out, `
HashJoin Single keys=[b#1 = c#0, a#0 <=> c#0] build=right
  Scan l columns=[a, b]
  Scan r columns=[c]`)
	if h := out.(*HashJoin); len(h.NullEqual) != 2 || h.NullEqual[0] || !h.NullEqual[1] {
		t.Errorf("NullEqual = %v, want [false true]", h.NullEqual)
	}
	if err := check(j); err == nil {
		t.Error("check accepted a join without a strategy")
	}
}

func TestAggregateStrategy(t *testing.T) {
	a := &Aggregate{Input: scan("t", 10, "a"), Groups: []logical.Expr{colRef(0, "a")}, Names: []string{"a"}}
	out, changed := apply(t, AggregateStrategy{}, a)
	if _, ok := out.(*HashAggregate); !ok || !changed {
		t.Fatalf("got %s", out.Describe())
	}
}
