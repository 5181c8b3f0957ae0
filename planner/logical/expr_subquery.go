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
