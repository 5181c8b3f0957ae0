package logical

import (
	"github.com/tern-db/tern/catalog"
)

// SetCall is a set-returning function call (functions.SetFunc, named by its ID). In the
// select list it is a placeholder during binding, replaced by a column of a ProjectSet.
type SetCall struct {
	Fn   string
	Args []Expr
	Typ  catalog.Type
}

func (*SetCall) exprNode()            {}
func (e *SetCall) Type() catalog.Type { return e.Typ }
func (e *SetCall) Nullable() bool     { return true }
func (e *SetCall) String() string     { return e.Fn + "(" + exprList(e.Args) + ")" }

// ProjectSet evaluates set-returning functions per input row (PostgreSQL 10's lockstep rules:
// one output row per element of the row's longest set, shorter sets padded with NULL, no row
// when every set is empty). Output: the input columns, one column per call (named by
// Names), then the element's ordinal (bigint from 1) with Ordinality.
type ProjectSet struct {
	Input      Node
	Calls      []*SetCall
	Names      []string
	Ordinality bool
}

func (n *ProjectSet) Schema() Schema {
	out := append(Schema{}, n.Input.Schema()...)
	for i, c := range n.Calls {
		out = append(out, Field{Name: n.Names[i], Type: c.Typ, Nullable: true})
	}
	if n.Ordinality {
		out = append(out, Field{Name: "ordinality", Type: catalog.Int64})
	}
	return out
}
func (n *ProjectSet) Children() []Node { return []Node{n.Input} }
func (n *ProjectSet) WithChildren(c []Node) Node {
	x := *n
	x.Input = c[0]
	return &x
}
func (*ProjectSet) nodeKind() string { return "ProjectSet" }
