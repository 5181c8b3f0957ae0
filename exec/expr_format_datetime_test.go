package exec

import (
	"math"
	"strings"
	"testing"
)

func TestToTimestampFmt(t *testing.T) {
	cases := []struct{ in, f, want string }{
		{"2024-03-05 14:30:00", "YYYY-MM-DD HH24:MI:SS", "2024-03-05 14:30:00"},
		{"2024-03-05 02:30:00 PM", "YYYY-MM-DD HH:MI:SS AM", "2024-03-05 14:30:00"},
		{"2024-03-05 10:00:00 -03:30", "YYYY-MM-DD HH24:MI:SS TZH:TZM", "2024-03-05 13:30:00"},
		{"05 Mar 2024", "DD Mon YYYY", "2024-03-05 00:00:00"},
		{"2024 060", "YYYY DDD", "2024-02-29 00:00:00"},
	}
	for _, c := range cases {
		us, err := toTimestampFmt(c.in, c.f)
		if err != nil {
			t.Fatalf("to_timestamp(%q, %q): %v", c.in, c.f, err)
		}
		if got := string(formatTimestamp(nil, us, false)); got != c.want {
			t.Errorf("to_timestamp(%q, %q) = %s, want %s", c.in, c.f, got, c.want)
		}
	}
}

func TestToDateErrors(t *testing.T) {
	for _, c := range []struct{ in, f, want string }{
		{"2024-13-01", "YYYY-MM-DD", `date/time field value out of range: "2024-13-01"`},
		{"2024-ab-01", "YYYY-MM-DD", `invalid value "ab" for "MM"`},
		{"2024 Foo 01", "YYYY Mon DD", `invalid value "Foo" for "Mon"`},
		{"20", "YYYYMMDD", `source string too short for "YYYY" formatting field`},
	} {
		if _, err := toDate(c.in, c.f); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("to_date(%q, %q): got %v, want %q", c.in, c.f, err, c.want)
		}
	}
	if _, err := toTimestampEpoch(math.NaN()); err == nil {
		t.Error("to_timestamp(NaN) succeeded")
	}
}

// FuzzDateTemplates feeds arbitrary inputs and templates to to_date/to_timestamp and the
// date/time to_char: errors are fine, panics are not.
func FuzzDateTemplates(f *testing.F) {
	f.Add("2024-03-05 14:30:00 +05:30", "YYYY-MM-DD HH24:MI:SS TZH:TZM", int64(1709649000000000))
	f.Add("March 5, 2024", "FMMonth DD, YYYY", int64(0))
	f.Add("1,999 366", "Y,YYY DDD", int64(-1))
	f.Fuzz(func(t *testing.T, in, tmpl string, us int64) {
		if len(tmpl) > 64 || len(in) > 64 {
			return
		}
		_, _ = toDate(in, tmpl)
		_, _ = toTimestampFmt(in, tmpl)
		if us > -1e17 && us < 1e17 {
			_ = toCharTime(us, tmpl, true)
		}
		_, _ = toCharInterval(int32(us%1000), int32(us%100), us, tmpl)
	})
}
