package logical

import (
	"fmt"

	"github.com/tern-db/tern/catalog"
)

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
// expression whose plan contains it (Depth 0: one level out), or, with Depth d > 0, of the
// node holding the subquery d levels further out.
type OuterColumn struct {
	Index int
	Name  string
	Typ   catalog.Type
	Null  bool
	Depth int
}

func (*OuterColumn) exprNode()            {}
func (e *OuterColumn) Type() catalog.Type { return e.Typ }
func (e *OuterColumn) Nullable() bool     { return e.Null }
func (e *OuterColumn) String() string {
	if e.Depth > 0 {
		return fmt.Sprintf("outer%d.%s#%d", e.Depth+1, e.Name, e.Index)
	}
	return fmt.Sprintf("outer.%s#%d", e.Name, e.Index)
}

// HasOuter reports whether e references the query one level out (Depth 0).
func HasOuter(e Expr) bool {
	found := false
	Walk(e, func(x Expr) bool {
		if o, ok := x.(*OuterColumn); ok && o.Depth == 0 {
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

// MapOuterColumns returns n with f applied to every OuterColumn in its tree, including those
// in the plans of nested subqueries; level is how many subqueries deep the column sits
// (o.Depth - level is then the depth relative to n's enclosing query).
func MapOuterColumns(n Node, f func(o *OuterColumn, level int) Expr) Node {
	return mapOuter(n, 0, f)
}

func mapOuter(n Node, level int, f func(*OuterColumn, int) Expr) Node {
	kids := n.Children()
	if len(kids) > 0 {
		nk := make([]Node, len(kids))
		for i, k := range kids {
			nk[i] = mapOuter(k, level, f)
		}
		n = n.WithChildren(nk)
	}
	return MapExprs(n, func(e Expr) Expr { return mapOuterExpr(e, level, f) })
}

// MapOuterExpr is MapOuterColumns for an expression (level 0 at e).
func MapOuterExpr(e Expr, f func(o *OuterColumn, level int) Expr) Expr {
	return mapOuterExpr(e, 0, f)
}

func mapOuterExpr(e Expr, level int, f func(*OuterColumn, int) Expr) Expr {
	return Transform(e, func(x Expr) Expr {
		switch v := x.(type) {
		case *OuterColumn:
			return f(v, level)
		case *Subquery:
			ns := *v
			if v.Test != nil {
				ns.Test = mapOuterExpr(v.Test, level, f)
			}
			ns.Plan = mapOuter(v.Plan, level+1, f)
			return &ns
		}
		return x
	})
}
