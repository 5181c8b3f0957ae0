package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// bindLateral binds a LATERAL FROM item (a LATERAL subquery, or any function in FROM, which
// PostgreSQL makes LATERAL implicitly) with the FROM items to its left (b.lateralLeft) as
// the nearest enclosing scope: its references to them are OuterColumns of depth 0, exactly
// as a subquery's references to its enclosing query, and the enclosing query's scopes move
// one level out. The caller joins the item with a logical.LateralJoin (b.lateralHit), which
// the decorrelation rule unnests.
func (b *binder) bindLateral(f func() (logical.Node, *scope, error)) (logical.Node, *scope, error) {
	left := b.lateralLeft
	if left == nil {
		return f()
	}
	savedOuter, savedOuters, savedCorr, savedReach := b.outer, b.outers, b.correlated, b.reach
	if b.outer != nil {
		b.outers = append([]*scope{b.outer}, b.outers...)
	}
	b.outer, b.correlated, b.reach, b.lateralLeft = left, false, 0, nil
	node, sc, err := f()
	reach, corr := b.reach, b.correlated
	b.outer, b.outers, b.correlated, b.reach, b.lateralLeft = savedOuter, savedOuters, savedCorr, savedReach, left
	if reach > 1 {
		// a reference past the left items makes the enclosing query correlated
		b.correlated = true
		b.reach = max(b.reach, reach-1)
	}
	// an item that reads nothing outside itself is an ordinary join
	b.lateralHit = corr
	if err == nil && corr && hasOuterAgg(node) {
		// sum(t.n) over only the left items' columns belongs to the FROM clause's own level
		return nil, nil, logical.Errorf(errs.ErrInvalidArgument, "aggregate functions are not allowed in FROM clause of their own query level")
	}
	return node, sc, err
}

// lateralJoin joins a LATERAL right item onto left.
func lateralJoin(j *logical.Join) logical.Node {
	return &logical.LateralJoin{Left: j.Left, Right: j.Right, Type: j.Type, Cond: j.Cond}
}

// firstQual names the first table of a scope (for errors).
func (s *scope) firstQual() string {
	for _, c := range s.cols {
		if c.qual != "" {
			return c.qual
		}
	}
	return ""
}

// outerOnly reports whether e reads no column of its own query, only the enclosing
// queries' (OuterColumn), parameters and constants: what PostgreSQL allows in a subquery's
// LIMIT and OFFSET (the decorrelation evaluates them per outer row).
func outerOnly(e logical.Expr) bool {
	ok, outer := true, false
	logical.Walk(e, func(x logical.Expr) bool {
		switch x.(type) {
		case *logical.Column, *logical.Subquery, *logical.SetCall:
			ok = false
		case *logical.OuterColumn:
			outer = true
		}
		return ok
	})
	return ok && outer
}

// hasLateralItem reports whether a FROM item is, or joins, a LATERAL subquery or a function.
func hasLateralItem(n *pg.Node) bool {
	switch x := n.GetNode().(type) {
	case *pg.Node_RangeSubselect:
		return x.RangeSubselect.Lateral
	case *pg.Node_RangeFunction:
		return true
	case *pg.Node_JoinExpr:
		return hasLateralItem(x.JoinExpr.Larg) || hasLateralItem(x.JoinExpr.Rarg)
	}
	return false
}
