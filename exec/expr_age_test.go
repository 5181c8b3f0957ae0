package exec

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// TestAgeOf pins ageOf to PostgreSQL 15's age(timestamp, timestamp) answers (months, days and
// time as extracted there), around month ends, leap days, negative results and BC years.
func TestAgeOf(t *testing.T) {
	us := func(s string) int64 {
		for _, layout := range []string{"2006-01-02 15:04:05.999999", "2006-01-02 15:04", "2006-01-02"} {
			if v, err := time.Parse(layout, s); err == nil {
				return v.UnixMicro()
			}
		}
		t.Fatalf("bad timestamp %q", s)
		return 0
	}
	cases := []struct {
		a, b         string
		months, days int32
		timeUS       int64
	}{
		{"2001-04-10", "1957-06-13", 525, 27, 0},
		{"2024-03-31", "2024-02-29", 1, 2, 0},
		{"2024-02-29", "2024-03-31", -1, -2, 0},
		{"2023-03-01", "2023-01-31", 1, 1, 0},
		{"2023-01-31", "2023-03-01", -1, -1, 0},
		{"2024-03-01 00:00:00", "2024-02-29 23:59:59.5", 0, 0, 500000},
		{"2024-02-29 23:59:59.5", "2024-03-01 00:00:00", 0, 0, -500000},
		{"2000-01-01", "2000-01-01", 0, 0, 0},
		{"2025-02-28 10:00", "2024-02-29 12:30:15.25", 11, 27, 77384750000},
		{"1999-12-31 23:59:59.999999", "2000-01-01 00:00:00", 0, 0, -1},
		{"-0009-01-01", "0001-01-01", -120, 0, 0}, // 10 BC
		{"2024-05-15 06:00", "2024-04-30 18:00", 0, 14, 43200000000},
	}
	for _, c := range cases {
		var a int64
		if c.a == "-0009-01-01" { // time.Parse takes no negative years
			a = time.Date(-9, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
		} else {
			a = us(c.a)
		}
		b := us(c.b)
		want := arrow.MonthDayNanoInterval{Months: c.months, Days: c.days, Nanoseconds: c.timeUS * 1000}
		if got := ageOf(a, b); got != want {
			t.Errorf("age(%s, %s) = %+v, want %+v", c.a, c.b, got, want)
		}
	}
}

// The kernel takes timestamps with or without a zone and date32, and refuses other types and
// the one-argument form (the binder rewrites that).
func TestAgeKernelTypes(t *testing.T) {
	ts := &arrow.TimestampType{Unit: arrow.Microsecond}
	tz := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	typedArgs := func(ts []arrow.DataType) []Expr {
		out := make([]Expr, len(ts))
		for i, t := range ts {
			out[i] = NewColumnRef(i, t)
		}
		return out
	}
	for _, args := range [][]arrow.DataType{{ts, ts}, {tz, tz}, {arrow.FixedWidthTypes.Date32, ts}} {
		if _, _, err := ageKernel(typedArgs(args), nil); err != nil {
			t.Errorf("age%v: %v", args, err)
		}
	}
	for _, args := range [][]arrow.DataType{{ts}, {arrow.BinaryTypes.String, ts}} {
		if _, _, err := ageKernel(typedArgs(args), nil); err == nil {
			t.Errorf("age%v: want an error", args)
		}
	}
}
