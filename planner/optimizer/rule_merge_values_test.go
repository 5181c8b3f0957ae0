package optimizer

import (
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

func TestMergeValues(t *testing.T) {
	v := &logical.Values{Fields: logical.Schema{{Name: "x", Type: catalog.Int32}}, Rows: [][]logical.Expr{{i32(1)}, {i32(2)}}}
	p := &logical.Project{Input: v, Exprs: []logical.Expr{fn("add", catalog.Int32, colRef(0, "x"), i32(10))}, Names: []string{"y"}}
	out, changed := apply(t, MergeValues{}, p)
	if !changed {
		t.Fatal("rule did not fire")
	}
	got := out.(*logical.Values)
	if len(got.Rows) != 2 || got.Rows[1][0].String() != "add(2::integer, 10::integer)" || got.Fields[0].Name != "y" {
		t.Errorf("values %v", got.Rows)
	}
	o := New(DefaultRules()...)
	res, _, err := o.Optimize(p)
	if err != nil {
		t.Fatal(err)
	}
	if s := res.(*logical.Values).Rows[1][0].String(); s != "12::integer" {
		t.Errorf("not folded: %s", s)
	}
}
