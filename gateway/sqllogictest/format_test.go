package sqllogictest

import (
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestFormatFloat(t *testing.T) {
	// Expected strings are PostgreSQL 15's output for the same values.
	for _, tc := range []struct {
		f    float64
		want string
	}{
		{0.1, "0.1"}, {1e20, "1e+20"}, {1e15, "1e+15"}, {1e14, "100000000000000"},
		{123456789012345, "123456789012345"}, {0.0001, "0.0001"}, {0.00001, "1e-05"},
		{1.0 / 3, "0.3333333333333333"}, {-2.5, "-2.5"}, {0, "0"}, {math.Copysign(0, -1), "-0"},
		{math.Inf(1), "Infinity"}, {math.Inf(-1), "-Infinity"}, {math.NaN(), "NaN"},
		{1.2345678901234567e19, "1.2345678901234567e+19"}, {100, "100"},
	} {
		if got := FormatFloat64(tc.f); got != tc.want {
			t.Errorf("FormatFloat64(%v) = %q, want %q", tc.f, got, tc.want)
		}
	}
	for _, tc := range []struct {
		f    float32
		want string
	}{
		{1e6, "1e+06"}, {123456, "123456"}, {1234567, "1.234567e+06"}, {0.1, "0.1"},
		{1.5e-5, "1.5e-05"}, {float32(math.NaN()), "NaN"}, {3.75, "3.75"},
	} {
		if got := FormatFloat32(tc.f); got != tc.want {
			t.Errorf("FormatFloat32(%v) = %q, want %q", tc.f, got, tc.want)
		}
	}
}

func TestFormatDecimal(t *testing.T) {
	for _, tc := range []struct {
		v     int64
		scale int32
		want  string
	}{
		{1975, 2, "19.75"}, {10000, 2, "100.00"}, {-1, 2, "-0.01"}, {5, 3, "0.005"},
		{0, 2, "0.00"}, {42, 0, "42"}, {12, -2, "1200"}, {-2345, 2, "-23.45"},
	} {
		if got := FormatDecimal(big.NewInt(tc.v), tc.scale); got != tc.want {
			t.Errorf("FormatDecimal(%d, %d) = %q, want %q", tc.v, tc.scale, got, tc.want)
		}
	}
}

func TestFormatTimes(t *testing.T) {
	ts := time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC)
	if got := FormatTimestamp(ts); got != "2024-01-02 10:00:00" {
		t.Error(got)
	}
	if got := FormatTimestamp(ts.Add(250 * time.Millisecond)); got != "2024-01-02 10:00:00.25" {
		t.Error(got)
	}
	if got := FormatTimestampTZ(ts.In(time.FixedZone("x", 3600))); got != "2024-01-02 10:00:00+00" {
		t.Error(got)
	}
	if got := FormatDate(ts); got != "2024-01-02" {
		t.Error(got)
	}
	if got := FormatDate(time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC)); got != "0001-12-31 BC" {
		t.Error(got)
	}
	for _, tc := range []struct {
		m, d int32
		ns   int64
		want string
	}{
		{0, 0, 0, "00:00:00"}, {0, 1, 0, "1 day"}, {14, 3, int64(4*time.Hour + 5*time.Minute + 6*time.Second), "1 year 2 mons 3 days 04:05:06"},
		{1, 0, 0, "1 mon"}, {0, -1, 0, "-1 days"}, {0, 0, int64(90 * time.Minute), "01:30:00"},
	} {
		if got := FormatInterval(tc.m, tc.d, tc.ns); got != tc.want {
			t.Errorf("FormatInterval(%d, %d, %d) = %q, want %q", tc.m, tc.d, tc.ns, got, tc.want)
		}
	}
}

func TestCanonicalText(t *testing.T) {
	for in, want := range map[string]string{"": "(empty)", "a b": "a b", "a\nb\tc": `a\nb\tc`} {
		if got := CanonicalText(in); got != want {
			t.Errorf("CanonicalText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFormatArrowValue builds a record with one column per supported type and checks the
// rendering and the type letters.
func TestFormatArrowValue(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tsType := &arrow.TimestampType{Unit: arrow.Microsecond}
	tzType := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts", Type: tsType, Nullable: true},
		{Name: "tz", Type: tzType, Nullable: true},
	}, nil)
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	day := time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC)
	bld.Field(0).(*array.BooleanBuilder).AppendValues([]bool{true, false}, nil)
	bld.Field(1).(*array.Int16Builder).AppendValues([]int16{-32768, 7}, nil)
	bld.Field(2).(*array.Int64Builder).AppendValues([]int64{math.MaxInt64, 0}, nil)
	bld.Field(3).(*array.Float32Builder).AppendValues([]float32{1e6, 0.1}, nil)
	bld.Field(4).(*array.Float64Builder).AppendValues([]float64{1e20, 2.25}, nil)
	bld.Field(5).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(1975), decimal128.FromI64(10000)}, nil)
	bld.Field(6).(*array.StringBuilder).AppendValues([]string{"", "hello world"}, nil)
	bld.Field(7).(*array.Date32Builder).AppendValues([]arrow.Date32{arrow.Date32FromTime(day), 0}, nil)
	bld.Field(8).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(day.UnixMicro()), arrow.Timestamp(day.UnixMicro() + 500000)}, nil)
	bld.Field(9).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(day.UnixMicro()), 0}, nil)
	for _, f := range bld.Fields() {
		f.AppendNull()
	}
	rec := bld.NewRecordBatch()
	defer rec.Release()

	want := [][]string{
		{"t", "-32768", "9223372036854775807", "1e+06", "1e+20", "19.75", "(empty)", "2024-01-02", "2024-01-02 10:00:00", "2024-01-02 10:00:00+00"},
		{"f", "7", "0", "0.1", "2.25", "100.00", "hello world", "1970-01-01", "2024-01-02 10:00:00.5", "1970-01-01 00:00:00+00"},
		{"NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"},
	}
	for r, row := range want {
		for c, w := range row {
			if got := FormatArrowValue(rec.Column(c), r); got != w {
				t.Errorf("row %d column %s: got %q, want %q", r, schema.Field(c).Name, got, w)
			}
		}
	}
	var letters string
	for _, f := range schema.Fields() {
		letters += string(TypeLetter(f.Type))
	}
	if letters != "BIIRRRTDDD" {
		t.Errorf("type letters %q", letters)
	}
}
