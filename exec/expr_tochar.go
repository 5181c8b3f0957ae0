package exec

import (
	"strconv"
	"strings"
	"time"
)

// toCharTimestamp formats a timestamp (microseconds since 1970, no time zone) with
// PostgreSQL's to_char template patterns: YYYY YYY YY Y, MM, DD, DDD, D, HH24 HH12 HH, MI,
// SS, MS, US, AM/PM, Mon MON mon, Month MONTH month, Dy DY dy, Day DAY day, Q, WW, FM
// (no padding) and TH/th (ordinal suffix); "quoted text" and other characters are copied.
func toCharTimestamp(us int64, f string) string { return toCharTime(us, f, false) }

// toCharTime is to_char for a timestamp (tz false: TZ and OF print nothing) or a
// timestamptz shown in the session time zone UTC (TZ prints UTC, OF +00).
func toCharTime(us int64, f string, tz bool) string {
	t := time.UnixMicro(us).UTC()
	fm := false
	num := func(v, width int) string {
		s := strconv.Itoa(v)
		if !fm {
			for len(s) < width {
				s = "0" + s
			}
		}
		return s
	}
	name := func(s string, width int) string {
		if !fm {
			for len(s) < width {
				s += " "
			}
		}
		return s
	}
	cases := func(s, pat string) string { // Month / MONTH / month
		switch {
		case pat == strings.ToUpper(pat):
			return strings.ToUpper(s)
		case pat == strings.ToLower(pat):
			return strings.ToLower(s)
		}
		return s
	}
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	zone := func(s string) (string, int) {
		if !tz {
			return "", -1
		}
		return s, -1
	}
	isoY, isoW := t.ISOWeek()
	sod := t.Hour()*3600 + t.Minute()*60 + t.Second()
	jd := int(t.Unix()/86400) + 2440588
	if us < 0 && us%86400000000 != 0 {
		jd--
	}
	cc := (t.Year() + 99) / 100
	pats := []tcPat{
		{"TZH", func(string) (string, int) { return "+00", -1 }},
		{"TZM", func(string) (string, int) { return "00", -1 }},
		{"TZ", func(string) (string, int) { return zone("UTC") }},
		{"tz", func(string) (string, int) { return zone("utc") }},
		{"OF", func(string) (string, int) { return "+00", -1 }},
		{"SSSSS", func(string) (string, int) { return strconv.Itoa(sod), sod }},
		{"SSSS", func(string) (string, int) { return strconv.Itoa(sod), sod }},
		{"A.M.", func(string) (string, int) { return ampm(t.Hour(), "A.M.", "P.M."), -1 }},
		{"P.M.", func(string) (string, int) { return ampm(t.Hour(), "A.M.", "P.M."), -1 }},
		{"a.m.", func(string) (string, int) { return ampm(t.Hour(), "a.m.", "p.m."), -1 }},
		{"p.m.", func(string) (string, int) { return ampm(t.Hour(), "a.m.", "p.m."), -1 }},
		{"B.C.", func(string) (string, int) { return "A.D.", -1 }},
		{"A.D.", func(string) (string, int) { return "A.D.", -1 }},
		{"BC", func(string) (string, int) { return "AD", -1 }},
		{"AD", func(string) (string, int) { return "AD", -1 }},
		{"FF1", func(string) (string, int) { return num(t.Nanosecond()/1e8, 1), -1 }},
		{"FF2", func(string) (string, int) { return num(t.Nanosecond()/1e7, 2), -1 }},
		{"FF3", func(string) (string, int) { return num(t.Nanosecond()/1e6, 3), -1 }},
		{"FF4", func(string) (string, int) { return num(t.Nanosecond()/1e5, 4), -1 }},
		{"FF5", func(string) (string, int) { return num(t.Nanosecond()/1e4, 5), -1 }},
		{"FF6", func(string) (string, int) { return num(t.Nanosecond()/1e3, 6), -1 }},
		{"Y,YYY", func(string) (string, int) {
			return strconv.Itoa(t.Year()/1000) + "," + num(t.Year()%1000, 3), t.Year()
		}},
		{"IYYY", func(string) (string, int) { return num(isoY, 4), isoY }},
		{"IW", func(string) (string, int) { return num(isoW, 2), isoW }},
		{"ID", func(string) (string, int) { d := (int(t.Weekday())+6)%7 + 1; return strconv.Itoa(d), d }},
		{"CC", func(string) (string, int) { return num(cc, 2), cc }},
		{"J", func(string) (string, int) { return strconv.Itoa(jd), jd }},
		{"HH24", func(string) (string, int) { return num(t.Hour(), 2), t.Hour() }},
		{"HH12", func(string) (string, int) { return num(hour12, 2), hour12 }},
		{"HH", func(string) (string, int) { return num(hour12, 2), hour12 }},
		{"MI", func(string) (string, int) { return num(t.Minute(), 2), t.Minute() }},
		{"SS", func(string) (string, int) { return num(t.Second(), 2), t.Second() }},
		{"MS", func(string) (string, int) { return num(t.Nanosecond()/1e6, 3), t.Nanosecond() / 1e6 }},
		{"US", func(string) (string, int) { return num(t.Nanosecond()/1e3, 6), t.Nanosecond() / 1e3 }},
		{"AM", func(string) (string, int) { return ampm(t.Hour(), "AM", "PM"), -1 }},
		{"PM", func(string) (string, int) { return ampm(t.Hour(), "AM", "PM"), -1 }},
		{"am", func(string) (string, int) { return ampm(t.Hour(), "am", "pm"), -1 }},
		{"pm", func(string) (string, int) { return ampm(t.Hour(), "am", "pm"), -1 }},
		{"YYYY", func(string) (string, int) { return num(t.Year(), 4), t.Year() }},
		{"YYY", func(string) (string, int) { return num(t.Year()%1000, 3), t.Year() % 1000 }},
		{"YY", func(string) (string, int) { return num(t.Year()%100, 2), t.Year() % 100 }},
		{"Y", func(string) (string, int) { return num(t.Year()%10, 1), t.Year() % 10 }},
		{"MONTH", func(p string) (string, int) { return name(cases(t.Month().String(), p), 9), -1 }},
		{"Month", func(p string) (string, int) { return name(cases(t.Month().String(), p), 9), -1 }},
		{"month", func(p string) (string, int) { return name(cases(t.Month().String(), p), 9), -1 }},
		{"MON", func(p string) (string, int) { return cases(t.Month().String()[:3], p), -1 }},
		{"Mon", func(p string) (string, int) { return cases(t.Month().String()[:3], p), -1 }},
		{"mon", func(p string) (string, int) { return cases(t.Month().String()[:3], p), -1 }},
		{"MM", func(string) (string, int) { return num(int(t.Month()), 2), int(t.Month()) }},
		{"DAY", func(p string) (string, int) { return name(cases(t.Weekday().String(), p), 9), -1 }},
		{"Day", func(p string) (string, int) { return name(cases(t.Weekday().String(), p), 9), -1 }},
		{"day", func(p string) (string, int) { return name(cases(t.Weekday().String(), p), 9), -1 }},
		{"DY", func(p string) (string, int) { return cases(t.Weekday().String()[:3], p), -1 }},
		{"Dy", func(p string) (string, int) { return cases(t.Weekday().String()[:3], p), -1 }},
		{"dy", func(p string) (string, int) { return cases(t.Weekday().String()[:3], p), -1 }},
		{"DDD", func(string) (string, int) { return num(t.YearDay(), 3), t.YearDay() }},
		{"DD", func(string) (string, int) { return num(t.Day(), 2), t.Day() }},
		{"D", func(string) (string, int) { return strconv.Itoa(int(t.Weekday()) + 1), int(t.Weekday()) + 1 }},
		{"Q", func(string) (string, int) { q := (int(t.Month())-1)/3 + 1; return strconv.Itoa(q), q }},
		{"WW", func(string) (string, int) { w := (t.YearDay()-1)/7 + 1; return num(w, 2), w }},
		{"W", func(string) (string, int) { w := (t.Day()-1)/7 + 1; return strconv.Itoa(w), w }},
	}
	return renderTemplate(f, pats, &fm)
}

// tcPat is one to_char template pattern: out gives its text and its numeric value for a
// TH suffix (-1: none).
type tcPat struct {
	p   string
	out func(p string) (string, int)
}

// renderTemplate writes a date/time template: "quoted text" copied, FM setting *fm for
// the next pattern, patterns replaced, other characters copied.
func renderTemplate(f string, pats []tcPat, fm *bool) string {
	var b strings.Builder
	for i := 0; i < len(f); {
		if f[i] == '"' {
			j := strings.IndexByte(f[i+1:], '"')
			if j < 0 {
				b.WriteString(f[i+1:])
				break
			}
			b.WriteString(f[i+1 : i+1+j])
			i += j + 2
			continue
		}
		if strings.HasPrefix(f[i:], "FM") || strings.HasPrefix(f[i:], "fm") {
			*fm = true
			i += 2
			continue
		}
		matched := false
		// exact spellings first (Month, month and MONTH differ); then the lowercase
		// spelling of a numeric pattern (hh24, yyyy), which PostgreSQL also accepts
		p, ok := matchPat(f[i:], pats)
		if ok {
			s, v := p.out(p.p)
			b.WriteString(s)
			i += len(p.p)
			if v >= 0 && (strings.HasPrefix(f[i:], "TH") || strings.HasPrefix(f[i:], "th")) {
				suf := ordinal(v)
				if f[i] == 'T' {
					suf = strings.ToUpper(suf)
				}
				b.WriteString(suf)
				i += 2
			}
			matched = true
		}
		*fm = false
		if !matched {
			b.WriteByte(f[i])
			i++
		}
	}
	return b.String()
}

func ampm(h int, am, pm string) string {
	if h < 12 {
		return am
	}
	return pm
}

func ordinal(v int) string {
	if v%100 >= 11 && v%100 <= 13 {
		return "th"
	}
	switch v % 10 {
	case 1:
		return "st"
	case 2:
		return "nd"
	case 3:
		return "rd"
	}
	return "th"
}

// matchPat finds the pattern at the start of f: an exact spelling, else the lowercase
// spelling of one (whose text never depends on the spelling's case).
func matchPat(f string, pats []tcPat) (tcPat, bool) {
	for _, p := range pats {
		if strings.HasPrefix(f, p.p) {
			return p, true
		}
	}
	for _, p := range pats {
		if lp := strings.ToLower(p.p); lp != p.p && strings.HasPrefix(f, lp) {
			return tcPat{p: lp, out: func(string) (string, int) { return p.out(p.p) }}, true
		}
	}
	return tcPat{}, false
}
