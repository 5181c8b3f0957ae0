package flightnodes_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/tern-db/tern/proto/errs"
)

func hashJoin(l, r *substraitpb.Rel, typ substraitpb.HashJoinRel_JoinType, filter *substraitpb.Expression, keys ...[3]int32) *substraitpb.Rel {
	var ks []*substraitpb.ComparisonJoinKey
	for _, k := range keys {
		cmp := substraitpb.ComparisonJoinKey_SIMPLE_COMPARISON_TYPE_EQ
		if k[2] == 1 {
			cmp = substraitpb.ComparisonJoinKey_SIMPLE_COMPARISON_TYPE_IS_NOT_DISTINCT_FROM
		}
		ks = append(ks, &substraitpb.ComparisonJoinKey{Left: fieldRef(k[0]), Right: fieldRef(k[1]),
			Comparison: &substraitpb.ComparisonJoinKey_ComparisonType{InnerType: &substraitpb.ComparisonJoinKey_ComparisonType_Simple{Simple: cmp}}})
	}
	return &substraitpb.Rel{RelType: &substraitpb.Rel_HashJoin{HashJoin: &substraitpb.HashJoinRel{
		Left: l, Right: r, Keys: ks, PostJoinFilter: filter, Type: typ}}}
}

func joinRel(l, r *substraitpb.Rel, typ substraitpb.JoinRel_JoinType, cond *substraitpb.Expression) *substraitpb.Rel {
	return &substraitpb.Rel{RelType: &substraitpb.Rel_Join{Join: &substraitpb.JoinRel{Left: l, Right: r, Expression: cond, Type: typ}}}
}

func byID(r *substraitpb.Rel) *substraitpb.Rel {
	return sortRel(r, sortKey(field(0), substraitpb.SortField_SORT_DIRECTION_ASC_NULLS_LAST))
}

// deptsNull: dept i32, dname string, with a NULL dept.
func deptsNull() *substraitpb.Rel {
	return values([]string{"dept", "dname"}, []*substraitpb.Type{tyI32(), tyStr()},
		[]*substraitpb.Expression_Literal{litI32(10), litStr("eng")},
		[]*substraitpb.Expression_Literal{litNull(tyI32()), litStr("none")},
	)
}

func TestCompileJoinTypes(t *testing.T) {
	// people.dept = depts.dept AND people.salary > 60.00 (post-join filter on every type)
	cases := []struct {
		name string
		typ  substraitpb.HashJoinRel_JoinType
		emit []int32
		cols string
		want []string
	}{
		{"left", substraitpb.HashJoinRel_JOIN_TYPE_LEFT, []int32{0, 5}, "id,dname",
			[]string{"1|eng", "2|ops", "3|NULL", "4|NULL", "5|NULL"}},
		{"right", substraitpb.HashJoinRel_JOIN_TYPE_RIGHT, []int32{0, 5}, "id,dname",
			[]string{"1|eng", "2|ops", "NULL|hr"}},
		{"full", substraitpb.HashJoinRel_JOIN_TYPE_OUTER, []int32{0, 5}, "id,dname",
			[]string{"1|eng", "2|ops", "3|NULL", "4|NULL", "5|NULL", "NULL|hr"}},
		{"semi", substraitpb.HashJoinRel_JOIN_TYPE_LEFT_SEMI, []int32{0}, "id", []string{"1", "2"}},
		{"anti", substraitpb.HashJoinRel_JOIN_TYPE_LEFT_ANTI, []int32{0}, "id", []string{"3", "4", "5"}},
		{"single", substraitpb.HashJoinRel_JOIN_TYPE_LEFT_SINGLE, []int32{0, 5}, "id,dname",
			[]string{"1|eng", "2|ops", "3|NULL", "4|NULL", "5|NULL"}},
		{"mark", substraitpb.HashJoinRel_JOIN_TYPE_LEFT_MARK, []int32{0, 4}, "id,m",
			[]string{"1|true", "2|true", "3|false", "4|NULL", "5|false"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newPlan()
			filter := p.call("gt", tyBool(), field(3), lit(litDec(6000, 10, 2)))
			j := hashJoin(people(), depts(), c.typ, filter, [3]int32{2, 0, 0})
			runPlan(t, p.root(byID(projectRel(j, emit(c.emit...))), strings.Split(c.cols, ",")...), c.cols, c.want...)
		})
	}
}

func TestCompileJoinNotDistinct(t *testing.T) {
	p := newPlan()
	j := hashJoin(people(), deptsNull(), substraitpb.HashJoinRel_JOIN_TYPE_INNER, nil, [3]int32{2, 0, 1})
	runPlan(t, p.root(byID(projectRel(j, emit(0, 5))), "id", "dname"), "id,dname", "1|eng", "3|none", "4|eng")
	// The same through JoinRel with is_not_distinct_from.
	p = newPlan()
	jr := joinRel(people(), deptsNull(), substraitpb.JoinRel_JOIN_TYPE_INNER, p.call("is_not_distinct_from", tyBool(), field(2), field(4)))
	runPlan(t, p.root(byID(projectRel(jr, emit(0, 5))), "id", "dname"), "id,dname", "1|eng", "3|none", "4|eng")
}

func TestCompileMarkJoinNotIn(t *testing.T) {
	// id, dept IN (SELECT dept FROM deptsNull): NULL in the subquery makes non-matches NULL.
	p := newPlan()
	jr := joinRel(people(), deptsNull(), substraitpb.JoinRel_JOIN_TYPE_LEFT_MARK, p.call("equal", tyBool(), field(2), field(4)))
	runPlan(t, p.root(byID(projectRel(jr, emit(0, 4))), "id", "m"), "id,m", "1|true", "2|NULL", "3|NULL", "4|true", "5|NULL")
}

func TestCompileSingleJoinError(t *testing.T) {
	p := newPlan()
	// every person matches every dept: more than one row
	jr := joinRel(people(), depts(), substraitpb.JoinRel_JOIN_TYPE_LEFT_SINGLE, lit(&substraitpb.Expression_Literal{
		LiteralType: &substraitpb.Expression_Literal_Boolean{Boolean: true}}))
	err := planErr(t, p.root(jr))
	if !errors.Is(err, errs.ErrInvalidArgument) || !strings.Contains(err.Error(), "more than one row returned by a subquery used as an expression") {
		t.Fatalf("got %v", err)
	}
}

func TestCompileCrossJoin(t *testing.T) {
	p := newPlan()
	jr := joinRel(people(), depts(), substraitpb.JoinRel_JOIN_TYPE_INNER, lit(&substraitpb.Expression_Literal{
		LiteralType: &substraitpb.Expression_Literal_Boolean{Boolean: true}}))
	agg := &substraitpb.Rel{RelType: &substraitpb.Rel_Aggregate{Aggregate: &substraitpb.AggregateRel{Input: jr,
		Measures: []*substraitpb.AggregateRel_Measure{p.agg("count", tyI64(), false)}}}}
	runPlan(t, p.root(agg, "n"), "n", "15")
}

func TestCompileJoinOrCondition(t *testing.T) {
	// (dept = dept AND id < 3) OR (dept = dept AND dname = 'ops') runs as a condition (a nested
	// loop join): factoring the common equality out into a key is the planner's (factor_or)
	p := newPlan()
	eq := func() *substraitpb.Expression { return p.call("equal", tyBool(), field(2), field(4)) }
	cond := p.call("or", tyBool(),
		p.call("and", tyBool(), eq(), p.call("lt", tyBool(), field(0), lit(litI32(3)))),
		p.call("and", tyBool(), eq(), p.call("equal", tyBool(), field(5), lit(litStr("ops")))))
	jr := joinRel(people(), depts(), substraitpb.JoinRel_JOIN_TYPE_INNER, cond)
	plan := p.root(byID(projectRel(jr, emit(0, 5))), "id", "dname")
	runPlan(t, plan, "id,dname", "1|eng", "2|ops", "5|ops")
}
