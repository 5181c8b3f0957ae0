package logical

import (
	"github.com/tern-db/tern/functions"
)

// Interval is an INTERVAL value: months, days and microseconds kept apart, as PostgreSQL
// (and Arrow's month_day_nano) do.
type Interval struct {
	Months int32
	Days   int32
	Micros int64
}

// parseInterval reads interval text with the executor's parser (exec.ParseInterval through
// the function registry), so literals and text casts read the same syntax. field is the unit
// a bare number counts (INTERVAL '90' DAY); "" means seconds.
func parseInterval(s, field string) (Interval, error) {
	m, d, us, err := functions.ParseInterval(s, field)
	if err != nil {
		return Interval{}, err
	}
	return Interval{Months: m, Days: d, Micros: us}, nil
}

// FormatInterval renders an interval in PostgreSQL's default (postgres) style.
func FormatInterval(iv Interval) string {
	return functions.FormatInterval(iv.Months, iv.Days, iv.Micros)
}

// IntervalFieldName maps an INTERVAL type modifier (PostgreSQL's field mask) to the unit a
// bare number counts.
func IntervalFieldName(mask int32) string {
	const (
		month  = 1 << 1
		year   = 1 << 2
		day    = 1 << 3
		hour   = 1 << 10
		minute = 1 << 11
		second = 1 << 12
	)
	// the smallest field in the mask
	switch {
	case mask&second != 0:
		return "second"
	case mask&minute != 0:
		return "minute"
	case mask&hour != 0:
		return "hour"
	case mask&day != 0:
		return "day"
	case mask&month != 0:
		return "month"
	case mask&year != 0:
		return "year"
	}
	return ""
}
