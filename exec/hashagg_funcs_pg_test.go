package exec_test

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
)

func TestMoreAggregates(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "g", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "d", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	rows := `[
		{"g":1,"b":true,"s":"a","d":",","x":2,"f":1.5},
		{"g":1,"b":false,"s":null,"d":",","x":4,"f":null},
		{"g":1,"b":null,"s":"b","d":";","x":4,"f":2.5},
		{"g":1,"b":true,"s":"c","d":null,"x":5,"f":3.5},
		{"g":2,"b":null,"s":null,"d":",","x":null,"f":null},
		{"g":3,"b":true,"s":"z","d":",","x":7,"f":9},
		{"g":1,"b":true,"s":"d","d":"-","x":9,"f":null}
	]`
	f64 := arrow.PrimitiveTypes.Float64
	dec := &arrow.Decimal128Type{Precision: 38, Scale: 6}
	aggs := []exec.AggSpec{
		{Func: exec.AggBoolAnd, Arg: 1, Out: arrow.FixedWidthTypes.Boolean, Name: "band"},
		{Func: exec.AggBoolOr, Arg: 1, Out: arrow.FixedWidthTypes.Boolean, Name: "bor"},
		{Func: exec.AggStringAgg, Arg: 2, Arg2: 3, Out: arrow.BinaryTypes.String, Name: "sagg"},
		{Func: exec.AggVarSamp, Arg: 4, Out: dec, Name: "vs"},
		{Func: exec.AggVarPop, Arg: 4, Out: f64, Name: "vp"},
		{Func: exec.AggStddevSamp, Arg: 5, Out: f64, Name: "ss"},
		{Func: exec.AggStddevPop, Arg: 5, Out: f64, Name: "sp"},
		{Func: exec.AggStringAgg, Arg: 2, Arg2: 3, Out: arrow.BinaryTypes.String, Name: "sdist", Distinct: true},
	}
	want := []string{
		// x of g1: 2,4,4,5,9 mean 4.8, ss=(7.84+.64+.64+.04+17.64)=26.8 -> var_samp 6.7, var_pop 5.36
		// f of g1: 1.5,2.5,3.5 -> stddev_samp 1, stddev_pop sqrt(2/3)
		"1|false|true|a;bc-d|6.700000|5.36|1|0.816496580927726|a;bc-d",
		"2|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
		"3|true|true|z|NULL|0|NULL|0|z",
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
