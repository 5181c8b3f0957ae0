package optimizer

import (
	"strings"
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/native"
	"github.com/tern-db/tern/planner/logical"
)

// scan builds a scan of a table with int32 columns named by cols and rows estimated rows.
func scan(name string, rows int64, cols ...string) *logical.Scan {
	src := &logical.Source{Connector: native.ConnectorName, Table: native.NewTable(nil, catalog.Table{Ref: catalog.TableRef{Name: name}}), Name: name, EstRows: rows}
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

func i32(v int64) *logical.Literal { return &logical.Literal{Typ: catalog.Int32, Value: v} }

func fn(name string, t catalog.Type, args ...logical.Expr) *logical.Call {
	return &logical.Call{Fn: name, Args: args, Typ: t, Null: true}
}

func eq(a, b logical.Expr) logical.Expr { return fn("equal", catalog.Bool, a, b) }

func explain(n logical.Node) string { return strings.Join(logical.Explain(n), "\n") }

func apply(t *testing.T, r Rule, n logical.Node) (logical.Node, bool) {
	t.Helper()
	out, changed, err := r.Apply(&Context{Pass: 1}, n)
	if err != nil {
		t.Fatalf("%s: %v", r.Name(), err)
	}
	if !logical.SameTypes(n.Schema(), out.Schema()) {
		t.Fatalf("%s changed the schema", r.Name())
	}
	return out, changed
}

func expectPlan(t *testing.T, got logical.Node, want string) {
	t.Helper()
	if g := explain(got); g != strings.TrimSpace(want) {
		t.Errorf("plan:\n%s\nwant:\n%s", g, strings.TrimSpace(want))
	}
}
