package exec_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/exec"
)

// TestInListHashSetMatchesEquality checks the hash-set IN (long constant lists) against
// what the list means, an OR of `=` comparisons, for every key type (NaN, -0 and infinities
// among the floats, NULL values and a NULL option), row by row.
func TestInListHashSetMatchesEquality(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	litMem := memory.NewGoAllocator() // literals are Go-allocated and never released
	types := append(append([]arrow.DataType{}, allKeyTypes...), arrow.FixedWidthTypes.MonthDayNanoInterval)
	for _, dt := range types {
		for _, withNull := range []bool{false, true} {
			rng := rand.New(rand.NewPCG(7, uint64(dt.ID())))
			var data arrow.Array
			if dt.ID() == arrow.INTERVAL_MONTH_DAY_NANO {
				rec := intervalRecord(mem, append(append(intervalKeys, intervalKeys...), intervalKeys...))
				data = rec.Column(0)
				data.Retain()
				rec.Release()
			} else {
				data = randArray(mem, dt, 3000, 40, 0.1, rng)
			}
			schema := schemaOf(dt)
			b := eb{t: t, schema: schema}
			// options: some values of the data (so rows match) and values from elsewhere
			var opts []exec.Expr
			var optData arrow.Array
			if dt.ID() == arrow.INTERVAL_MONTH_DAY_NANO {
				rec := intervalRecord(litMem, intervalKeys[:9])
				optData = rec.Column(0)
				optData.Retain()
				rec.Release()
			} else {
				optData = randArray(litMem, dt, 20, 60, 0, rng)
			}
			for i := 0; i < optData.Len(); i++ {
				if optData.IsNull(i) && !withNull {
					continue
				}
				sl := array.NewSlice(optData, int64(i), int64(i+1))
				opts = append(opts, exec.NewLiteralArray(sl))
				sl.Release()
			}
			if withNull {
				opts = append(opts, b.null(dt))
			}
			if len(opts) < 8 {
				t.Fatalf("%s: only %d options; the hash set is not exercised", dt, len(opts))
			}
			in, err := exec.NewInList(b.col(0), opts)
			if err != nil {
				t.Fatalf("%s: %v", dt, err)
			}
			eqs := make([]exec.Expr, len(opts))
			for i, o := range opts {
				eqs[i] = b.call("equal", arrow.FixedWidthTypes.Boolean, b.col(0), o)
			}
			ref := b.call("or", arrow.FixedWidthTypes.Boolean, eqs...)
			rec := array.NewRecordBatch(schema, []arrow.Array{data}, int64(data.Len()))
			// also a slice with an offset, as batches of a scan often are
			for _, r := range []arrow.RecordBatch{rec, rec.NewSlice(5, int64(data.Len()))} {
				got, err := in.Eval(context.Background(), r, mem)
				if err != nil {
					t.Fatalf("%s: %v", dt, err)
				}
				want, err := ref.Eval(context.Background(), r, mem)
				if err != nil {
					t.Fatalf("%s: %v", dt, err)
				}
				found := 0
				for i := 0; i < got.Len(); i++ {
					if g, w := cell(got, i), cell(want, i); g != w {
						t.Fatalf("%s (null option %v) row %d (%s): IN gives %s, OR of = gives %s", dt, withNull, i, cell(r.Column(0), i), g, w)
					}
					if cell(got, i) == "true" {
						found++
					}
				}
				if found == 0 {
					t.Fatalf("%s: no row matched; the test data is wrong", dt)
				}
				got.Release()
				want.Release()
				if r != rec {
					r.Release()
				}
			}
			rec.Release()
			data.Release()
			optData.Release()
		}
	}
}

// TestInListHashSetScalar covers a constant value (NULL IN (...) is NULL; a value found is
// TRUE on every row) and a value not found in a list holding NULL.
func TestInListHashSetScalar(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := schemaOf(tI64)
	b := eb{t: t, schema: schema}
	var opts []exec.Expr
	for i := int64(0); i < 10; i++ {
		opts = append(opts, b.lit(i))
	}
	withNull := append(append([]exec.Expr{}, opts...), b.null(tI64))
	ib := array.NewInt64Builder(mem)
	ib.AppendValues([]int64{1, 2, 3}, nil)
	col := ib.NewArray()
	ib.Release()
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, 3)
	col.Release()
	defer rec.Release()
	for _, tc := range []struct {
		value exec.Expr
		opts  []exec.Expr
		want  string
	}{
		{b.null(tI64), opts, "NULL"},
		{b.lit(int64(4)), opts, "true"},
		{b.lit(int64(40)), opts, "false"},
		{b.lit(int64(40)), withNull, "NULL"},
		{b.lit(int64(4)), withNull, "true"},
	} {
		in, err := exec.NewInList(tc.value, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := in.Eval(context.Background(), rec, mem)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < got.Len(); i++ {
			if c := cell(got, i); c != tc.want {
				t.Errorf("%s: row %d = %s, want %s", in, i, c, tc.want)
			}
		}
		got.Release()
	}
}
