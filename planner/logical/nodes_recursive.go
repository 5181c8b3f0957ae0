package logical

// RecursiveUnion is WITH RECURSIVE's fixpoint: Anchor (the non-recursive term) runs once,
// then Recursive runs again and again, each time with WorkTableScan nodes of the same ID
// reading the rows the previous run produced, until a run produces no rows. The output is
// every run's rows (the anchor's first). With All false (UNION), rows equal to one already
// produced, in any run, are dropped, so a cyclic graph ends. The binder casts the recursive
// term to the anchor's types; Names are the CTE's column names.
type RecursiveUnion struct {
	ID        int
	Anchor    Node
	Recursive Node
	All       bool
	Names     []string
}

func (n *RecursiveUnion) Schema() Schema {
	a, r := n.Anchor.Schema(), n.Recursive.Schema()
	out := make(Schema, len(a))
	for i, f := range a {
		out[i] = Field{Name: n.Names[i], Type: f.Type, Nullable: f.Nullable || r[i].Nullable}
	}
	return out
}
func (n *RecursiveUnion) Children() []Node { return []Node{n.Anchor, n.Recursive} }
func (n *RecursiveUnion) WithChildren(c []Node) Node {
	x := *n
	x.Anchor, x.Recursive = c[0], c[1]
	return &x
}
func (*RecursiveUnion) nodeKind() string { return "RecursiveUnion" }

// WorkTableScan reads the working table of the RecursiveUnion with the same ID: the rows
// its previous iteration produced. It only appears inside that union's recursive term.
// Its columns are nullable (the recursive term may produce NULLs the anchor does not).
type WorkTableScan struct {
	ID        int
	Qualifier string
	Fields    Schema
}

func (n *WorkTableScan) Schema() Schema {
	out := make(Schema, len(n.Fields))
	for i, f := range n.Fields {
		out[i] = Field{Name: f.Name, Qualifier: n.Qualifier, Type: f.Type, Nullable: true}
	}
	return out
}
func (n *WorkTableScan) Children() []Node         { return nil }
func (n *WorkTableScan) WithChildren([]Node) Node { return n }
func (*WorkTableScan) nodeKind() string           { return "WorkTableScan" }

// LateralJoin joins Left with Right where Right (a LATERAL subquery or a function in FROM)
// may reference Left's columns through OuterColumn (Depth 0: an index into Left's schema).
// Type is JoinInner or JoinLeft; Cond is over Left's columns then Right's. The
// decorrelation rule turns it into an ordinary join (Neumann and Kemper's dependent join):
// no LateralJoin survives optimization.
type LateralJoin struct {
	Left, Right Node
	Type        JoinType
	Cond        Expr
}

func (n *LateralJoin) Schema() Schema {
	return (&Join{Left: n.Left, Right: n.Right, Type: n.Type, Cond: n.Cond}).Schema()
}
func (n *LateralJoin) Children() []Node { return []Node{n.Left, n.Right} }
func (n *LateralJoin) WithChildren(c []Node) Node {
	x := *n
	x.Left, x.Right = c[0], c[1]
	return &x
}
func (*LateralJoin) nodeKind() string { return "LateralJoin" }
