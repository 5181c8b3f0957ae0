package flightnodes_test

import (
	"testing"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
)

func TestCompileWindow(t *testing.T) {
	p := newPlan()
	wfn := func(name string, out *substraitpb.Type, rows bool, lower, upper *substraitpb.Expression_WindowFunction_Bound, args ...*substraitpb.Expression) *substraitpb.ConsistentPartitionWindowRel_WindowRelFunction {
		fa := make([]*substraitpb.FunctionArgument, len(args))
		for i, a := range args {
			fa[i] = &substraitpb.FunctionArgument{ArgType: &substraitpb.FunctionArgument_Value{Value: a}}
		}
		bt := substraitpb.Expression_WindowFunction_BOUNDS_TYPE_RANGE
		if rows {
			bt = substraitpb.Expression_WindowFunction_BOUNDS_TYPE_ROWS
		}
		return &substraitpb.ConsistentPartitionWindowRel_WindowRelFunction{FunctionReference: p.fn(name), Arguments: fa,
			OutputType: out, LowerBound: lower, UpperBound: upper, BoundsType: bt}
	}
	unb := &substraitpb.Expression_WindowFunction_Bound{Kind: &substraitpb.Expression_WindowFunction_Bound_Unbounded_{Unbounded: &substraitpb.Expression_WindowFunction_Bound_Unbounded{}}}
	cur := &substraitpb.Expression_WindowFunction_Bound{Kind: &substraitpb.Expression_WindowFunction_Bound_CurrentRow_{CurrentRow: &substraitpb.Expression_WindowFunction_Bound_CurrentRow{}}}
	prec1 := &substraitpb.Expression_WindowFunction_Bound{Kind: &substraitpb.Expression_WindowFunction_Bound_Preceding_{Preceding: &substraitpb.Expression_WindowFunction_Bound_Preceding{Offset: 1}}}
	// SELECT id, dept, row_number() OVER w, rank() OVER (PARTITION BY dept ORDER BY salary DESC),
	//        sum(id) OVER (PARTITION BY dept ORDER BY salary DESC ROWS 1 PRECEDING), lag(name) OVER w
	// FROM people WINDOW w AS (PARTITION BY coalesce(dept, 0) ORDER BY salary DESC)
	win := &substraitpb.Rel{RelType: &substraitpb.Rel_Window{Window: &substraitpb.ConsistentPartitionWindowRel{
		Input:                people(),
		PartitionExpressions: []*substraitpb.Expression{field(2)},
		Sorts:                []*substraitpb.SortField{sortKey(field(3), substraitpb.SortField_SORT_DIRECTION_DESC_NULLS_FIRST)},
		WindowFunctions: []*substraitpb.ConsistentPartitionWindowRel_WindowRelFunction{
			wfn("row_number", tyI64(), true, unb, cur),
			wfn("rank", tyI64(), false, unb, cur),
			wfn("sum", tyI64(), true, prec1, cur, p.call("multiply", tyI64(), castTo(field(0), tyI64()), lit(litI64(10)))),
			wfn("lag", tyStr(), true, unb, cur, field(1)),
		},
	}}}
	s := byID(projectRel(win, emit(0, 2, 4, 5, 6, 7)))
	runPlan(t, p.root(s, "id", "dept", "rn", "rk", "s", "prev"), "id,dept,rn,rk,s,prev",
		"1|10|2|2|50|NULL", "2|20|1|1|20|NULL", "3|NULL|1|1|30|NULL", "4|10|1|1|40|NULL", "5|20|2|2|70|bob")
}
