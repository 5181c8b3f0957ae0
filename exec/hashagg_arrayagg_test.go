package exec_test

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
)

// Arrays as group keys (NULL elements equal, NULL arrays one group), array_agg with NULL
// values (input order; sorted with DISTINCT) and min/max of arrays, over every batch size
// with a checked allocator.
func TestArrayAggregates(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: intList, Nullable: true},
		{Name: "x", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	}, nil)
	rows := `[
		{"k": [1, null], "x": 3}, {"k": [], "x": 1}, {"k": null, "x": null},
		{"k": [1, null], "x": null}, {"k": [1, null], "x": 2}, {"k": [], "x": 1},
		{"k": null, "x": 5}, {"k": [1], "x": 4}
	]`
	aggs := []exec.AggSpec{
		{Func: exec.AggArrayAgg, Arg: 1, Out: intList, Name: "agg"},
		{Func: exec.AggArrayAgg, Arg: 1, Out: intList, Name: "dist", Distinct: true},
		{Func: exec.AggMax, Arg: 0, Out: intList, Name: "max"},
		{Func: exec.AggMin, Arg: 0, Out: intList, Name: "min"},
	}
	want := []string{
		"NULL|[null,5]|[5,null]|NULL|NULL",
		"[1,null]|[3,null,2]|[2,3,null]|[1,null]|[1,null]",
		"[1]|[4]|[4]|[1]|[1]",
		"[]|[1,1]|[1]|[]|[]",
	}
	for _, size := range exectest.BatchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := exectest.Alloc(t)
			rec := exectest.Record(t, mem, s, rows)
			defer rec.Release()
			op, err := exec.NewHashAggregate(exec.Env{Alloc: mem, BatchSize: size}, exectest.SourceOf(rec, size), []int{0}, aggs)
			if err != nil {
				t.Fatal(err)
			}
			diffRows(t, sorted(drainRows(t, op)), want)
		})
	}
}
