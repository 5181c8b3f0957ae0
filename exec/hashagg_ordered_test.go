package exec_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
)

// Ordered aggregates and ordered-set aggregates in the hash aggregate, at every batch size,
// with a checked allocator (the kept input columns must all be released).
func TestHashAggregateOrdered(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "g", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "k", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "d", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "keep", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	}, nil)
	rows := `[{"g":"a","s":"x","k":3,"f":1.5,"d":",","keep":true},
		{"g":"a","s":"y","k":1,"f":2.5,"d":",","keep":false},
		{"g":"b","s":"p","k":null,"f":null,"d":",","keep":true},
		{"g":"a","s":"z","k":2,"f":null,"d":",","keep":null},
		{"g":"b","s":"q","k":5,"f":3.0,"d":",","keep":true},
		{"g":"a","s":null,"k":4,"f":0.5,"d":",","keep":true}]`
	txt, f64, i64 := arrow.BinaryTypes.String, arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Int64
	asc := func(col int) exec.SortKey { return exec.SortKey{Col: col} }
	desc := func(col int) exec.SortKey { return exec.SortKey{Col: col, Desc: true, NullsFirst: true} }
	aggs := []exec.AggSpec{
		{Func: exec.AggStringAgg, Arg: 1, Arg2: 4, Out: txt, Name: "by_k", Order: []exec.SortKey{asc(2)}},
		{Func: exec.AggStringAgg, Arg: 1, Arg2: 4, Out: txt, Name: "by_k_desc", Order: []exec.SortKey{desc(2)}},
		{Func: exec.AggStringAgg, Arg: 1, Arg2: 4, Out: txt, Name: "by_f_s", Order: []exec.SortKey{asc(3), desc(1)}},
		{Func: exec.AggPercentileCont, Arg: 3, Out: f64, Name: "median", Order: []exec.SortKey{asc(3)}, Direct: []scalar.Scalar{scalar.NewFloat64Scalar(0.5)}},
		{Func: exec.AggPercentileDisc, Arg: 1, Out: txt, Name: "disc", Order: []exec.SortKey{desc(1)}, Direct: []scalar.Scalar{scalar.NewFloat64Scalar(0.5)}},
		{Func: exec.AggMode, Arg: 1, Out: txt, Name: "mode", Order: []exec.SortKey{asc(1)}},
		{Func: exec.AggHypRank, Arg: 2, Out: i64, Name: "rank", Order: []exec.SortKey{asc(2)}, Direct: []scalar.Scalar{scalar.NewInt32Scalar(3)}},
		{Func: exec.AggHypCumeDist, Arg: 2, Out: f64, Name: "cume", Order: []exec.SortKey{asc(2)}, Direct: []scalar.Scalar{scalar.NewInt32Scalar(3)}},
		{Func: exec.AggHypRank, Arg: 2, Out: i64, Name: "rank_kept", Order: []exec.SortKey{asc(2)}, Direct: []scalar.Scalar{scalar.NewInt32Scalar(3)}, Filter: true, FilterCol: 5},
	}
	tests := []struct {
		name  string
		rows  string
		group []int
		want  []string
	}{
		{"groups", rows, []int{0}, []string{
			"a|y,z,x|x,z,y|x,y,z|1.5|y|x|3|0.8|1",
			"b|q,p|p,q|q,p|3|q|p|1|0.3333333333333333|1",
		}},
		{"no groups", rows, nil, []string{"y,z,x,q,p|p,q,x,z,y|x,y,q,z,p|2|x|p|3|0.5714285714285714|1"}},
		{"empty no groups", `[]`, nil, []string{"NULL|NULL|NULL|NULL|NULL|NULL|1|1|1"}},
		{"empty with groups", `[]`, []int{0}, nil},
	}
	for _, tc := range tests {
		for _, size := range exectest.BatchSizes {
			t.Run(fmt.Sprintf("%s/%d", tc.name, size), func(t *testing.T) {
				mem := exectest.Alloc(t)
				rec := exectest.Record(t, mem, schema, tc.rows)
				defer rec.Release()
				op, err := exec.NewHashAggregate(exec.Env{Alloc: mem, BatchSize: size}, exectest.SourceOf(rec, size), tc.group, aggs)
				if err != nil {
					t.Fatal(err)
				}
				diffRows(t, drainRows(t, op), tc.want)
			})
		}
	}
}

// A fraction outside [0, 1] is PostgreSQL's error, raised when the group's result is built.
func TestHashAggregatePercentileRange(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true}}, nil)
	mem := exectest.Alloc(t)
	rec := exectest.Record(t, mem, schema, `[{"f":1}]`)
	defer rec.Release()
	op, err := exec.NewHashAggregate(exec.Env{Alloc: mem}, exectest.SourceOf(rec, 1), nil, []exec.AggSpec{
		{Func: exec.AggPercentileCont, Arg: 0, Out: arrow.PrimitiveTypes.Float64, Name: "p",
			Order: []exec.SortKey{{Col: 0}}, Direct: []scalar.Scalar{scalar.NewFloat64Scalar(1.5)}}})
	if err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	if err := op.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, err = op.Next(t.Context())
	if err == nil || !strings.Contains(err.Error(), "percentile value 1.5 is not between 0 and 1") {
		t.Fatalf("got %v", err)
	}
}
