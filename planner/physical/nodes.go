package physical

import (
	"github.com/tern-db/tern/planner/logical"
)

// Node is an immutable physical plan node. Schema and Props are derived from the node and
// its children on demand (as logical schemas are), so a rewrite by copy can never leave them
// stale.
type Node interface {
	Schema() logical.Schema
	Props() Props
	Children() []Node
	// WithChildren returns a copy of the node over new children (same count).
	WithChildren(children []Node) Node
	// Describe is the node's one-line rendering for EXPLAIN (without its props).
	Describe() string
}

// leaf stands in for a child when a logical node computes a physical node's schema: the
// output schemas of joins, aggregates, windows and set operations are defined once, in
// planner/logical.
func leaf(s logical.Schema) logical.Node { return &logical.Values{Fields: s} }

// Scan reads a source through its logical scan, which planner/substrait produces as it is
// (the scan's contents belong to the connectors).
type Scan struct {
	Logical *logical.Scan
}

// Values is a constant relation.
type Values struct {
	Logical *logical.Values
}

// Filter keeps the rows where Cond is true.
type Filter struct {
	Input Node
	Cond  logical.Expr
}

// Project computes Exprs over Input.
type Project struct {
	Input Node
	Exprs []logical.Expr
	Names []string
	Quals []string
}

// Join is a logical join whose strategy is not chosen yet; the join_strategy rule replaces
// every Join with a HashJoin or a NestedLoopJoin, and the producer refuses a Join.
type Join struct {
	Left, Right Node
	Type        logical.JoinType
	Cond        logical.Expr
	// LeftRows and RightRows are the inputs' estimated row counts (-1: unknown), taken from
	// the logical plan when it was lowered.
	LeftRows, RightRows int64
}

// Side names a join input.
type Side uint8

const (
	BuildRight Side = iota // the executor's hash join builds its right input
	BuildLeft
)

// HashJoin joins on equality of LeftKeys[i] (over Left) and RightKeys[i] (over Right),
// building a hash table of the Build side; Residual (over the left then right columns, nil:
// none) is checked for each key match. Output columns as logical.Join's.
type HashJoin struct {
	Left, Right         Node
	Type                logical.JoinType
	LeftKeys, RightKeys []logical.Expr
	NullEqual           []bool // per key: IS NOT DISTINCT FROM (NULL matches NULL); nil: all plain equality
	Residual            logical.Expr
	Build               Side
	LeftRows, RightRows int64
}

// NestedLoopJoin compares every left row with every right row (joins without equi keys;
// Cond nil: a cross join).
type NestedLoopJoin struct {
	Left, Right         Node
	Type                logical.JoinType
	Cond                logical.Expr
	LeftRows, RightRows int64
}

// Aggregate is a logical aggregate whose strategy is not chosen yet (aggregate_strategy
// replaces it).
type Aggregate struct {
	Input        Node
	Groups       []logical.Expr
	Aggs         []*logical.AggCall
	Names        []string
	Quals        []string
	GroupingSets [][]int
}

// HashAggregate groups in a hash table (the executor's one aggregate strategy; grouping
// sets are computed by expanding the input once per set).
type HashAggregate struct {
	Input        Node
	Groups       []logical.Expr
	Aggs         []*logical.AggCall
	Names        []string
	Quals        []string
	GroupingSets [][]int
}

// Sort orders its input.
type Sort struct {
	Input Node
	Keys  []logical.SortKey
}

// TopN is a sort that keeps Count rows after skipping Offset (constant int64 expressions).
type TopN struct {
	Input         Node
	Keys          []logical.SortKey
	Offset, Count logical.Expr
}

// Limit skips Offset rows and returns at most Count (nil: all).
type Limit struct {
	Input         Node
	Offset, Count logical.Expr
}

// SetOp is UNION, INTERSECT or EXCEPT.
type SetOp struct {
	Left, Right Node
	Op          logical.SetOpKind
	All         bool
	Names       []string
}

// Window computes window functions over one partitioning and ordering.
type Window struct {
	Input     Node
	Partition []logical.Expr
	Order     []logical.SortKey
	Funcs     []*logical.WindowFunc
	Names     []string
}

// ExchangeKind says how rows cross an exchange.
type ExchangeKind uint8

const (
	Gather         ExchangeKind = iota // all partitions into one
	BroadcastRows                      // every row to every partition
	HashRows                           // by the hash of Keys
	RoundRobinRows                     // dealt in turn
	Merge                              // a gather keeping SortKeys' order
)

func (k ExchangeKind) String() string {
	return [...]string{"gather", "broadcast", "hash", "round-robin", "merge"}[k]
}

// Exchange moves its input's rows to Partitions partitions (Gather and Merge: one). The
// fragmenter cuts the plan here.
type Exchange struct {
	Input      Node
	Kind       ExchangeKind
	Keys       []int             // HashRows: input columns
	SortKeys   []logical.SortKey // Merge: column keys
	Partitions int
}

// ExchangeSink ends a fragment: the producer side of Exchange.
type ExchangeSink struct {
	Input    Node
	Exchange *Exchange // Input unused: the exchange's kind, keys and partitions
}

// RemoteSource starts a fragment: it reads the output of fragment Fragment, which runs as
// SourcePartitions partitions and ends with Exchange's sink.
type RemoteSource struct {
	Fragment         int
	SourcePartitions int
	Exchange         *Exchange
	Fields           logical.Schema
}

// ---- schemas

func (n *Scan) Schema() logical.Schema   { return n.Logical.Schema() }
func (n *Values) Schema() logical.Schema { return n.Logical.Schema() }
func (n *Filter) Schema() logical.Schema { return n.Input.Schema() }
func (n *Project) Schema() logical.Schema {
	return (&logical.Project{Input: leaf(n.Input.Schema()), Exprs: n.Exprs, Names: n.Names, Quals: n.Quals}).Schema()
}
func joinSchema(l, r Node, t logical.JoinType) logical.Schema {
	return (&logical.Join{Left: leaf(l.Schema()), Right: leaf(r.Schema()), Type: t}).Schema()
}
func (n *Join) Schema() logical.Schema           { return joinSchema(n.Left, n.Right, n.Type) }
func (n *HashJoin) Schema() logical.Schema       { return joinSchema(n.Left, n.Right, n.Type) }
func (n *NestedLoopJoin) Schema() logical.Schema { return joinSchema(n.Left, n.Right, n.Type) }
func (n *Aggregate) Schema() logical.Schema      { return n.logical().Schema() }
func (n *HashAggregate) Schema() logical.Schema  { return (*Aggregate)(n).logical().Schema() }
func (n *Aggregate) logical() *logical.Aggregate {
	return &logical.Aggregate{Input: leaf(n.Input.Schema()), Groups: n.Groups, Aggs: n.Aggs, Names: n.Names, Quals: n.Quals, GroupingSets: n.GroupingSets}
}
func (n *Sort) Schema() logical.Schema  { return n.Input.Schema() }
func (n *TopN) Schema() logical.Schema  { return n.Input.Schema() }
func (n *Limit) Schema() logical.Schema { return n.Input.Schema() }
func (n *SetOp) Schema() logical.Schema {
	return (&logical.SetOp{Left: leaf(n.Left.Schema()), Right: leaf(n.Right.Schema()), Op: n.Op, All: n.All, Names: n.Names}).Schema()
}
func (n *Window) Schema() logical.Schema {
	return (&logical.Window{Input: leaf(n.Input.Schema()), Partition: n.Partition, Order: n.Order, Funcs: n.Funcs, Names: n.Names}).Schema()
}
func (n *Exchange) Schema() logical.Schema     { return n.Input.Schema() }
func (n *ExchangeSink) Schema() logical.Schema { return n.Input.Schema() }
func (n *RemoteSource) Schema() logical.Schema { return n.Fields }

// ---- children

func (n *Scan) Children() []Node           { return nil }
func (n *Values) Children() []Node         { return nil }
func (n *Filter) Children() []Node         { return []Node{n.Input} }
func (n *Project) Children() []Node        { return []Node{n.Input} }
func (n *Join) Children() []Node           { return []Node{n.Left, n.Right} }
func (n *HashJoin) Children() []Node       { return []Node{n.Left, n.Right} }
func (n *NestedLoopJoin) Children() []Node { return []Node{n.Left, n.Right} }
func (n *Aggregate) Children() []Node      { return []Node{n.Input} }
func (n *HashAggregate) Children() []Node  { return []Node{n.Input} }
func (n *Sort) Children() []Node           { return []Node{n.Input} }
func (n *TopN) Children() []Node           { return []Node{n.Input} }
func (n *Limit) Children() []Node          { return []Node{n.Input} }
func (n *SetOp) Children() []Node          { return []Node{n.Left, n.Right} }
func (n *Window) Children() []Node         { return []Node{n.Input} }
func (n *Exchange) Children() []Node       { return []Node{n.Input} }
func (n *ExchangeSink) Children() []Node   { return []Node{n.Input} }
func (n *RemoteSource) Children() []Node   { return nil }

func (n *Scan) WithChildren([]Node) Node         { return n }
func (n *Values) WithChildren([]Node) Node       { return n }
func (n *RemoteSource) WithChildren([]Node) Node { return n }
func (n *Filter) WithChildren(c []Node) Node {
	x := *n
	x.Input = c[0]
	return &x
}
func (n *Project) WithChildren(c []Node) Node {
	x := *n
	x.Input = c[0]
	return &x
}
func (n *Join) WithChildren(c []Node) Node {
	x := *n
	x.Left, x.Right = c[0], c[1]
	return &x
}
func (n *HashJoin) WithChildren(c []Node) Node {
	x := *n
	x.Left, x.Right = c[0], c[1]
	return &x
}
func (n *NestedLoopJoin) WithChildren(c []Node) Node {
	x := *n
	x.Left, x.Right = c[0], c[1]
	return &x
}
func (n *Aggregate) WithChildren(c []Node) Node {
	x := *n
	x.Input = c[0]
	return &x
}
func (n *HashAggregate) WithChildren(c []Node) Node {
	x := *n
	x.Input = c[0]
	return &x
}
func (n *Sort) WithChildren(c []Node) Node {
	x := *n
	x.Input = c[0]
	return &x
}
func (n *TopN) WithChildren(c []Node) Node {
	x := *n
	x.Input = c[0]
	return &x
}
func (n *Limit) WithChildren(c []Node) Node {
	x := *n
	x.Input = c[0]
	return &x
}
func (n *SetOp) WithChildren(c []Node) Node {
	x := *n
	x.Left, x.Right = c[0], c[1]
	return &x
}
func (n *Window) WithChildren(c []Node) Node {
	x := *n
	x.Input = c[0]
	return &x
}
func (n *Exchange) WithChildren(c []Node) Node {
	x := *n
	x.Input = c[0]
	return &x
}
func (n *ExchangeSink) WithChildren(c []Node) Node {
	x := *n
	x.Input = c[0]
	return &x
}

// TransformUp rewrites the tree bottom-up with f.
func TransformUp(n Node, f func(Node) (Node, error)) (Node, error) {
	kids := n.Children()
	if len(kids) > 0 {
		nk := make([]Node, len(kids))
		changed := false
		for i, k := range kids {
			c, err := TransformUp(k, f)
			if err != nil {
				return nil, err
			}
			nk[i] = c
			changed = changed || c != k
		}
		if changed {
			n = n.WithChildren(nk)
		}
	}
	return f(n)
}
