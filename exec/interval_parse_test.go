package exec

import "testing"

func TestParseInterval(t *testing.T) {
	cases := []struct {
		in, field string
		want      string // AppendInterval's rendering
	}{
		{"1 month - 1 day", "", "1 mon -1 days"},
		{"1 year 2 mons 3 days 04:05:06", "", "1 year 2 mons 3 days 04:05:06"},
		{"-1 day +02:03", "", "-1 days +02:03:00"},
		{"@ 1 hour ago", "", "-01:00:00"},
		{"P1Y2M3DT4H5M6S", "", "1 year 2 mons 3 days 04:05:06"},
		{"P0001-02-03T04:05:06", "", "1 year 2 mons 3 days 04:05:06"},
		{"PT1.5S", "", "00:00:01.5"},
		{"1.5 days", "", "1 day 12:00:00"},
		{"1.5 months", "", "1 mon 15 days"},
		{"1.1 years", "", "1 year 1 mon"},
		{"1 2:03:04", "", "1 day 02:03:04"},
		{"1-2", "", "1 year 2 mons"},
		{"90", "day", "90 days"},
		{"3", "", "00:00:03"},
		{"10s", "", "00:00:10"},
	}
	for _, c := range cases {
		m, d, us, err := ParseInterval(c.in, c.field)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := string(AppendInterval(nil, m, d, us)); got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"", "abc", "1 fortnight", "P", "P1X", "PT", "1:2:3:4", "P1Y2M3DT"} {
		if _, _, _, err := ParseInterval(bad, ""); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
