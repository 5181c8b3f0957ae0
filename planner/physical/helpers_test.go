package physical

import (
	"context"
	"strings"
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

// scan builds a physical scan of a table with int32 columns named by cols and rows estimated rows.
func scan(name string, rows int64, cols ...string) *Scan {
	return &Scan{Logical: lscan(name, rows, cols...)}
}

func lscan(name string, rows int64, cols ...string) *logical.Scan {
	src := &logical.Source{Connector: "native", Name: name, EstRows: rows}
	idx := make([]int, len(cols))
	for i, c := range cols {
		src.Base = append(src.Base, logical.Field{Name: c, Type: catalog.Int32, Nullable: true})
		idx[i] = i
	}
	return &logical.Scan{Source: src, Qualifier: name, Columns: idx}
}

func colRef(i int, name string) *logical.Column {
	return &logical.Column{Index: i, Name: name, Typ: catalog.Int32, Null: true}
}

func fn(name string, t catalog.Type, args ...logical.Expr) *logical.Call {
	return &logical.Call{Fn: name, Args: args, Typ: t, Null: true}
}

func eq(a, b logical.Expr) logical.Expr { return fn("equal", catalog.Bool, a, b) }

// explainPlain renders a plan without props.
func explainPlain(n Node) string {
	var out []string
	var walk func(Node, int)
	walk = func(n Node, d int) {
		out = append(out, strings.Repeat("  ", d)+n.Describe())
		for _, c := range n.Children() {
			walk(c, d+1)
		}
	}
	walk(n, 0)
	return strings.Join(out, "\n")
}

func apply(t *testing.T, r Rule, n Node, opts ...Options) (Node, bool) {
	t.Helper()
	c := &Context{Ctx: context.Background()}
	if len(opts) > 0 {
		c.Options = opts[0]
	}
	out, changed, err := r.Apply(c, n)
	if err != nil {
		t.Fatalf("%s: %v", r.Name(), err)
	}
	if !logical.SameTypes(n.Schema(), out.Schema()) {
		t.Fatalf("%s changed the schema", r.Name())
	}
	return out, changed
}

func expectPlan(t *testing.T, got Node, want string) {
	t.Helper()
	if g := explainPlain(got); g != strings.TrimSpace(want) {
		t.Errorf("plan:\n%s\nwant:\n%s", g, strings.TrimSpace(want))
	}
}

func expectLines(t *testing.T, got []string, want string) {
	t.Helper()
	if g := strings.Join(got, "\n"); g != strings.TrimSpace(want) {
		t.Errorf("got:\n%s\nwant:\n%s", g, strings.TrimSpace(want))
	}
}
