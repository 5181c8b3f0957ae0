package flightnodes_test

import (
	"testing"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
)

func TestCompileGroupingSets(t *testing.T) {
	p := newPlan()
	// SELECT dept, name IS NULL, count(*), sum(id) FROM people GROUP BY ROLLUP (dept, name IS NULL)
	agg := &substraitpb.Rel{RelType: &substraitpb.Rel_Aggregate{Aggregate: &substraitpb.AggregateRel{
		Input:               people(),
		GroupingExpressions: []*substraitpb.Expression{field(2), p.call("is_null", tyBool(), field(1))},
		Groupings: []*substraitpb.AggregateRel_Grouping{
			{ExpressionReferences: []uint32{0, 1}}, {ExpressionReferences: []uint32{0}}, {},
		},
		Measures: []*substraitpb.AggregateRel_Measure{p.agg("count", tyI64(), false), p.agg("sum", tyI64(), false, field(0))},
	}}}
	s := sortRel(agg, sortKey(field(4), substraitpb.SortField_SORT_DIRECTION_ASC_NULLS_LAST),
		sortKey(field(0), substraitpb.SortField_SORT_DIRECTION_ASC_NULLS_LAST),
		sortKey(field(1), substraitpb.SortField_SORT_DIRECTION_ASC_NULLS_LAST))
	runPlan(t, p.root(s, "dept", "noname", "n", "total", "set"), "dept,noname,n,total,set",
		"10|false|1|1|0", "10|true|1|4|0", "20|false|2|7|0", "NULL|false|1|3|0",
		"10|NULL|2|5|1", "20|NULL|2|7|1", "NULL|NULL|1|3|1",
		"NULL|NULL|5|15|2")
}

func TestCompileNewAggregates(t *testing.T) {
	p := newPlan()
	// SELECT string_agg(name, '/' ORDER BY id DESC), bool_or(dept = 20), stddev_pop(id) FROM people
	sa := p.agg("string_agg", tyStr(), false, field(1), lit(litStr("/")))
	sa.Measure.Sorts = []*substraitpb.SortField{sortKey(field(0), substraitpb.SortField_SORT_DIRECTION_DESC_NULLS_LAST)}
	fp := &substraitpb.Type{Kind: &substraitpb.Type_Fp64{Fp64: &substraitpb.Type_FP64{Nullability: substraitpb.Type_NULLABILITY_NULLABLE}}}
	agg := &substraitpb.Rel{RelType: &substraitpb.Rel_Aggregate{Aggregate: &substraitpb.AggregateRel{
		Input: people(),
		Measures: []*substraitpb.AggregateRel_Measure{sa,
			p.agg("bool_or", tyBool(), false, p.call("equal", tyBool(), field(2), lit(litI32(20)))),
			p.agg("stddev_pop", fp, false, field(0))},
	}}}
	runPlan(t, p.root(agg, "s", "b", "sd"), "s,b,sd", "dee/cy/bob/ann|true|1.4142135623730951")
}

// On empty input, each empty grouping set still yields its grand-total row (COUNT 0, SUM
// NULL); the other sets yield nothing.
func TestCompileGroupingSetsEmptyInput(t *testing.T) {
	p := newPlan()
	// SELECT dept, count(*), sum(id) FROM people WHERE false GROUP BY GROUPING SETS ((dept), (), ())
	agg := &substraitpb.Rel{RelType: &substraitpb.Rel_Aggregate{Aggregate: &substraitpb.AggregateRel{
		Input:               filterRel(people(), p.call("equal", tyBool(), field(0), lit(litI32(-1)))),
		GroupingExpressions: []*substraitpb.Expression{field(2)},
		Groupings:           []*substraitpb.AggregateRel_Grouping{{ExpressionReferences: []uint32{0}}, {}, {}},
		Measures:            []*substraitpb.AggregateRel_Measure{p.agg("count", tyI64(), false), p.agg("sum", tyI64(), false, field(0))},
	}}}
	s := sortRel(agg, sortKey(field(3), substraitpb.SortField_SORT_DIRECTION_ASC_NULLS_LAST))
	runPlan(t, p.root(s, "dept", "n", "total", "set"), "dept,n,total,set", "NULL|0|NULL|1", "NULL|0|NULL|2")
}
