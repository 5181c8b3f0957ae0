package logical

// SetOpKind is UNION, INTERSECT or EXCEPT.
type SetOpKind uint8

const (
	SetUnion SetOpKind = iota
	SetIntersect
	SetExcept
)

func (k SetOpKind) String() string { return [...]string{"Union", "Intersect", "Except"}[k] }

// SetOp combines two inputs with identical column types (the binder casts them). Output
// columns are named by Names (the left input's names).
type SetOp struct {
	Left, Right Node
	Op          SetOpKind
	All         bool
	Names       []string
}

func (n *SetOp) Schema() Schema {
	l, r := n.Left.Schema(), n.Right.Schema()
	out := make(Schema, len(l))
	for i, f := range l {
		out[i] = Field{Name: n.Names[i], Type: f.Type, Nullable: f.Nullable || r[i].Nullable}
	}
	return out
}
func (n *SetOp) Children() []Node { return []Node{n.Left, n.Right} }
func (n *SetOp) WithChildren(c []Node) Node {
	x := *n
	x.Left, x.Right = c[0], c[1]
	return &x
}
func (*SetOp) nodeKind() string { return "SetOp" }

// BoundKind is one end of a window frame.
