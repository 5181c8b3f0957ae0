package logical

import (
	"github.com/tern-db/tern/functions"
	"math"
	"strconv"
	"strings"

	"github.com/tern-db/tern/proto/errs"
)

// Interval is an INTERVAL value: months, days and microseconds kept apart, as PostgreSQL
// (and Arrow's month_day_nano) do.
type Interval struct {
	Months int32
	Days   int32
	Micros int64
}

const (
	usPerSec  = int64(1_000_000)
	usPerMin  = 60 * usPerSec
	usPerHour = 60 * usPerMin
	usPerDay  = 24 * usPerHour
)

// IntervalField is the unit a bare number in an interval literal counts, from the type
// modifier (INTERVAL '90' DAY); "" means seconds.
func parseInterval(s, field string) (Interval, error) {
	raw := s
	s = strings.ToLower(strings.TrimSpace(s))
	bad := func() (Interval, error) {
		return Interval{}, Errorf(errs.ErrInvalidArgument, "invalid input syntax for type interval: %q", raw)
	}
	if s == "" {
		return bad()
	}
	ago := false
	if strings.HasSuffix(s, " ago") {
		ago = true
		s = strings.TrimSpace(strings.TrimSuffix(s, " ago"))
	}
	if strings.HasPrefix(s, "@") {
		s = strings.TrimSpace(s[1:])
	}
	toks := strings.Fields(s)
	var months, days float64
	var micros float64
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if strings.Contains(t, ":") {
			us, ok := parseClock(t)
			if !ok {
				return bad()
			}
			micros += us
			continue
		}
		num, err := strconv.ParseFloat(t, 64)
		unit := ""
		if err != nil {
			// number glued to its unit: 1day, 10s
			j := strings.IndexFunc(t, func(r rune) bool { return r != '-' && r != '+' && r != '.' && (r < '0' || r > '9') })
			if j <= 0 {
				return bad()
			}
			if num, err = strconv.ParseFloat(t[:j], 64); err != nil {
				return bad()
			}
			unit = t[j:]
		} else if i+1 < len(toks) && !strings.ContainsAny(toks[i+1][:1], "0123456789+-") {
			unit = toks[i+1]
			i++
		} else {
			unit = field
			if unit == "" {
				unit = "second"
			}
		}
		switch strings.TrimSuffix(unit, "s") {
		case "microsecond", "us", "usec":
			micros += num
		case "millisecond", "m", "msec":
			if unit == "m" {
				micros += num * float64(usPerMin)
			} else {
				micros += num * 1000
			}
		case "second", "sec", "":
			micros += num * float64(usPerSec)
		case "minute", "min":
			micros += num * float64(usPerMin)
		case "hour", "hr", "h":
			micros += num * float64(usPerHour)
		case "day", "d":
			days += num
		case "week", "w":
			days += num * 7
		case "month", "mon":
			months += num
		case "year", "yr", "y":
			months += num * 12
		case "decade":
			months += num * 120
		case "century", "centurie":
			months += num * 1200
		case "millennium", "millennia", "millennium_":
			months += num * 12000
		default:
			return bad()
		}
	}
	// fractions spill down: months -> days (30 per month), days -> time
	wm := math.Trunc(months)
	days += (months - wm) * 30
	wd := math.Trunc(days)
	micros += (days - wd) * float64(usPerDay)
	if math.Abs(wm) > math.MaxInt32 || math.Abs(wd) > math.MaxInt32 || math.Abs(micros) > math.MaxInt64/2 {
		return Interval{}, Errorf(errs.ErrInvalidArgument, "interval field value out of range: %q", raw)
	}
	iv := Interval{Months: int32(wm), Days: int32(wd), Micros: int64(math.Round(micros))}
	if ago {
		iv = Interval{Months: -iv.Months, Days: -iv.Days, Micros: -iv.Micros}
	}
	return iv, nil
}

func parseClock(t string) (float64, bool) {
	neg := strings.HasPrefix(t, "-")
	t = strings.TrimLeft(t, "+-")
	parts := strings.Split(t, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	h, err1 := strconv.ParseFloat(parts[0], 64)
	m, err2 := strconv.ParseFloat(parts[1], 64)
	sec := 0.0
	var err3 error
	if len(parts) == 3 {
		sec, err3 = strconv.ParseFloat(parts[2], 64)
	}
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, false
	}
	us := h*float64(usPerHour) + m*float64(usPerMin) + sec*float64(usPerSec)
	if neg {
		us = -us
	}
	return us, true
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
