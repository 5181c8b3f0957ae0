package flightnodes

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/tern-db/tern/exec"
	tproto "github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// hashJoinRel: equi-join on keys (EQ or IS_NOT_DISTINCT_FROM), right input is the build
// side. post_join_filter is part of the join condition (over left fields then right fields),
// for every join type.
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
	var nullEq []bool
	if len(r.GetKeys()) > 0 {
		for _, k := range r.GetKeys() {
			ne := false
			if cmp := k.GetComparison(); cmp != nil {
				switch cmp.GetSimple() {
				case substraitpb.ComparisonJoinKey_SIMPLE_COMPARISON_TYPE_EQ:
				case substraitpb.ComparisonJoinKey_SIMPLE_COMPARISON_TYPE_IS_NOT_DISTINCT_FROM:
					ne = true
				default:
					return nil, errs.Errorf(errs.ErrNotSupported, "hash join key comparison %s", cmp.GetSimple())
				}
			}
			l, err := fieldIndex(k.GetLeft(), nl)
			if err != nil {
				return nil, err
			}
			rr, err := fieldIndex(k.GetRight(), nr)
			if err != nil {
				return nil, err
			}
			lk, rk, nullEq = append(lk, l), append(rk, rr), append(nullEq, ne)
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
			lk, rk, nullEq = append(lk, l), append(rk, rr), append(nullEq, false)
		}
	}
	if len(lk) == 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "hash join without keys")
	}
	var conds []*substraitpb.Expression
	if f := r.GetPostJoinFilter(); f != nil {
		conds = c.conjuncts(f)
	}
	return c.join(left, right, lk, rk, nullEq, typ, conds)
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
	case substraitpb.HashJoinRel_JOIN_TYPE_LEFT_SINGLE:
		return exec.JoinSingle, nil
	case substraitpb.HashJoinRel_JOIN_TYPE_LEFT_MARK:
		return exec.JoinMark, nil
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
	case substraitpb.JoinRel_JOIN_TYPE_LEFT_SINGLE:
		return exec.JoinSingle, nil
	case substraitpb.JoinRel_JOIN_TYPE_LEFT_MARK:
		return exec.JoinMark, nil
	case substraitpb.JoinRel_JOIN_TYPE_UNSPECIFIED:
		return 0, errs.Errorf(errs.ErrInvalidArgument, "join without a join type")
	}
	return 0, errs.Errorf(errs.ErrNotSupported, "join type %s", t)
}

// pairSchema is the schema join conditions are evaluated over: left fields then right fields.
func pairSchema(left, right exec.Operator) *arrow.Schema {
	f := append(append([]arrow.Field(nil), left.Schema().Fields()...), right.Schema().Fields()...)
	return arrow.NewSchema(f, nil)
}

// join builds a hash join (with keys) or a nested loop join (without); conds are the other
// conjuncts of the join condition, evaluated on candidate pairs.
func (c *compiler) join(left, right exec.Operator, lk, rk []int, nullEq []bool, typ exec.JoinType, conds []*substraitpb.Expression) (exec.Operator, error) {
	for i := range lk {
		lt, rt := left.Schema().Field(lk[i]).Type, right.Schema().Field(rk[i]).Type
		if !typeEqualLoose(lt, rt) {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "join key %d compares %s with %s", i, lt, rt)
		}
	}
	ps := pairSchema(left, right)
	var preds []exec.Expr
	for _, cond := range conds {
		if cond == nil || isTrueLiteral(cond) {
			continue
		}
		pred, err := c.expr(cond, ps)
		if err != nil {
			return nil, err
		}
		preds = append(preds, pred)
	}
	var filter exec.Expr
	switch len(preds) {
	case 0:
	case 1:
		filter = preds[0]
	default:
		f, err := exec.Logic(tproto.FnAnd, true)(preds, arrow.FixedWidthTypes.Boolean)
		if err != nil {
			return nil, err
		}
		filter = f
	}
	if len(lk) == 0 && filter == nil && typ == exec.JoinMark {
		t, err := exec.NewLiteral(boolTrue)
		if err != nil {
			return nil, err
		}
		filter = t
	}
	op, err := exec.NewJoin(c.env, left, right, exec.JoinSpec{Type: typ, LeftKeys: lk, RightKeys: rk, NullEqual: nullEq, Filter: filter})
	if err != nil {
		return nil, err
	}
	return c.track(op), nil
}

func isTrueLiteral(e *substraitpb.Expression) bool {
	l := e.GetLiteral()
	if l == nil {
		return false
	}
	b, ok := l.GetLiteralType().(*substraitpb.Expression_Literal_Boolean)
	return ok && b.Boolean
}

// joinRel: the expression's equality conjuncts between a left and a right field become hash
// keys (is_not_distinct_from ones null-safe keys); the other conjuncts are the join filter.
// Without equality conjuncts it runs as a nested loop join.
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
	var nullEq []bool
	var rest []*substraitpb.Expression
	// Equalities inside ORs are not looked for: the planner's factor_or rule already turns
	// (k AND x) OR (k AND y) into k AND (x OR y) (TPC-H Q19).
	for _, conj := range c.conjuncts(r.GetExpression()) {
		if l, rr, ne, ok := c.equiKey(conj, nl, nr); ok &&
			typeEqualLoose(left.Schema().Field(l).Type, right.Schema().Field(rr).Type) && keyTypeOK(left.Schema().Field(l).Type) {
			lk, rk, nullEq = append(lk, l), append(rk, rr), append(nullEq, ne)
			continue
		}
		rest = append(rest, conj)
	}
	if f := r.GetPostJoinFilter(); f != nil {
		rest = append(rest, c.conjuncts(f)...)
	}
	return c.join(left, right, lk, rk, nullEq, typ, rest)
}

func keyTypeOK(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.FLOAT32, arrow.FLOAT64,
		arrow.DATE32, arrow.TIMESTAMP, arrow.TIME64, arrow.DECIMAL128, arrow.STRING, arrow.BINARY,
		arrow.INTERVAL_MONTH_DAY_NANO:
		return true
	}
	return false
}

// conjuncts splits nested AND calls.
func (c *compiler) conjuncts(e *substraitpb.Expression) []*substraitpb.Expression {
	if e == nil {
		return nil
	}
	if f := e.GetScalarFunction(); f != nil {
		if name, err := c.funcName(f.GetFunctionReference()); err == nil && name == tproto.FnAnd {
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

// equiKey recognises equal(left field, right field) and is_not_distinct_from (null-safe) in
// either order.
func (c *compiler) equiKey(e *substraitpb.Expression, nl, nr int) (int, int, bool, bool) {
	f := e.GetScalarFunction()
	if f == nil {
		return 0, 0, false, false
	}
	name, err := c.funcName(f.GetFunctionReference())
	if err != nil || (name != tproto.FnEqual && name != tproto.FnNotDistinct) {
		return 0, 0, false, false
	}
	ne := name == tproto.FnNotDistinct
	args := funcArgs(f)
	if len(args) != 2 {
		return 0, 0, false, false
	}
	a, ok1 := fieldRefOf(args[0], nl+nr)
	b, ok2 := fieldRefOf(args[1], nl+nr)
	if !ok1 || !ok2 {
		return 0, 0, false, false
	}
	switch {
	case a < nl && b >= nl:
		return a, b - nl, ne, true
	case b < nl && a >= nl:
		return b, a - nl, ne, true
	}
	return 0, 0, false, false
}

// typeEqualLoose compares key types ignoring field metadata.
func typeEqualLoose(a, b arrow.DataType) bool { return arrow.TypeEqual(a, b) }

// crossRel: a cross product, as a nested loop join without a condition.
func (c *compiler) crossRel(r *substraitpb.CrossRel) (exec.Operator, error) {
	left, err := c.rel(r.GetLeft())
	if err != nil {
		return nil, err
	}
	right, err := c.rel(r.GetRight())
	if err != nil {
		return nil, err
	}
	return c.join(left, right, nil, nil, nil, exec.JoinInner, nil)
}
