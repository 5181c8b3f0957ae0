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
func toCharTimestamp(us int64, f string) string {
	t := time.UnixMicro(us).UTC()
	var b strings.Builder
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
	type pat struct {
		p   string
		out func(p string) (string, int) // text and its numeric value for TH (-1: none)
	}
	pats := []pat{
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
	}
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
			fm = true
			i += 2
			continue
		}
		matched := false
		for _, p := range pats {
			if strings.HasPrefix(f[i:], p.p) {
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
				break
			}
		}
		fm = false
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
