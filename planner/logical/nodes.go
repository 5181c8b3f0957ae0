package logical

import (
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
)

// Node is an immutable logical plan node.
type Node interface {
	Schema() Schema
	Children() []Node
	// WithChildren returns a copy of the node over new children (same count).
	WithChildren(children []Node) Node
	nodeKind() string
}

// Source is what a Scan reads: a connector's table handle (connectors is the only path to
// data) and what the planner knows of it. Handles are shared and read-only; a rewrite copies
// the Source.
type Source struct {
	Connector string           // the connector's name ("native", "files")
	Table     connectors.Table // the handle; nil only in rule tests that never plan splits
	Name      string           // table name or path, for EXPLAIN
	Snapshot  uint64           // the pinned snapshot (native tables), the ScanRequest's
	Base      Schema           // every column of the table, in its order
	EstRows   int64            // estimated row count (-1: unknown)
	// Stats are the table's ANALYZE statistics (native tables; nil if never analysed), for
	// the estimates (estimate.go). Shared and read-only.
	Stats *catalog.TableStats
	// Splits are the planned splits (planner/splits.go, after optimization, with the pushed
	// filters); Planned marks them final, as a DML statement's scan of one file sets them.
	Splits  []connectors.Split
	Planned bool
}

// Scan reads columns Columns (indexes into Source.Base) of a source. Filters are a pruning
// hint over the base schema (Inexact: a Filter above still applies them).
type Scan struct {
	Source    *Source
	Qualifier string
	Columns   []int
	Filters   []Expr // over Source.Base
}

// Values is a constant relation (VALUES, SELECT without FROM). Rows hold constant expressions.
type Values struct {
	Fields Schema
	Rows   [][]Expr
}

// Filter keeps rows where Cond is true.
type Filter struct {
	Input Node
	Cond  Expr
}

// Project computes Exprs over Input; Names (and optional Quals) name the outputs.
type Project struct {
	Input Node
	Exprs []Expr
	Names []string
	Quals []string // qualifier of each output, may be nil
}

// JoinType is a logical join type.
type JoinType uint8

const (
	JoinInner JoinType = iota // Cond nil: cross join
	JoinLeft
	JoinRight
	JoinFull
	JoinSemi
	JoinAnti
	// JoinSingle is a left join for scalar subqueries: at most one right row may match a
	// left row (more is the error "more than one row returned by a subquery used as an
	// expression"); no match gives NULLs.
	JoinSingle
	// JoinMark outputs the left columns plus one nullable boolean: TRUE if some right row
	// matches, NULL if none does but a comparison was NULL, else FALSE (SQL's IN).
	JoinMark
)

func (t JoinType) String() string {
	return [...]string{"Inner", "Left", "Right", "Full", "Semi", "Anti", "Single", "Mark"}[t]
}

// Join joins Left and Right; output is left columns then right columns (Semi/Anti: left only).
// Cond is over that concatenation; nil means true.
type Join struct {
	Left, Right Node
	Type        JoinType
	Cond        Expr
}

// Aggregate groups Input by Groups and computes Aggs; output is groups then aggregates,
// named by Names.
//
// With GroupingSets (indexes into Groups, more than one set) the aggregate computes every
// set: a group column not in a row's set is NULL, and one more int32 output column (named
// by the last of Names) holds the index of the row's set.
type Aggregate struct {
	Input        Node
	Groups       []Expr
	Aggs         []*AggCall
	Names        []string
	Quals        []string // qualifiers of the group outputs (may be nil)
	GroupingSets [][]int
}

// SortKey is one ORDER BY key.
type SortKey struct {
	Expr       Expr
	Desc       bool
	NullsFirst bool
}

// Sort orders Input by Keys.
type Sort struct {
	Input Node
	Keys  []SortKey
}

// Limit skips Offset rows and returns at most Count (nil: all). Offset and Count are constant
// int64 expressions (literals once parameters are substituted).
type Limit struct {
	Input  Node
	Offset Expr
	Count  Expr
}

// ---- schemas

func (n *Scan) Schema() Schema {
	out := make(Schema, len(n.Columns))
	for i, c := range n.Columns {
		f := n.Source.Base[c]
		f.Qualifier = n.Qualifier
		out[i] = f
	}
	return out
}

func (n *Values) Schema() Schema { return n.Fields }

func (n *Filter) Schema() Schema { return n.Input.Schema() }

func (n *Project) Schema() Schema {
	out := make(Schema, len(n.Exprs))
	for i, e := range n.Exprs {
		out[i] = Field{Name: n.Names[i], Type: e.Type(), Nullable: e.Nullable()}
		if n.Quals != nil {
			out[i].Qualifier = n.Quals[i]
		}
	}
	return out
}

func (n *Join) Schema() Schema {
	l, r := n.Left.Schema(), n.Right.Schema()
	switch n.Type {
	case JoinSemi, JoinAnti:
		return l
	case JoinMark:
		return append(append(Schema{}, l...), Field{Name: "mark", Type: catalog.Bool, Nullable: true})
	}
	out := make(Schema, 0, len(l)+len(r))
	for _, f := range l {
		if n.Type == JoinRight || n.Type == JoinFull {
			f.Nullable = true
		}
		out = append(out, f)
	}
	for _, f := range r {
		if n.Type == JoinLeft || n.Type == JoinFull || n.Type == JoinSingle {
			f.Nullable = true
		}
		out = append(out, f)
	}
	return out
}

func (n *Aggregate) Schema() Schema {
	out := make(Schema, 0, len(n.Groups)+len(n.Aggs))
	for i, g := range n.Groups {
		f := Field{Name: n.Names[i], Type: g.Type(), Nullable: g.Nullable()}
		if n.Quals != nil {
			f.Qualifier = n.Quals[i]
		}
		out = append(out, f)
	}
	for i, a := range n.Aggs {
		out = append(out, Field{Name: n.Names[len(n.Groups)+i], Type: a.Typ, Nullable: a.Nullable()})
	}
	if len(n.GroupingSets) > 1 {
		for i := range n.Groups {
			out[i].Nullable = true
		}
		out = append(out, Field{Name: n.Names[len(n.Names)-1], Type: catalog.Int32})
	}
	return out
}

func (n *Sort) Schema() Schema  { return n.Input.Schema() }
func (n *Limit) Schema() Schema { return n.Input.Schema() }

// ---- children

func (n *Scan) Children() []Node      { return nil }
func (n *Values) Children() []Node    { return nil }
func (n *Filter) Children() []Node    { return []Node{n.Input} }
func (n *Project) Children() []Node   { return []Node{n.Input} }
func (n *Join) Children() []Node      { return []Node{n.Left, n.Right} }
func (n *Aggregate) Children() []Node { return []Node{n.Input} }
func (n *Sort) Children() []Node      { return []Node{n.Input} }
func (n *Limit) Children() []Node     { return []Node{n.Input} }

func (n *Scan) WithChildren([]Node) Node   { return n }
func (n *Values) WithChildren([]Node) Node { return n }
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
func (n *Aggregate) WithChildren(c []Node) Node {
	x := *n
	x.Input = c[0]
	return &x
}
func (n *Sort) WithChildren(c []Node) Node {
	x := *n
	x.Input = c[0]
	return &x
}
func (n *Limit) WithChildren(c []Node) Node {
	x := *n
	x.Input = c[0]
	return &x
}

func (*Scan) nodeKind() string      { return "Scan" }
func (*Values) nodeKind() string    { return "Values" }
func (*Filter) nodeKind() string    { return "Filter" }
func (*Project) nodeKind() string   { return "Project" }
func (*Join) nodeKind() string      { return "Join" }
func (*Aggregate) nodeKind() string { return "Aggregate" }
func (*Sort) nodeKind() string      { return "Sort" }
func (*Limit) nodeKind() string     { return "Limit" }

// MapExprs returns n with f applied to each of its own expressions (not its children's).
func MapExprs(n Node, f func(Expr) Expr) Node {
	mapAll := func(es []Expr) []Expr {
		out := make([]Expr, len(es))
		for i, e := range es {
			out[i] = f(e)
		}
		return out
	}
	switch x := n.(type) {
	case *Scan:
		c := *x
		c.Filters = mapAll(x.Filters)
		return &c
	case *Values:
		c := *x
		c.Rows = make([][]Expr, len(x.Rows))
		for i, r := range x.Rows {
			c.Rows[i] = mapAll(r)
		}
		return &c
	case *Filter:
		c := *x
		c.Cond = f(x.Cond)
		return &c
	case *Project:
		c := *x
		c.Exprs = mapAll(x.Exprs)
		return &c
	case *Join:
		c := *x
		if x.Cond != nil {
			c.Cond = f(x.Cond)
		}
		return &c
	case *LateralJoin:
		c := *x
		if x.Cond != nil {
			c.Cond = f(x.Cond)
		}
		return &c
	case *Aggregate:
		c := *x
		c.Groups = mapAll(x.Groups)
		c.Aggs = make([]*AggCall, len(x.Aggs))
		for i, a := range x.Aggs {
			na := *a
			if a.Arg != nil {
				na.Arg = f(a.Arg)
			}
			if a.Filter != nil {
				na.Filter = f(a.Filter)
			}
			if len(a.Extra) > 0 {
				na.Extra = mapAll(a.Extra)
			}
			na.Order = transformKeys(a.Order, f)
			c.Aggs[i] = &na
		}
		return &c
	case *ProjectSet:
		c := *x
		c.Calls = make([]*SetCall, len(x.Calls))
		for i, sc := range x.Calls {
			n := *sc
			n.Args = mapAll(sc.Args)
			c.Calls[i] = &n
		}
		return &c
	case *Window:
		c := *x
		c.Partition = mapAll(x.Partition)
		c.Order = make([]SortKey, len(x.Order))
		for i, k := range x.Order {
			k.Expr = f(k.Expr)
			c.Order[i] = k
		}
		c.Funcs = make([]*WindowFunc, len(x.Funcs))
		for i, w := range x.Funcs {
			nw := *w
			nw.Args = mapAll(w.Args)
			c.Funcs[i] = &nw
		}
		return &c
	case *Sort:
		c := *x
		c.Keys = make([]SortKey, len(x.Keys))
		for i, k := range x.Keys {
			k.Expr = f(k.Expr)
			c.Keys[i] = k
		}
		return &c
	case *Limit:
		c := *x
		if x.Offset != nil {
			c.Offset = f(x.Offset)
		}
		if x.Count != nil {
			c.Count = f(x.Count)
		}
		return &c
	}
	return n
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

// EstimateRows estimates the number of rows n produces (-1: unknown); see estimate.go.
func EstimateRows(n Node) int64 {
	r := estimate(n)
	if r < 0 {
		return -1
	}
	return int64(r + 0.5)
}
