package flightnodes

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/tern-db/tern/flightnodes/exec"
	"github.com/tern-db/tern/proto/errs"
)

// hashJoinRel: equi-join on keys, right input is the build side. A post-join filter is
// applied above inner joins (over left fields then right fields).
func (c *compiler) hashJoinRel(r *substraitpb.HashJoinRel) (exec.Operator, error) {
	typ, err := hashJoinType(r.GetType())
	if err != nil {
		return nil, err
	}
	if r.GetBuildInput() == substraitpb.HashJoinRel_BUILD_INPUT_LEFT {
		return nil, errs.Errorf(errs.ErrNotSupported, "hash join building the left input")
	}
	left, err := c.rel(r.GetLeft())
	if err != nil {
		return nil, err
	}
	right, err := c.rel(r.GetRight())
	if err != nil {
		return nil, err
	}
	nl, nr := left.Schema().NumFields(), right.Schema().NumFields()
	var lk, rk []int
	if len(r.GetKeys()) > 0 {
		for _, k := range r.GetKeys() {
			if cmp := k.GetComparison(); cmp != nil && cmp.GetSimple() != substraitpb.ComparisonJoinKey_SIMPLE_COMPARISON_TYPE_EQ {
				return nil, errs.Errorf(errs.ErrNotSupported, "hash join key comparison other than equality")
			}
			l, err := fieldIndex(k.GetLeft(), nl)
			if err != nil {
				return nil, err
			}
			rr, err := fieldIndex(k.GetRight(), nr)
			if err != nil {
				return nil, err
			}
			lk, rk = append(lk, l), append(rk, rr)
		}
	} else {
		if len(r.GetLeftKeys()) != len(r.GetRightKeys()) {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "hash join with %d left keys and %d right keys", len(r.GetLeftKeys()), len(r.GetRightKeys()))
		}
		for i := range r.GetLeftKeys() {
			l, err := fieldIndex(r.GetLeftKeys()[i], nl)
			if err != nil {
				return nil, err
			}
			rr, err := fieldIndex(r.GetRightKeys()[i], nr)
			if err != nil {
				return nil, err
			}
			lk, rk = append(lk, l), append(rk, rr)
		}
	}
	if len(lk) == 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "hash join without keys")
	}
	return c.join(left, right, lk, rk, typ, r.GetPostJoinFilter())
}

func hashJoinType(t substraitpb.HashJoinRel_JoinType) (exec.JoinType, error) {
	switch t {
	case substraitpb.HashJoinRel_JOIN_TYPE_INNER:
		return exec.JoinInner, nil
	case substraitpb.HashJoinRel_JOIN_TYPE_LEFT:
		return exec.JoinLeft, nil
	case substraitpb.HashJoinRel_JOIN_TYPE_RIGHT:
		return exec.JoinRight, nil
	case substraitpb.HashJoinRel_JOIN_TYPE_OUTER:
		return exec.JoinFull, nil
	case substraitpb.HashJoinRel_JOIN_TYPE_LEFT_SEMI:
		return exec.JoinSemi, nil
	case substraitpb.HashJoinRel_JOIN_TYPE_LEFT_ANTI:
		return exec.JoinAnti, nil
	case substraitpb.HashJoinRel_JOIN_TYPE_UNSPECIFIED:
		return 0, errs.Errorf(errs.ErrInvalidArgument, "hash join without a join type")
	}
	return 0, errs.Errorf(errs.ErrNotSupported, "join type %s", t)
}

func joinRelType(t substraitpb.JoinRel_JoinType) (exec.JoinType, error) {
	switch t {
	case substraitpb.JoinRel_JOIN_TYPE_INNER:
		return exec.JoinInner, nil
	case substraitpb.JoinRel_JOIN_TYPE_LEFT:
		return exec.JoinLeft, nil
	case substraitpb.JoinRel_JOIN_TYPE_RIGHT:
		return exec.JoinRight, nil
	case substraitpb.JoinRel_JOIN_TYPE_OUTER:
		return exec.JoinFull, nil
	case substraitpb.JoinRel_JOIN_TYPE_LEFT_SEMI:
		return exec.JoinSemi, nil
	case substraitpb.JoinRel_JOIN_TYPE_LEFT_ANTI:
		return exec.JoinAnti, nil
	case substraitpb.JoinRel_JOIN_TYPE_UNSPECIFIED:
		return 0, errs.Errorf(errs.ErrInvalidArgument, "join without a join type")
	}
	return 0, errs.Errorf(errs.ErrNotSupported, "join type %s", t)
}

// join builds the hash join and the residual filter (inner joins only: on outer, semi and anti
// joins a residual changes which rows match, which a filter above cannot express).
func (c *compiler) join(left, right exec.Operator, lk, rk []int, typ exec.JoinType, residual ...*substraitpb.Expression) (exec.Operator, error) {
	for i := range lk {
		lt, rt := left.Schema().Field(lk[i]).Type, right.Schema().Field(rk[i]).Type
		if !typeEqualLoose(lt, rt) {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "join key %d compares %s with %s", i, lt, rt)
		}
	}
	var conds []*substraitpb.Expression
	for _, r := range residual {
		if r != nil {
			conds = append(conds, r)
		}
	}
	if len(conds) > 0 && typ != exec.JoinInner {
		return nil, errs.Errorf(errs.ErrNotSupported, "non-equi join condition on a non-inner join")
	}
	op, err := exec.NewHashJoin(c.env, left, right, lk, rk, typ)
	if err != nil {
		return nil, err
	}
	c.track(op)
	for _, cond := range conds {
		pred, err := c.expr(cond, op.Schema())
		if err != nil {
			return nil, err
		}
		if op, err = c.filter(op, pred); err != nil {
			return nil, err
		}
	}
	return op, nil
}

// joinRel: the expression's equality conjuncts between a left and a right field become hash
// keys; the other conjuncts a filter above (inner joins only).
func (c *compiler) joinRel(r *substraitpb.JoinRel) (exec.Operator, error) {
	typ, err := joinRelType(r.GetType())
	if err != nil {
		return nil, err
	}
	left, err := c.rel(r.GetLeft())
	if err != nil {
		return nil, err
	}
	right, err := c.rel(r.GetRight())
	if err != nil {
		return nil, err
	}
	nl, nr := left.Schema().NumFields(), right.Schema().NumFields()
	var lk, rk []int
	var rest []*substraitpb.Expression
	for _, conj := range c.conjuncts(r.GetExpression()) {
		if l, rr, ok := c.equiKey(conj, nl, nr); ok &&
			typeEqualLoose(left.Schema().Field(l).Type, right.Schema().Field(rr).Type) {
			lk, rk = append(lk, l), append(rk, rr)
			continue
		}
		rest = append(rest, conj)
	}
	if len(lk) == 0 {
		return nil, errs.Errorf(errs.ErrNotSupported, "join without an equality condition between its inputs (nested loop join)")
	}
	return c.join(left, right, lk, rk, typ, append(rest, r.GetPostJoinFilter())...)
}

// conjuncts splits nested AND calls.
func (c *compiler) conjuncts(e *substraitpb.Expression) []*substraitpb.Expression {
	if e == nil {
		return nil
	}
	if f := e.GetScalarFunction(); f != nil {
		if name, err := c.funcName(f.GetFunctionReference()); err == nil && name == "and" {
			var out []*substraitpb.Expression
			for _, a := range funcArgs(f) {
				out = append(out, c.conjuncts(a)...)
			}
			return out
		}
	}
	return []*substraitpb.Expression{e}
}

func funcArgs(f *substraitpb.Expression_ScalarFunction) []*substraitpb.Expression {
	if len(f.GetArguments()) == 0 {
		return f.GetArgs()
	}
	out := make([]*substraitpb.Expression, len(f.GetArguments()))
	for i, a := range f.GetArguments() {
		out[i] = a.GetValue()
	}
	return out
}

// equiKey recognises equal(left field, right field) in either order.
func (c *compiler) equiKey(e *substraitpb.Expression, nl, nr int) (int, int, bool) {
	f := e.GetScalarFunction()
	if f == nil {
		return 0, 0, false
	}
	if name, err := c.funcName(f.GetFunctionReference()); err != nil || name != "equal" {
		return 0, 0, false
	}
	args := funcArgs(f)
	if len(args) != 2 {
		return 0, 0, false
	}
	a, ok1 := fieldRefOf(args[0], nl+nr)
	b, ok2 := fieldRefOf(args[1], nl+nr)
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	switch {
	case a < nl && b >= nl:
		return a, b - nl, true
	case b < nl && a >= nl:
		return b, a - nl, true
	}
	return 0, 0, false
}

// typeEqualLoose compares key types ignoring field metadata.
func typeEqualLoose(a, b arrow.DataType) bool { return arrow.TypeEqual(a, b) }
