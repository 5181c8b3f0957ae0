package exec_test

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
)

const nsPerHour = int64(3600e9)

// intervalRecord builds (k interval, v int32) rows; a nil interval is NULL.
func intervalRecord(mem memory.Allocator, ivs []*arrow.MonthDayNanoInterval) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.FixedWidthTypes.MonthDayNanoInterval, Nullable: true},
		{Name: "v", Type: arrow.PrimitiveTypes.Int32},
	}, nil)
	kb := array.NewMonthDayNanoIntervalBuilder(mem)
	defer kb.Release()
	vb := array.NewInt32Builder(mem)
	defer vb.Release()
	for i, iv := range ivs {
		if iv == nil {
			kb.AppendNull()
		} else {
			kb.Append(*iv)
		}
		vb.Append(int32(i))
	}
	k, v := kb.NewArray(), vb.NewArray()
	defer k.Release()
	defer v.Release()
	return array.NewRecordBatch(schema, []arrow.Array{k, v}, int64(len(ivs)))
}

func iv(months, days int32, hours int64) *arrow.MonthDayNanoInterval {
	return &arrow.MonthDayNanoInterval{Months: months, Days: days, Nanoseconds: hours * nsPerHour}
}

// Intervals are keys by PostgreSQL's normalized value (1 mon = 30 days, 1 day = 24 hours); a
// group shows the first value seen.
var intervalKeys = []*arrow.MonthDayNanoInterval{
	iv(0, 1, 0), iv(0, 0, 24), iv(1, 0, 0), nil, iv(0, 30, 0), iv(0, 0, 720), iv(0, -1, 0),
	iv(0, 0, -24), iv(0, 1, -1), iv(0, 0, 23), nil, iv(0, 2, -24), {Nanoseconds: 1000}, {Nanoseconds: 1000},
}

func ivCell(k *arrow.MonthDayNanoInterval) string {
	if k == nil {
		return "NULL"
	}
	return fmt.Sprintf(`{"months":%d,"days":%d,"nanoseconds":%d}`, k.Months, k.Days, k.Nanoseconds)
}

func TestHashAggregateIntervalKeys(t *testing.T) {
	i64 := arrow.PrimitiveTypes.Int64
	aggs := []exec.AggSpec{{Func: exec.AggCountStar, Out: i64, Name: "n"}}
	want := []string{
		ivCell(iv(0, 1, 0)) + "|3", ivCell(iv(1, 0, 0)) + "|3", "NULL|2", ivCell(iv(0, -1, 0)) + "|2",
		ivCell(iv(0, 1, -1)) + "|2", ivCell(intervalKeys[12]) + "|2",
	}
	for _, size := range exectest.BatchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := exectest.Alloc(t)
			rec := intervalRecord(mem, intervalKeys)
			defer rec.Release()
			op, err := exec.NewHashAggregate(exec.Env{Alloc: mem, BatchSize: size}, exectest.SourceOf(rec, size), []int{0}, aggs)
			if err != nil {
				t.Fatal(err)
			}
			diffRows(t, sorted(drainRows(t, op)), sorted(want))
		})
	}
}

func TestSetOpIntervalKeys(t *testing.T) {
	mem := exectest.Alloc(t)
	a := intervalRecord(mem, intervalKeys[:6])
	defer a.Release()
	b := intervalRecord(mem, intervalKeys[6:])
	defer b.Release()
	proj := func(rec arrow.RecordBatch) exec.Operator {
		k := rec.NewSlice(0, rec.NumRows())
		defer k.Release()
		cols := []arrow.Array{k.Column(0)}
		one := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{rec.Schema().Field(0)}, nil), cols, rec.NumRows())
		t.Cleanup(one.Release)
		return exectest.SourceOf(one, 4)
	}
	op, err := exec.NewSetOp(exec.Env{Alloc: mem, BatchSize: 4}, []exec.Operator{proj(a), proj(b)}, exec.UnionDistinct)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{ivCell(iv(0, 1, 0)), ivCell(iv(1, 0, 0)), "NULL", ivCell(iv(0, -1, 0)), ivCell(iv(0, 1, -1)), ivCell(intervalKeys[12])}
	diffRows(t, sorted(drainRows(t, op)), sorted(want))

	op, err = exec.NewSetOp(exec.Env{Alloc: mem, BatchSize: 4}, []exec.Operator{proj(a), proj(b)}, exec.IntersectDistinct)
	if err != nil {
		t.Fatal(err)
	}
	// a has 1 day, 1 mon, NULL; b has 1 day (as '2 days -24 hours') and NULL
	diffRows(t, sorted(drainRows(t, op)), sorted([]string{ivCell(iv(0, 1, 0)), "NULL"}))
}

func TestHashJoinIntervalKeys(t *testing.T) {
	mem := exectest.Alloc(t)
	l := intervalRecord(mem, []*arrow.MonthDayNanoInterval{iv(0, 1, 0), iv(1, 0, 0), nil, iv(0, 0, 1)})
	defer l.Release()
	r := intervalRecord(mem, []*arrow.MonthDayNanoInterval{iv(0, 0, 24), iv(0, 30, 0), nil, iv(0, 0, 2), iv(0, 2, -24)})
	defer r.Release()
	op, err := exec.NewHashJoin(exec.Env{Alloc: mem, BatchSize: 2}, exectest.SourceOf(l, 2), exectest.SourceOf(r, 2), []int{0}, []int{0}, exec.JoinInner)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		ivCell(iv(0, 1, 0)) + "|0|" + ivCell(iv(0, 0, 24)) + "|0",
		ivCell(iv(0, 1, 0)) + "|0|" + ivCell(iv(0, 2, -24)) + "|4",
		ivCell(iv(1, 0, 0)) + "|1|" + ivCell(iv(0, 30, 0)) + "|1",
	}
	diffRows(t, sorted(drainRows(t, op)), sorted(want))
}
