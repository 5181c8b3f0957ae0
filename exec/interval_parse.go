package exec

import (
	"math"
	"strconv"
	"strings"
)

// ParseInterval reads PostgreSQL's interval input: the postgres and verbose styles
// ('1 year 2 mons -3 days +04:05:06', '@ 1 hour ago', units with fractions such as
// '1.5 days', signs apart from their number as in '1 month - 1 day'), SQL's year-month
// '1-2', and ISO 8601 with designators ('P1Y2M3DT4H5M6S', 'P1W') or in the alternative
// format ('P0001-02-03T04:05:06'). field is the unit a bare number counts (the type
// modifier of INTERVAL '90' DAY), "" for seconds. Fractions spill down as PostgreSQL's
// DecodeInterval does: years to whole months, months to days (30) and time, weeks and days to
// time. The planner's literals and the executor's text cast both use it.
func ParseInterval(s, field string) (months, days int32, micros int64, err error) {
	raw := s
	bad := func() (int32, int32, int64, error) {
		return 0, 0, 0, invalidf("invalid input syntax for type interval: %q", raw)
	}
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return bad()
	}
	var acc ivAcc
	var ok bool
	if s[0] == 'p' {
		ok = acc.iso(s[1:])
	} else {
		ok = acc.text(s, field)
	}
	if !ok {
		return bad()
	}
	m, d, us := acc.months, acc.days, acc.micros+math.Round(acc.frac)
	if math.Abs(m) > math.MaxInt32 || math.Abs(d) > math.MaxInt32 || math.Abs(us) > math.MaxInt64/2 {
		return 0, 0, 0, invalidf("interval field value out of range: %q", raw)
	}
	return int32(m), int32(d), int64(us), nil
}

type ivAcc struct {
	months, days, micros float64 // whole months and days; micros
	frac                 float64 // fractional microseconds
}

const ivUsPerSec, ivUsPerMin, ivUsPerHour, ivUsPerDay = 1e6, 60e6, 3600e6, 86400e6

// add adds num of unit with PostgreSQL's spill of fractions.
func (a *ivAcc) add(num float64, unit string) bool {
	whole := math.Trunc(num)
	fr := num - whole
	days := func(d float64) { // whole days, the fraction to time
		w := math.Trunc(d)
		a.days += w
		a.frac += (d - w) * ivUsPerDay
	}
	switch unit {
	case "microsecond", "microseconds", "us", "usec", "usecs", "useconds":
		a.frac += num
	case "millisecond", "milliseconds", "ms", "msec", "msecs", "mseconds":
		a.frac += num * 1000
	case "second", "seconds", "s", "sec", "secs":
		a.frac += num * ivUsPerSec
	case "minute", "minutes", "m", "min", "mins":
		a.frac += num * ivUsPerMin
	case "hour", "hours", "h", "hr", "hrs":
		a.frac += num * ivUsPerHour
	case "day", "days", "d":
		days(num)
	case "week", "weeks", "w":
		days(num * 7)
	case "month", "months", "mon", "mons":
		a.months += whole
		days(fr * 30)
	case "year", "years", "y", "yr", "yrs":
		a.months += whole*12 + math.RoundToEven(fr*12)
	case "decade", "decades", "dec", "decs":
		a.months += whole*120 + math.RoundToEven(fr*120)
	case "century", "centuries", "c", "cent":
		a.months += whole*1200 + math.RoundToEven(fr*1200)
	case "millennium", "millennia", "mil", "mils":
		a.months += whole*12000 + math.RoundToEven(fr*12000)
	default:
		return false
	}
	return true
}

func (a *ivAcc) negate() {
	a.months, a.days, a.micros, a.frac = -a.months, -a.days, -a.micros, -a.frac
}

func isIvNumber(t string) bool {
	if t == "" {
		return false
	}
	_, err := strconv.ParseFloat(t, 64)
	return err == nil && !strings.ContainsAny(t, "einfa")
}

// text reads the postgres/verbose/SQL styles.
func (a *ivAcc) text(s, field string) bool {
	ago := false
	if strings.HasSuffix(s, " ago") || s == "ago" {
		ago = true
		s = strings.TrimSpace(strings.TrimSuffix(s, "ago"))
	}
	s = strings.TrimSpace(strings.TrimPrefix(s, "@"))
	raw := strings.Fields(s)
	// a sign apart from its number joins it: '1 month - 1 day'
	var toks []string
	for i := 0; i < len(raw); i++ {
		if (raw[i] == "-" || raw[i] == "+") && i+1 < len(raw) {
			toks = append(toks, raw[i]+raw[i+1])
			i++
			continue
		}
		toks = append(toks, raw[i])
	}
	if len(toks) == 0 {
		return false
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if strings.Contains(t, ":") {
			us, ok := parseIvClock(t)
			if !ok {
				return false
			}
			a.frac += us
			continue
		}
		if y, m, ok := yearMonth(t); ok {
			a.months += y*12 + m
			continue
		}
		var num float64
		unit := ""
		if isIvNumber(t) {
			num, _ = strconv.ParseFloat(t, 64)
			switch {
			case i+1 < len(toks) && !isIvNumber(toks[i+1]) && !strings.Contains(toks[i+1], ":") && !strings.ContainsAny(toks[i+1][:1], "+-0123456789."):
				unit = toks[i+1]
				i++
			case i+1 < len(toks) && strings.Contains(toks[i+1], ":"):
				unit = "day" // '1 2:03:04': a bare number before a time counts days
			default:
				unit = field
				if unit == "" {
					unit = "second"
				}
			}
		} else {
			// number glued to its unit: 1day, 10s
			j := strings.IndexFunc(t, func(r rune) bool { return r != '-' && r != '+' && r != '.' && (r < '0' || r > '9') })
			if j <= 0 {
				return false
			}
			var err error
			if num, err = strconv.ParseFloat(t[:j], 64); err != nil {
				return false
			}
			unit = t[j:]
		}
		if !a.add(num, unit) {
			return false
		}
	}
	if ago {
		a.negate()
	}
	return true
}

// yearMonth reads SQL's year-month literal 'Y-M' (with an optional sign).
func yearMonth(t string) (float64, float64, bool) {
	neg := strings.HasPrefix(t, "-")
	body := strings.TrimLeft(t, "+-")
	y, m, found := strings.Cut(body, "-")
	if !found || y == "" || m == "" {
		return 0, 0, false
	}
	yv, err1 := strconv.ParseUint(y, 10, 31)
	mv, err2 := strconv.ParseUint(m, 10, 31)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	if neg {
		return -float64(yv), -float64(mv), true
	}
	return float64(yv), float64(mv), true
}

func parseIvClock(t string) (float64, bool) {
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
	if err1 != nil || err2 != nil || err3 != nil || h < 0 || m < 0 || sec < 0 {
		return 0, false
	}
	us := h*ivUsPerHour + m*ivUsPerMin + sec*ivUsPerSec
	if neg {
		us = -us
	}
	return us, true
}

// iso reads ISO 8601 after the P: designators or the alternative format.
func (a *ivAcc) iso(s string) bool {
	if s == "" {
		return false
	}
	date, tm, hasT := strings.Cut(s, "t")
	if hasT && tm == "" {
		return false
	}
	// alternative format: YYYY-MM-DD and/or HH:MM:SS
	if strings.Contains(date, "-") && !strings.ContainsAny(date, "ymwd") || strings.Contains(tm, ":") {
		if date != "" {
			parts := strings.Split(date, "-")
			if len(parts) != 3 {
				return false
			}
			units := []string{"year", "month", "day"}
			for k, p := range parts {
				v, err := strconv.ParseFloat(p, 64)
				if err != nil || !a.add(v, units[k]) {
					return false
				}
			}
		}
		if hasT {
			us, ok := parseIvClock(tm)
			if !ok {
				return false
			}
			a.frac += us
		}
		return true
	}
	read := func(part string, units map[byte]string) bool {
		for part != "" {
			j := strings.IndexFunc(part, func(r rune) bool { return r != '-' && r != '+' && r != '.' && (r < '0' || r > '9') })
			if j <= 0 {
				return false
			}
			v, err := strconv.ParseFloat(part[:j], 64)
			u, ok := units[part[j]]
			if err != nil || !ok || !a.add(v, u) {
				return false
			}
			part = part[j+1:]
		}
		return true
	}
	if !read(date, map[byte]string{'y': "year", 'm': "month", 'w': "week", 'd': "day"}) {
		return false
	}
	return read(tm, map[byte]string{'h': "hour", 'm': "minute", 's': "second"})
}
