package logical

import (
	"fmt"
	"strings"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/proto"
)

type BoundKind uint8

const (
	UnboundedPreceding BoundKind = iota
	Preceding                    // Offset rows (ROWS) or value distance (RANGE) before
	CurrentRow
	Following
	UnboundedFollowing
)

// Bound is one end of a window frame. Offset is a row count (ROWS), a peer-group count
// (GROUPS) or a distance in an integer order key's units (RANGE); a RANGE frame over a
// float or numeric key keeps its distance in Num (NumOffset set), over a date or timestamp
// key in Span (PostgreSQL's in_range rules: the offset's type follows the key's).
type Bound struct {
	Kind      BoundKind
	Offset    int64
	Num       float64
	NumOffset bool
	Span      *Interval
}

// Exclude is a frame's EXCLUDE clause.
type Exclude uint8

const (
	ExcludeNoOthers Exclude = iota
	ExcludeCurrentRow
	ExcludeGroup
	ExcludeTies
)

// Frame is a window frame; the binder always sets it (PostgreSQL's default being RANGE
// UNBOUNDED PRECEDING .. CURRENT ROW with ORDER BY and the whole partition without).
type Frame struct {
	Rows       bool // ROWS; false: RANGE (or GROUPS)
	Groups     bool // GROUPS: offsets count peer groups
	Start, End Bound
	Exclude    Exclude
}

func (b Bound) String() string {
	switch b.Kind {
	case UnboundedPreceding:
		return "UNBOUNDED PRECEDING"
	case Preceding:
		return b.offset() + " PRECEDING"
	case CurrentRow:
		return "CURRENT ROW"
	case Following:
		return b.offset() + " FOLLOWING"
	}
	return "UNBOUNDED FOLLOWING"
}

func (b Bound) offset() string {
	switch {
	case b.Span != nil:
		return fmt.Sprintf("'%dmon %dd %dus'", b.Span.Months, b.Span.Days, b.Span.Micros)
	case b.NumOffset:
		return fmt.Sprint(b.Num)
	}
	return fmt.Sprint(b.Offset)
}

func (f Frame) String() string {
	k := "RANGE"
	switch {
	case f.Rows:
		k = "ROWS"
	case f.Groups:
		k = "GROUPS"
	}
	s := k + " BETWEEN " + f.Start.String() + " AND " + f.End.String()
	switch f.Exclude {
	case ExcludeCurrentRow:
		s += " EXCLUDE CURRENT ROW"
	case ExcludeGroup:
		s += " EXCLUDE GROUP"
	case ExcludeTies:
		s += " EXCLUDE TIES"
	}
	return s
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
		case proto.WinRowNumber, proto.WinRank, proto.WinDenseRank, proto.AggCount, proto.WinPercentRank, proto.WinCumeDist, proto.WinNtile:
			null = f.Fn == proto.WinNtile
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
