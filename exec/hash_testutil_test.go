package exec_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/exec"
)

// Shared helpers for the hash aggregate, hash join and sort tests: random batches of every
// supported type with NULLs, and a canonical rendering of cells for reference comparisons.

var (
	tsUS   = &arrow.TimestampType{Unit: arrow.Microsecond}
	tsUTC  = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	dec102 = &arrow.Decimal128Type{Precision: 10, Scale: 2}
	dec380 = &arrow.Decimal128Type{Precision: 38, Scale: 0}
)

// allKeyTypes are the types every key/sort test covers.
var allKeyTypes = []arrow.DataType{
	arrow.FixedWidthTypes.Boolean, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int32,
	arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64,
	dec102, arrow.BinaryTypes.String, arrow.FixedWidthTypes.Date32, tsUS, tsUTC,
}

// randArray builds n values of dt drawn from about card distinct values, nullFrac NULL.
func randArray(mem memory.Allocator, dt arrow.DataType, n, card int, nullFrac float64, rng *rand.Rand) arrow.Array {
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	for i := 0; i < n; i++ {
		if rng.Float64() < nullFrac {
			b.AppendNull()
			continue
		}
		k := rng.IntN(card)
		sign := 1
		if k%2 == 1 {
			sign = -1
		}
		v := int64(sign * k / 2)
		switch bb := b.(type) {
		case *array.BooleanBuilder:
			bb.Append(k%2 == 0)
		case *array.Int16Builder:
			bb.Append(int16(v))
		case *array.Int32Builder:
			bb.Append(int32(v))
		case *array.Int64Builder:
			bb.Append(v * 1000003)
		case *array.Float32Builder:
			switch k % 7 {
			case 5:
				bb.Append(float32(math.NaN()))
			case 6:
				bb.Append(float32(math.Copysign(0, -1)))
			default:
				bb.Append(float32(v) / 4)
			}
		case *array.Float64Builder:
			switch k % 7 {
			case 5:
				bb.Append(math.NaN())
			case 6:
				bb.Append(math.Copysign(0, -1))
			case 4:
				bb.Append(math.Inf(sign))
			default:
				bb.Append(float64(v) / 8)
			}
		case *array.Decimal128Builder:
			bb.Append(decimal128.FromI64(v * 37))
		case *array.StringBuilder:
			bb.Append(strings.Repeat("x", k%3) + strconv.Itoa(k) + strings.Repeat("é", k%2))
		case *array.Date32Builder:
			bb.Append(arrow.Date32(v))
		case *array.TimestampBuilder:
			bb.Append(arrow.Timestamp(v * 1_000_000))
		default:
			panic(fmt.Sprintf("randArray: %s", dt))
		}
	}
	return b.NewArray()
}

func randRecord(mem memory.Allocator, schema *arrow.Schema, n int, cards []int, nullFrac float64, rng *rand.Rand) arrow.RecordBatch {
	cols := make([]arrow.Array, schema.NumFields())
	for i, f := range schema.Fields() {
		cols[i] = randArray(mem, f.Type, n, cards[i], nullFrac, rng)
	}
	rec := array.NewRecordBatch(schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// cell renders one value canonically: NULL, floats with -0 as 0, decimals at their scale,
// timestamps as raw numbers.
func cell(arr arrow.Array, i int) string {
	if arr.IsNull(i) {
		return "NULL"
	}
	switch a := arr.(type) {
	case *array.Float32:
		return fmtFloat(float64(a.Value(i)))
	case *array.Float64:
		return fmtFloat(a.Value(i))
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Timestamp:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Date32:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	}
	return arr.ValueStr(i)
}

func fmtFloat(f float64) string {
	if f == 0 {
		return "0"
	}
	if f != f {
		return "NaN"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func rowOf(cols []arrow.Array, i int) string {
	parts := make([]string, len(cols))
	for c, a := range cols {
		parts[c] = cell(a, i)
	}
	return strings.Join(parts, "|")
}

// drainRows drains op and renders its rows with cell, checking the schema of every batch.
func drainRows(t testing.TB, op exec.Operator) []string {
	t.Helper()
	batches, err := exec.Drain(context.Background(), op)
	if err != nil {
		t.Fatalf("drain: %v", err)
	}
	var out []string
	for _, b := range batches {
		if !b.Schema().Equal(op.Schema()) {
			t.Fatalf("batch schema %s != operator schema %s", b.Schema(), op.Schema())
		}
		if b.NumRows() == 0 {
			t.Fatalf("empty batch")
		}
		for r := 0; r < int(b.NumRows()); r++ {
			out = append(out, rowOf(b.Columns(), r))
		}
		b.Release()
	}
	return out
}

func sorted(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

func diffRows(t testing.TB, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d\ngot:  %.20q\nwant: %.20q", len(got), len(want), got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("row %d: got %q, want %q", i, got[i], want[i])
		}
	}
}

// errOp is an operator that fails on the nth Next.
type errOp struct {
	exec.Operator
	n   int
	err error
}

func (e *errOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if e.n == 0 {
		return nil, e.err
	}
	e.n--
	return e.Operator.Next(ctx)
}

// pullOne opens op, reads one batch and closes it (early close).
func pullOne(t testing.TB, op exec.Operator) {
	t.Helper()
	ctx := context.Background()
	if err := op.Open(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := op.Next(ctx)
	if err != nil && err != io.EOF {
		t.Fatal(err)
	}
	if b != nil {
		b.Release()
	}
	if err := op.Close(); err != nil {
		t.Fatal(err)
	}
	if err := op.Close(); err != nil {
		t.Fatal(err)
	}
}
