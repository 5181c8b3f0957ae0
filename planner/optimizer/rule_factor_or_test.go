package optimizer

import (
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

func TestFactorOr(t *testing.T) {
	// (k = j AND a > 1) OR (k = j AND a < 0)  ->  k = j AND (a > 1 OR a < 0)
	k := eq(colRef(0, "k"), colRef(2, "j"))
	or := fn("or", catalog.Bool,
		logical.And(k, fn("gt", catalog.Bool, colRef(1, "a"), i32(1))),
		logical.And(k, fn("lt", catalog.Bool, colRef(1, "a"), i32(0))))
	j := &logical.Join{Left: scan("l", 10, "k", "a"), Right: scan("r", 10, "j"), Type: logical.JoinInner, Cond: or}
	out, changed := apply(t, FactorOr{}, j)
	if !changed {
		t.Fatal("not changed")
	}
	expectPlan(t, out, `
Inner Join on and(equal(k#0, j#2), or(gt(a#1, 1::integer), lt(a#1, 0::integer)))
  Scan l columns=[k, a] snapshot=0 files=0
  Scan r columns=[j] snapshot=0 files=0`)
}
