package physical

import "github.com/tern-db/tern/planner/logical"

// RecursiveUnion is WITH RECURSIVE's fixpoint (logical.RecursiveUnion): the executor runs
// Anchor once and Recursive once per iteration over the previous iteration's rows. It runs
// as one stream in one fragment: the exchanges rule gathers its anchor and keeps exchanges
// out of its recursive term (which the executor compiles again per iteration).
type RecursiveUnion struct {
	Anchor, Recursive Node
	ID                int
	All               bool
	Names             []string
}

func (n *RecursiveUnion) logical() *logical.RecursiveUnion {
	return &logical.RecursiveUnion{ID: n.ID, Anchor: leaf(n.Anchor.Schema()), Recursive: leaf(n.Recursive.Schema()), All: n.All, Names: n.Names}
}
func (n *RecursiveUnion) Schema() logical.Schema { return n.logical().Schema() }
func (n *RecursiveUnion) Children() []Node       { return []Node{n.Anchor, n.Recursive} }
func (n *RecursiveUnion) WithChildren(c []Node) Node {
	x := *n
	x.Anchor, x.Recursive = c[0], c[1]
	return &x
}
func (n *RecursiveUnion) Props() Props {
	return Props{Partitioning: SinglePartition, Site: n.Anchor.Props().Site}
}
func (n *RecursiveUnion) Describe() string { return describe(n.logical()) }

// WorkTableScan reads the working table of the enclosing RecursiveUnion with its ID.
type WorkTableScan struct {
	Logical *logical.WorkTableScan
}

func (n *WorkTableScan) Schema() logical.Schema   { return n.Logical.Schema() }
func (n *WorkTableScan) Children() []Node         { return nil }
func (n *WorkTableScan) WithChildren([]Node) Node { return n }
func (n *WorkTableScan) Props() Props {
	return Props{Partitioning: SinglePartition, Site: anySite}
}
func (n *WorkTableScan) Describe() string { return describe(n.Logical) }

// withoutExchanges removes the exchanges of a recursive term: its operators are compiled
// again for every iteration, inside the union's fragment.
func withoutExchanges(n Node) Node {
	if e, ok := n.(*Exchange); ok {
		return withoutExchanges(e.Input)
	}
	kids := n.Children()
	if len(kids) == 0 {
		return n
	}
	nk := make([]Node, len(kids))
	changed := false
	for i, k := range kids {
		nk[i] = withoutExchanges(k)
		changed = changed || nk[i] != k
	}
	if !changed {
		return n
	}
	return n.WithChildren(nk)
}
