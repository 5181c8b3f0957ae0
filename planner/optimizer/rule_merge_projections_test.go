package optimizer

import (
	"strings"
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

func TestMergeProjections(t *testing.T) {
	s := scan("t", 10, "a", "b")
	inner := &logical.Project{Input: s, Exprs: []logical.Expr{colRef(1, "b"), colRef(0, "a")}, Names: []string{"b", "a"}}
	outer := &logical.Project{Input: inner, Exprs: []logical.Expr{fn("add", catalog.Int32, colRef(1, "a"), colRef(0, "b"))}, Names: []string{"s"}}
	out, changed := apply(t, MergeProjections{}, outer)
	if !changed {
		t.Fatal("rule did not fire")
	}
	expectPlan(t, out, `
Project add(a#0, b#1) AS s
  Scan t columns=[a, b] snapshot=0 files=0`)
	// identity projection removed
	id := &logical.Project{Input: s, Exprs: []logical.Expr{colRef(0, "a"), colRef(1, "b")}, Names: []string{"a", "b"}}
	if out, _ := apply(t, MergeProjections{}, id); out != logical.Node(s) {
		t.Errorf("identity kept: %s", explain(out))
	}
	// computed inner expressions are not duplicated
	comp := &logical.Project{Input: s, Exprs: []logical.Expr{fn("add", catalog.Int32, colRef(0, "a"), i32(1))}, Names: []string{"x"}}
	top := &logical.Project{Input: comp, Exprs: []logical.Expr{colRef(0, "x"), colRef(0, "x")}, Names: []string{"x", "y"}}
	if _, changed := apply(t, MergeProjections{}, top); changed {
		t.Error("merged a computed projection")
	}
}

// TestOptimizerChecksSchema checks that a rule changing output types is refused by name.
func TestOptimizerChecksSchema(t *testing.T) {
	o := New(badRule{})
	_, _, err := o.Optimize(scan("t", 1, "a"))
	if err == nil || !strings.Contains(err.Error(), "bad_rule") {
		t.Errorf("got %v", err)
	}
}

type badRule struct{}

func (badRule) Name() string { return "bad_rule" }
func (badRule) Apply(_ *Context, n logical.Node) (logical.Node, bool, error) {
	return &logical.Project{Input: n, Exprs: []logical.Expr{&logical.Literal{Typ: catalog.Text, Value: "x"}}, Names: []string{"x"}}, true, nil
}
