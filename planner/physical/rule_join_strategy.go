package physical

import (
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
)

// JoinStrategy chooses how each join runs: a HashJoin on the equalities of its condition
// that compare an expression of the left input with one of the right (the rest of the
// condition is the residual), else a NestedLoopJoin.
type JoinStrategy struct{}

func (JoinStrategy) Name() string { return "join_strategy" }

func (JoinStrategy) Apply(c *Context, n Node) (Node, bool, error) {
	return transformUp(c, n, func(x Node) (Node, bool, error) {
		j, ok := x.(*Join)
		if !ok {
			return x, false, nil
		}
		lk, rk, nullEq, rest := equiKeys(j.Cond, len(j.Left.Schema()), j.Type)
		if len(lk) == 0 {
			return &NestedLoopJoin{Left: j.Left, Right: j.Right, Type: j.Type, Cond: j.Cond, LeftRows: j.LeftRows, RightRows: j.RightRows}, true, nil
		}
		var residual logical.Expr
		if len(rest) > 0 {
			residual = logical.And(rest...)
		}
		return &HashJoin{Left: j.Left, Right: j.Right, Type: j.Type, LeftKeys: lk, RightKeys: rk, NullEqual: nullEq, Residual: residual,
			LeftRows: j.LeftRows, RightRows: j.RightRows}, true, nil
	})
}

// equiKeys splits cond (over nl left columns then the right ones) into key pairs (right
// keys over the right input's columns) and the other conjuncts.
// IS NOT DISTINCT FROM pairs are keys too (NullEqual, nil when there is none).
func equiKeys(cond logical.Expr, nl int, t logical.JoinType) (lkeys, rkeys []logical.Expr, nullEq []bool, rest []logical.Expr) {
	var flags []bool
	defer func() {
		for _, f := range flags {
			if f {
				nullEq = flags
				return
			}
		}
	}()
	for _, c := range logical.Conjuncts(cond) {
		call, ok := c.(*logical.Call)
		if ok && (call.Fn == proto.FnEqual || call.Fn == proto.FnNotDistinct) && len(call.Args) == 2 {
			ne := call.Fn == proto.FnNotDistinct
			a, b := call.Args[0], call.Args[1]
			al, ar := sideOf(a, nl)
			bl, br := sideOf(b, nl)
			// a constant counts as a left key (IN with a constant on the left)
			if (al || t == logical.JoinMark) && !ar && br && !bl {
				lkeys, rkeys = append(lkeys, a), append(rkeys, logical.ShiftColumns(b, -nl))
				flags = append(flags, ne)
				continue
			}
			if (bl || t == logical.JoinMark) && !br && ar && !al {
				lkeys, rkeys = append(lkeys, b), append(rkeys, logical.ShiftColumns(a, -nl))
				flags = append(flags, ne)
				continue
			}
		}
		rest = append(rest, c)
	}
	return lkeys, rkeys, nil, rest
}

func sideOf(e logical.Expr, nl int) (left, right bool) {
	for c := range logical.ColumnsUsed(e, nil) {
		if c < nl {
			left = true
		} else {
			right = true
		}
	}
	return
}
