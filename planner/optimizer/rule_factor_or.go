package optimizer

import (
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
)

// FactorOr pulls the conjuncts that every branch of an OR shares out of it:
// (a AND b) OR (a AND c) becomes a AND (b OR c). The shared conjuncts can then become join
// keys or be pushed into scans (TPC-H q19's join key sits inside an OR).
type FactorOr struct{}

func (FactorOr) Name() string { return "factor_or" }

func (FactorOr) Apply(c *Context, n logical.Node) (logical.Node, bool, error) {
	return transformUp(c, n, func(x logical.Node) (logical.Node, bool, error) {
		var cond logical.Expr
		switch y := x.(type) {
		case *logical.Filter:
			cond = y.Cond
		case *logical.Join:
			cond = y.Cond
		default:
			return x, false, nil
		}
		if cond == nil {
			return x, false, nil
		}
		changed := false
		var out []logical.Expr
		for _, c := range logical.Conjuncts(cond) {
			f, ch := factor(c)
			changed = changed || ch
			out = append(out, f...)
		}
		if !changed {
			return x, false, nil
		}
		switch y := x.(type) {
		case *logical.Filter:
			return &logical.Filter{Input: y.Input, Cond: logical.And(out...)}, true, nil
		case *logical.Join:
			j := *y
			j.Cond = logical.And(out...)
			return &j, true, nil
		}
		return x, false, nil
	})
}

// factor splits an OR into its shared conjuncts and the OR of the rest.
func factor(e logical.Expr) ([]logical.Expr, bool) {
	c, ok := e.(*logical.Call)
	if !ok || c.Fn != proto.FnOr || len(c.Args) < 2 {
		return []logical.Expr{e}, false
	}
	branches := make([][]logical.Expr, len(c.Args))
	for i, a := range c.Args {
		branches[i] = logical.Conjuncts(a)
	}
	var common []logical.Expr
	for _, cand := range branches[0] {
		k := cand.String()
		inAll := true
		for _, b := range branches[1:] {
			found := false
			for _, x := range b {
				if x.String() == k {
					found = true
					break
				}
			}
			if !found {
				inAll = false
				break
			}
		}
		if inAll {
			dup := false
			for _, x := range common {
				dup = dup || x.String() == k
			}
			if !dup {
				common = append(common, cand)
			}
		}
	}
	if len(common) == 0 {
		return []logical.Expr{e}, false
	}
	isCommon := map[string]bool{}
	for _, x := range common {
		isCommon[x.String()] = true
	}
	var rest []logical.Expr
	for _, b := range branches {
		var keep []logical.Expr
		for _, x := range b {
			if !isCommon[x.String()] {
				keep = append(keep, x)
			}
		}
		if len(keep) == 0 {
			// a branch is exactly the common part: the OR is true given it
			return common, true
		}
		rest = append(rest, logical.And(keep...))
	}
	null := false
	for _, r := range rest {
		null = null || r.Nullable()
	}
	return append(common, &logical.Call{Fn: proto.FnOr, Args: rest, Typ: c.Typ, Null: null}), true
}
