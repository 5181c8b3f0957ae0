package logical

import (
	"fmt"
	"strings"

	"github.com/tern-db/tern/catalog"
)

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
type BoundKind uint8

const (
	UnboundedPreceding BoundKind = iota
	Preceding                    // Offset rows (ROWS) or value distance (RANGE) before
	CurrentRow
	Following
	UnboundedFollowing
)

// Bound is one end of a window frame.
type Bound struct {
	Kind   BoundKind
	Offset int64
}

// Frame is a window frame; the binder always sets it (PostgreSQL's default being RANGE
// UNBOUNDED PRECEDING .. CURRENT ROW with ORDER BY and the whole partition without).
type Frame struct {
	Rows       bool // ROWS; false: RANGE
	Start, End Bound
}

func (b Bound) String() string {
	switch b.Kind {
	case UnboundedPreceding:
		return "UNBOUNDED PRECEDING"
	case Preceding:
		return fmt.Sprintf("%d PRECEDING", b.Offset)
	case CurrentRow:
		return "CURRENT ROW"
	case Following:
		return fmt.Sprintf("%d FOLLOWING", b.Offset)
	}
	return "UNBOUNDED FOLLOWING"
}

func (f Frame) String() string {
	k := "RANGE"
	if f.Rows {
		k = "ROWS"
	}
	return k + " BETWEEN " + f.Start.String() + " AND " + f.End.String()
}

// WindowFunc is one window function of a Window node: a ranking/offset function
// (row_number, rank, dense_rank, lag, lead, first_value, last_value, ...) or an aggregate.
type WindowFunc struct {
	Fn    string
	Args  []Expr
	Typ   catalog.Type
	Frame Frame
	Agg   bool // an aggregate function used as a window function
}

func (w *WindowFunc) String() string {
	args := make([]string, len(w.Args))
	for i, a := range w.Args {
		args[i] = a.String()
	}
	return w.Fn + "(" + strings.Join(args, ", ") + ") " + w.Frame.String()
}

// Window computes window functions sharing one partitioning and ordering. Output: the input
// columns then one column per function (named by Names).
type Window struct {
	Input     Node
	Partition []Expr
	Order     []SortKey
	Funcs     []*WindowFunc
	Names     []string
}

func (n *Window) Schema() Schema {
	out := append(Schema{}, n.Input.Schema()...)
	for i, f := range n.Funcs {
		null := true
		switch f.Fn {
		case "row_number", "rank", "dense_rank", "count", "percent_rank", "cume_dist", "ntile":
			null = f.Fn == "ntile"
		}
		out = append(out, Field{Name: n.Names[i], Type: f.Typ, Nullable: null})
	}
	return out
}
func (n *Window) Children() []Node { return []Node{n.Input} }
func (n *Window) WithChildren(c []Node) Node {
	x := *n
	x.Input = c[0]
	return &x
}
func (*Window) nodeKind() string { return "Window" }

// ---- subquery expressions (bound, then removed by the decorrelation rule)

// SubqueryKind says how a subquery is used.
type SubqueryKind uint8

const (
	SubScalar SubqueryKind = iota // (SELECT ...) as a value
	SubExists                     // EXISTS (SELECT ...)
	SubIn                         // Test Cmp ANY (SELECT ...): IN is Cmp "equal"
	SubAll                        // Test Cmp ALL (SELECT ...)
)

// Subquery is a subquery used as an expression. Plan may reference the enclosing query's
// columns through OuterColumn (indexes into the input of the node holding this expression).
// For SubIn/SubAll, Test (over that input) is compared with Cmp to the plan's only column;
// both already have the same type.
type Subquery struct {
	Kind       SubqueryKind
	Plan       Node
	Test       Expr
	Cmp        string
	Typ        catalog.Type
	Correlated bool
	id         int
}

var subqueryIDs int

// NewSubquery returns a subquery expression with a unique identity (its String key).
func NewSubquery(s Subquery) *Subquery {
	subqueryIDs++
	s.id = subqueryIDs
	return &s
}

func (*Subquery) exprNode()            {}
func (e *Subquery) Type() catalog.Type { return e.Typ }
func (e *Subquery) Nullable() bool     { return e.Kind != SubExists }
func (e *Subquery) String() string {
	k := [...]string{"scalar", "exists", "any", "all"}[e.Kind]
	s := fmt.Sprintf("subquery#%d(%s", e.id, k)
	if e.Test != nil {
		s += " " + e.Test.String() + " " + e.Cmp
	}
	return s + ")"
}

// OuterColumn references column Index of the input of the node that holds the subquery
// expression whose plan contains it (one level out).
type OuterColumn struct {
	Index int
	Name  string
	Typ   catalog.Type
	Null  bool
}

func (*OuterColumn) exprNode()            {}
func (e *OuterColumn) Type() catalog.Type { return e.Typ }
func (e *OuterColumn) Nullable() bool     { return e.Null }
func (e *OuterColumn) String() string     { return fmt.Sprintf("outer.%s#%d", e.Name, e.Index) }

// HasOuter reports whether e references an enclosing query.
func HasOuter(e Expr) bool {
	found := false
	Walk(e, func(x Expr) bool {
		if _, ok := x.(*OuterColumn); ok {
			found = true
		}
		return !found
	})
	return found
}

// HasSubquery reports whether e contains a subquery expression.
func HasSubquery(e Expr) bool {
	found := false
	Walk(e, func(x Expr) bool {
		if _, ok := x.(*Subquery); ok {
			found = true
		}
		return !found
	})
	return found
}

// WindowCall is a window function call during binding; the binder replaces it with a
// column of a Window node.
type WindowCall struct {
	Func      *WindowFunc
	Partition []Expr
	Order     []SortKey
}

func (*WindowCall) exprNode()            {}
func (e *WindowCall) Type() catalog.Type { return e.Func.Typ }
func (e *WindowCall) Nullable() bool     { return true }
func (e *WindowCall) String() string {
	return e.Func.String() + " OVER (" + exprList(e.Partition) + " | " + sortKeys(e.Order) + ")"
}

// Spec is the key of the window (partitioning and ordering) e runs over.
func (e *WindowCall) Spec() string {
	return exprList(e.Partition) + " | " + sortKeys(e.Order)
}
