package exec_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
	"github.com/tern-db/tern/proto/errs"
)

// aggOut is the planner's output type for f over in (PostgreSQL's rules).
func aggOut(f exec.AggFunc, in arrow.DataType) arrow.DataType {
	switch f {
	case exec.AggCountStar, exec.AggCount:
		return arrow.PrimitiveTypes.Int64
	case exec.AggSum:
		switch in.ID() {
		case arrow.INT16, arrow.INT32:
			return arrow.PrimitiveTypes.Int64
		case arrow.INT64:
			return dec380
		case arrow.DECIMAL128:
			return &arrow.Decimal128Type{Precision: 38, Scale: in.(*arrow.Decimal128Type).Scale}
		}
		return in
	case exec.AggAvg:
		switch in.ID() {
		case arrow.INT16, arrow.INT32, arrow.INT64:
			return &arrow.Decimal128Type{Precision: 38, Scale: 16}
		case arrow.DECIMAL128:
			return &arrow.Decimal128Type{Precision: 38, Scale: in.(*arrow.Decimal128Type).Scale + 4}
		}
		return arrow.PrimitiveTypes.Float64
	}
	return in
}

// refAgg computes one aggregate over rows of arr, rendered like cell.
func refAgg(spec exec.AggSpec, arr arrow.Array, rows []int) string {
	if spec.Func == exec.AggCountStar {
		return strconv.Itoa(len(rows))
	}
	var vals []int
	seen := map[string]bool{}
	for _, r := range rows {
		if arr.IsNull(r) {
			continue
		}
		if spec.Distinct {
			c := cell(arr, r)
			if seen[c] {
				continue
			}
			seen[c] = true
		}
		vals = append(vals, r)
	}
	if spec.Func == exec.AggCount {
		return strconv.Itoa(len(vals))
	}
	if len(vals) == 0 {
		return "NULL"
	}
	switch spec.Func {
	case exec.AggMin, exec.AggMax:
		best := vals[0]
		for _, r := range vals[1:] {
			c := cmpCells(arr, r, best)
			if (spec.Func == exec.AggMin && c < 0) || (spec.Func == exec.AggMax && c > 0) {
				best = r
			}
		}
		return cell(arr, best)
	}
	// SUM / AVG
	switch a := arr.(type) {
	case *array.Float32, *array.Float64:
		s := 0.0
		for _, r := range vals {
			s += floatAt(a, r)
		}
		if spec.Func == exec.AggAvg {
			s /= float64(len(vals))
		}
		if spec.Out.ID() == arrow.FLOAT32 {
			return fmtFloat(float64(float32(s)))
		}
		return fmtFloat(s)
	}
	sum := new(big.Int)
	inScale := int32(0)
	for _, r := range vals {
		switch a := arr.(type) {
		case *array.Int16:
			sum.Add(sum, big.NewInt(int64(a.Value(r))))
		case *array.Int32:
			sum.Add(sum, big.NewInt(int64(a.Value(r))))
		case *array.Int64:
			sum.Add(sum, big.NewInt(a.Value(r)))
		case *array.Decimal128:
			inScale = a.DataType().(*arrow.Decimal128Type).Scale
			sum.Add(sum, a.Value(r).BigInt())
		}
	}
	switch o := spec.Out.(type) {
	case *arrow.Int64Type:
		return sum.String()
	case *arrow.Decimal128Type:
		num := new(big.Int).Mul(sum, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(o.Scale-inScale)), nil))
		den := big.NewInt(1)
		if spec.Func == exec.AggAvg {
			den = big.NewInt(int64(len(vals)))
		}
		neg := num.Sign() < 0
		num.Abs(num)
		q, m := new(big.Int).QuoRem(num, den, new(big.Int))
		if m.Lsh(m, 1).Cmp(den) >= 0 {
			q.Add(q, big.NewInt(1))
		}
		if neg {
			q.Neg(q)
		}
		return decimal128.FromBigInt(q).ToString(o.Scale)
	}
	panic("refAgg: " + spec.Out.String())
}

func floatAt(a arrow.Array, r int) float64 {
	switch x := a.(type) {
	case *array.Float32:
		return float64(x.Value(r))
	case *array.Float64:
		return x.Value(r)
	}
	panic("floatAt")
}

// cmpCells orders two non-NULL values of arr with PostgreSQL's rules.
func cmpCells(arr arrow.Array, i, j int) int {
	switch a := arr.(type) {
	case *array.Boolean:
		return cmpOrd(b2i(a.Value(i)), b2i(a.Value(j)))
	case *array.Int16:
		return cmpOrd(a.Value(i), a.Value(j))
	case *array.Int32:
		return cmpOrd(a.Value(i), a.Value(j))
	case *array.Int64:
		return cmpOrd(a.Value(i), a.Value(j))
	case *array.Date32:
		return cmpOrd(a.Value(i), a.Value(j))
	case *array.Timestamp:
		return cmpOrd(a.Value(i), a.Value(j))
	case *array.Float32, *array.Float64:
		x, y := floatAt(a, i), floatAt(a, j)
		switch {
		case x != x && y != y:
			return 0
		case x != x:
			return 1
		case y != y:
			return -1
		}
		return cmpOrd(x, y)
	case *array.Decimal128:
		return a.Value(i).Cmp(a.Value(j))
	case *array.String:
		return strings.Compare(a.Value(i), a.Value(j))
	}
	panic("cmpCells " + arr.DataType().String())
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func cmpOrd[T int | int16 | int32 | int64 | float64 | arrow.Date32 | arrow.Timestamp](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// refGroupBy renders the expected output rows of a hash aggregate.
func refGroupBy(rec arrow.RecordBatch, groupCols []int, aggs []exec.AggSpec) []string {
	groups := map[string][]int{}
	var order []string
	keyRow := map[string]int{}
	for r := 0; r < int(rec.NumRows()); r++ {
		var parts []string
		for _, c := range groupCols {
			parts = append(parts, cell(rec.Column(c), r))
		}
		k := strings.Join(parts, "|")
		if _, ok := groups[k]; !ok {
			order = append(order, k)
			keyRow[k] = r
		}
		groups[k] = append(groups[k], r)
	}
	if len(groupCols) == 0 && len(order) == 0 {
		order = append(order, "")
	}
	var out []string
	for _, k := range order {
		var parts []string
		if len(groupCols) > 0 {
			parts = append(parts, k)
		}
		for _, a := range aggs {
			var arg arrow.Array
			if a.Func != exec.AggCountStar {
				arg = rec.Column(a.Arg)
			}
			parts = append(parts, refAgg(a, arg, groups[k]))
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out
}

// aggSchema has one column of every supported type.
func aggSchema() *arrow.Schema {
	var fields []arrow.Field
	for i, dt := range allKeyTypes {
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("c%d_%s", i, dt.ID()), Type: dt, Nullable: true})
	}
	return arrow.NewSchema(fields, nil)
}

// allAggs: COUNT(*), and for every column COUNT, MIN, MAX, SUM/AVG where numeric, and a few
// DISTINCT variants.
func allAggs(schema *arrow.Schema) []exec.AggSpec {
	aggs := []exec.AggSpec{{Func: exec.AggCountStar, Out: arrow.PrimitiveTypes.Int64, Name: "n"}}
	for i, f := range schema.Fields() {
		funcs := []exec.AggFunc{exec.AggCount, exec.AggMin, exec.AggMax}
		switch f.Type.ID() {
		case arrow.INT16, arrow.INT32, arrow.INT64, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128:
			funcs = append(funcs, exec.AggSum, exec.AggAvg)
		}
		for _, fn := range funcs {
			aggs = append(aggs, exec.AggSpec{Func: fn, Arg: i, Out: aggOut(fn, f.Type), Name: fmt.Sprintf("a%d_%d", fn, i)})
		}
		for _, fn := range []exec.AggFunc{exec.AggCount, exec.AggSum} {
			if fn == exec.AggSum && len(funcs) == 3 {
				continue
			}
			aggs = append(aggs, exec.AggSpec{Func: fn, Arg: i, Distinct: true, Out: aggOut(fn, f.Type), Name: fmt.Sprintf("d%d_%d", fn, i)})
		}
	}
	return aggs
}

func TestHashAggregateRandom(t *testing.T) {
	schema := aggSchema()
	aggs := allAggs(schema)
	groupings := [][]int{{}, {1, 7, 0}, {4, 3}}
	for i := range schema.Fields() {
		groupings = append(groupings, []int{i})
	}
	for _, gc := range groupings {
		for _, size := range exectest.BatchSizes {
			for _, nullFrac := range []float64{0, 0.2} {
				t.Run(fmt.Sprintf("group%v/size%d/nulls%v", gc, size, nullFrac), func(t *testing.T) {
					mem := exectest.Alloc(t)
					rng := rand.New(rand.NewPCG(uint64(size), uint64(len(gc))))
					cards := make([]int, schema.NumFields())
					for i := range cards {
						cards[i] = 40
					}
					rec := randRecord(mem, schema, 800, cards, nullFrac, rng)
					defer rec.Release()
					op, err := exec.NewHashAggregate(exec.Env{Alloc: mem, BatchSize: size}, exectest.SourceOf(rec, size), gc, aggs)
					if err != nil {
						t.Fatal(err)
					}
					got := drainRows(t, op)
					diffRows(t, got, refGroupBy(rec, gc, aggs))
				})
			}
		}
	}
}

func TestHashAggregateSmall(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "v", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	}, nil)
	i64 := arrow.PrimitiveTypes.Int64
	avgT := &arrow.Decimal128Type{Precision: 38, Scale: 16}
	aggs := []exec.AggSpec{
		{Func: exec.AggCountStar, Out: i64, Name: "n"},
		{Func: exec.AggCount, Arg: 1, Out: i64, Name: "c"},
		{Func: exec.AggSum, Arg: 1, Out: i64, Name: "s"},
		{Func: exec.AggAvg, Arg: 1, Out: avgT, Name: "a"},
		{Func: exec.AggCount, Arg: 1, Distinct: true, Out: i64, Name: "cd"},
	}
	tests := []struct {
		name  string
		rows  string
		group []int
		want  []string
	}{
		{"empty no groups", `[]`, nil, []string{"0|0|NULL|NULL|0"}},
		{"empty with groups", `[]`, []int{0}, nil},
		{"null group", `[{"k":null,"v":1},{"k":"a","v":2},{"k":null,"v":null},{"k":"a","v":2}]`, []int{0},
			[]string{"NULL|2|1|1|1.0000000000000000|1", "a|2|2|4|2.0000000000000000|1"}},
		{"avg rounding", `[{"k":"x","v":1},{"k":"x","v":1},{"k":"x","v":2}]`, []int{0},
			[]string{"x|3|3|4|1.3333333333333333|2"}},
		{"avg rounding half away", `[{"k":"x","v":-1},{"k":"x","v":-1},{"k":"x","v":-2}]`, []int{0},
			[]string{"x|3|3|-4|-1.3333333333333333|2"}},
		{"avg two thirds", `[{"k":"x","v":-1},{"k":"x","v":-1},{"k":"x","v":0}]`, nil,
			[]string{"3|3|-2|-0.6666666666666667|2"}},
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

func TestHashAggregateSumInt64Overflow(t *testing.T) {
	mem := exectest.Alloc(t)
	schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewInt64Builder(mem)
	for i := 0; i < 1000; i++ {
		b.Append(math.MaxInt64)
	}
	arr := b.NewArray()
	b.Release()
	rec := array.NewRecordBatch(schema, []arrow.Array{arr}, 1000)
	arr.Release()
	defer rec.Release()
	// 1000 * MaxInt64 fits in decimal(38,0): exact.
	op, err := exec.NewHashAggregate(exec.Env{Alloc: mem}, exectest.SourceOf(rec, 7), nil,
		[]exec.AggSpec{{Func: exec.AggSum, Out: dec380, Name: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	want := new(big.Int).Mul(big.NewInt(math.MaxInt64), big.NewInt(1000)).String()
	diffRows(t, drainRows(t, op), []string{want})
	// decimal(38,0) sum beyond 10^38: numeric field overflow.
	db := array.NewDecimal128Builder(mem, dec380)
	big37 := decimal128.FromBigInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(37), nil))
	for i := 0; i < 20; i++ {
		db.Append(big37)
	}
	darr := db.NewArray()
	db.Release()
	dschema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: dec380}}, nil)
	drec := array.NewRecordBatch(dschema, []arrow.Array{darr}, 20)
	darr.Release()
	defer drec.Release()
	op, err = exec.NewHashAggregate(exec.Env{Alloc: mem}, exectest.SourceOf(drec, 3), nil,
		[]exec.AggSpec{{Func: exec.AggSum, Out: dec380, Name: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = exec.Drain(context.Background(), op)
	if !errors.Is(err, errs.ErrInvalidArgument) || !strings.Contains(err.Error(), "numeric field overflow") {
		t.Fatalf("want numeric field overflow, got %v", err)
	}
}

func TestHashAggregateLifecycle(t *testing.T) {
	schema := aggSchema()
	aggs := allAggs(schema)
	for _, size := range exectest.BatchSizes {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			mem := exectest.Alloc(t)
			rec := randRecord(mem, schema, 3000, repeatInt(1000, schema.NumFields()), 0.1, rand.New(rand.NewPCG(1, 2)))
			defer rec.Release()
			env := exec.Env{Alloc: mem, BatchSize: size}
			// Close without Open, twice.
			op, _ := exec.NewHashAggregate(env, exectest.SourceOf(rec, size), []int{2}, aggs)
			op.Close()
			op.Close()
			// Early close after one batch.
			op, _ = exec.NewHashAggregate(env, exectest.SourceOf(rec, size), []int{2}, aggs)
			pullOne(t, op)
			// Input error mid-way.
			op, _ = exec.NewHashAggregate(env, &errOp{Operator: exectest.SourceOf(rec, size), n: 2, err: errs.ErrSourceUnavailable}, []int{2}, aggs)
			if _, err := exec.Drain(context.Background(), op); !errors.Is(err, errs.ErrSourceUnavailable) {
				t.Fatalf("got %v", err)
			}
			// Cancelled context.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			op, _ = exec.NewHashAggregate(env, exectest.SourceOf(rec, size), []int{2}, aggs)
			if _, err := exec.Drain(ctx, op); !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func repeatInt(v, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func benchAgg(b *testing.B, rows, groups int, keyType arrow.DataType) {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: keyType}, {Name: "v", Type: arrow.PrimitiveTypes.Int64}, {Name: "f", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	rec := randRecord(mem, schema, rows, []int{groups, 1000, 1000}, 0, rand.New(rand.NewPCG(1, 1)))
	defer rec.Release()
	parts := exectest.Slice(rec, exec.DefaultBatchSize)
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	aggs := []exec.AggSpec{
		{Func: exec.AggCountStar, Out: arrow.PrimitiveTypes.Int64, Name: "n"},
		{Func: exec.AggSum, Arg: 1, Out: dec380, Name: "s"},
		{Func: exec.AggAvg, Arg: 2, Out: arrow.PrimitiveTypes.Float64, Name: "a"},
		{Func: exec.AggMax, Arg: 1, Out: arrow.PrimitiveTypes.Int64, Name: "m"},
	}
	b.ResetTimer()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		op, err := exec.NewHashAggregate(exec.Env{Alloc: mem}, exec.NewSource(schema, slices.Clone(parts)...), []int{0}, aggs)
		if err != nil {
			b.Fatal(err)
		}
		out, err := exec.Drain(context.Background(), op)
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range out {
			o.Release()
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
}

func BenchmarkHashAggInt64_1M_1kGroups(b *testing.B) {
	benchAgg(b, 1<<20, 1000, arrow.PrimitiveTypes.Int64)
}
func BenchmarkHashAggInt64_1M_100kGroups(b *testing.B) {
	benchAgg(b, 1<<20, 100000, arrow.PrimitiveTypes.Int64)
}
func BenchmarkHashAggString_1M_1kGroups(b *testing.B) {
	benchAgg(b, 1<<20, 1000, arrow.BinaryTypes.String)
}
func BenchmarkHashAggString_1M_100kGroups(b *testing.B) {
	benchAgg(b, 1<<20, 100000, arrow.BinaryTypes.String)
}
