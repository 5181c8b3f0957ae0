package physical

import "github.com/tern-db/tern/planner/logical"

// ProjectSet evaluates set-returning functions per input row (logical.ProjectSet). It works
// row by row, so it keeps its input's partitioning and site.
type ProjectSet struct {
	Input      Node
	Calls      []*logical.SetCall
	Names      []string
	Ordinality bool
}

func (n *ProjectSet) logical() *logical.ProjectSet {
	return &logical.ProjectSet{Input: leaf(n.Input.Schema()), Calls: n.Calls, Names: n.Names, Ordinality: n.Ordinality}
}
func (n *ProjectSet) Schema() logical.Schema { return n.logical().Schema() }
func (n *ProjectSet) Children() []Node       { return []Node{n.Input} }
func (n *ProjectSet) WithChildren(c []Node) Node {
	x := *n
	x.Input = c[0]
	return &x
}
func (n *ProjectSet) Props() Props {
	p := n.Input.Props()
	return Props{Partitioning: p.Partitioning, Site: p.Site}
}
func (n *ProjectSet) Describe() string { return describe(n.logical()) }
