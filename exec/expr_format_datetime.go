package exec

import (
	"math"
	"strconv"
	"strings"
	"unicode"
)

// PostgreSQL's to_date(text, fmt) and to_timestamp(text, fmt): the template's patterns read
// fields from the input as formatting.c's DCH_from_char does outside FX mode (blanks before
// fields skipped, a separator in the template matching one separator in the input or none,
// a numeric field reading its width, or every digit when a separator or the end follows it
// or FM is given), then the fields are checked and combined into a date or an instant.

// dchField is one template pattern with the width of its numeric value.
type dchField struct {
	pat   string
	width int
}

// dchPatterns in PostgreSQL's matching order (longer spellings first).
var dchPatterns = []dchField{
	{"A.M.", 0}, {"a.m.", 0}, {"P.M.", 0}, {"p.m.", 0}, {"AM", 0}, {"am", 0}, {"PM", 0}, {"pm", 0},
	{"B.C.", 0}, {"b.c.", 0}, {"A.D.", 0}, {"a.d.", 0}, {"BC", 0}, {"bc", 0}, {"AD", 0}, {"ad", 0},
	{"CC", 2}, {"DAY", 0}, {"Day", 0}, {"day", 0}, {"DDD", 3}, {"DD", 2}, {"DY", 0}, {"Dy", 0}, {"dy", 0},
	{"D", 1}, {"FF1", 1}, {"FF2", 2}, {"FF3", 3}, {"FF4", 4}, {"FF5", 5}, {"FF6", 6}, {"FX", 0},
	{"HH24", 2}, {"HH12", 2}, {"HH", 2}, {"IDDD", 3}, {"ID", 1}, {"IW", 2}, {"IYYY", 4}, {"IYY", 3}, {"IY", 2}, {"I", 1},
	{"J", 1}, {"MI", 2}, {"MM", 2}, {"MONTH", 0}, {"Month", 0}, {"month", 0}, {"MON", 0}, {"Mon", 0}, {"mon", 0},
	{"MS", 3}, {"OF", 0}, {"Q", 1}, {"RM", 0}, {"rm", 0}, {"SSSSS", 5}, {"SSSS", 5}, {"SS", 2}, {"TZH", 2}, {"TZM", 2}, {"TZ", 0}, {"tz", 0},
	{"US", 6}, {"WW", 2}, {"W", 1}, {"Y,YYY", 5}, {"YYYY", 4}, {"YYY", 3}, {"YY", 2}, {"Y", 1},
	{"cc", 2}, {"ddd", 3}, {"dd", 2}, {"d", 1}, {"ff1", 1}, {"ff2", 2}, {"ff3", 3}, {"ff4", 4}, {"ff5", 5}, {"ff6", 6}, {"fx", 0},
	{"hh24", 2}, {"hh12", 2}, {"hh", 2}, {"iddd", 3}, {"id", 1}, {"iw", 2}, {"iyyy", 4}, {"iyy", 3}, {"iy", 2}, {"i", 1},
	{"j", 1}, {"mi", 2}, {"mm", 2}, {"ms", 3}, {"of", 0}, {"q", 1}, {"sssss", 5}, {"ssss", 5}, {"ss", 2}, {"tzh", 2}, {"tzm", 2},
	{"us", 6}, {"ww", 2}, {"w", 1}, {"y,yyy", 5}, {"yyyy", 4}, {"yyy", 3}, {"yy", 2}, {"y", 1},
}

const (
	dchAction = iota
	dchSpace
	dchSep
	dchChar
)

type dchNode struct {
	kind int
	f    dchField
	ch   string
	fm   bool // FM prefix
	th   bool // TH/th suffix
}

func isSepChar(c byte) bool {
	return c > 0x20 && c < 0x7f && !(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9')
}

// parseDchFormat splits a date/time template into nodes.
func parseDchFormat(f string) []dchNode {
	var nodes []dchNode
	fm := false
	for i := 0; i < len(f); {
		if strings.HasPrefix(f[i:], "FM") || strings.HasPrefix(f[i:], "fm") {
			fm = true
			i += 2
			continue
		}
		matched := false
		for _, p := range dchPatterns {
			if strings.HasPrefix(f[i:], p.pat) {
				n := dchNode{kind: dchAction, f: p, fm: fm}
				i += len(p.pat)
				if strings.HasPrefix(f[i:], "TH") || strings.HasPrefix(f[i:], "th") {
					n.th = true
					i += 2
				}
				nodes = append(nodes, n)
				matched = true
				break
			}
		}
		fm = false
		if matched {
			continue
		}
		switch c := f[i]; {
		case c == '"':
			j := i + 1
			for j < len(f) && f[j] != '"' {
				if f[j] == '\\' && j+1 < len(f) {
					j++
				}
				_, w := firstRune(f[j:])
				nodes = append(nodes, dchNode{kind: dchChar, ch: f[j : j+w]})
				j += w
			}
			i = j + 1
		case c == '\\' && i+1 < len(f) && f[i+1] == '"':
			nodes = append(nodes, dchNode{kind: dchChar, ch: "\""})
			i += 2
		case isSepChar(c):
			nodes = append(nodes, dchNode{kind: dchSep, ch: f[i : i+1]})
			i++
		case c == ' ' || c == '\t' || c == '\n':
			nodes = append(nodes, dchNode{kind: dchSpace, ch: f[i : i+1]})
			i++
		default:
			_, w := firstRune(f[i:])
			nodes = append(nodes, dchNode{kind: dchChar, ch: f[i : i+w]})
			i += w
		}
	}
	return nodes
}

// dchParsed are the fields read from the input (PostgreSQL's TmFromChar).
type dchParsed struct {
	year, month, day, hour, min, sec, us, doy, j, cc int
	hasYear, hasMonth, hasDay, hasDoy, hasJ, hasCC   bool
	bc, pm, clock12                                  bool
	tzOff                                            int // seconds east of UTC
	tzhNeg                                           bool
}

var monthNames = []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
var dayNames = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

func dchNextIsSeparator(nodes []dchNode, k int) bool {
	if nodes[k].th {
		return true
	}
	if k+1 >= len(nodes) {
		return true
	}
	n := nodes[k+1]
	if n.kind == dchAction {
		return n.f.width == 0 // a text pattern (Mon, AM) is not read as digits
	}
	return !(len(n.ch) == 1 && n.ch[0] >= '0' && n.ch[0] <= '9')
}

// dchInt reads a numeric field: exactly its width, or all digits (with a sign) when FM is
// given or a separator follows. It returns the value and the characters read.
func dchInt(s string, pos *int, nodes []dchNode, k int) (int, int, error) {
	n := nodes[k]
	for *pos < len(s) && isSpaceByte(s[*pos]) {
		*pos++
	}
	rest := s[*pos:]
	width := n.f.width
	copyN := rest
	if len(copyN) > width {
		copyN = copyN[:width]
	}
	read := 0
	if n.fm || dchNextIsSeparator(nodes, k) {
		read = strtolLen(rest)
	} else {
		if len(rest) < width {
			return 0, 0, invalidf("source string too short for \"%s\" formatting field", n.f.pat)
		}
		read = strtolLen(copyN)
		if read > 0 && read < width {
			return 0, 0, invalidf("invalid value \"%s\" for \"%s\"", copyN, n.f.pat)
		}
	}
	if read == 0 {
		return 0, 0, invalidf("invalid value \"%s\" for \"%s\"", copyN, n.f.pat)
	}
	v, err := strconv.ParseInt(strings.TrimLeft(rest[:read], "+"), 10, 64)
	if err != nil || v < math.MinInt32 || v > math.MaxInt32 {
		return 0, 0, invalidf("value for \"%s\" in source string is out of range", n.f.pat)
	}
	*pos += read
	if n.th {
		*pos = min(len(s), *pos+2)
	}
	return int(v), read, nil
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// strtolLen is how many leading characters strtol would read as a base-10 integer.
func strtolLen(s string) int {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i {
		return 0
	}
	return j
}

// dchWord matches one of names (case-insensitively, full names or their 3-letter
// abbreviations) at s[pos:].
func dchWord(s string, pos *int, names []string, abbrev bool, pat string) (int, error) {
	rest := strings.ToLower(s[*pos:])
	for i, nm := range names {
		w := nm
		if abbrev {
			w = nm[:3]
		}
		if strings.HasPrefix(rest, w) {
			*pos += len(w)
			return i, nil
		}
	}
	shown := s[*pos:]
	if abbrev && len(shown) > 3 {
		shown = shown[:3]
	} else if !abbrev {
		if f := strings.FieldsFunc(shown, func(r rune) bool { return !unicode.IsLetter(r) }); len(f) > 0 {
			shown = f[0]
		}
	}
	return 0, invalidf("invalid value \"%s\" for \"%s\"", shown, pat)
}

func dchSet(dst *int, has *bool, v int, pat string) error {
	if *has && *dst != v {
		return invalidf("conflicting values for \"%s\" field in formatting string", pat)
	}
	*dst, *has = v, true
	return nil
}

// parseDch reads input through the template.
func parseDch(in, f string) (*dchParsed, error) {
	nodes := parseDchFormat(f)
	p := &dchParsed{}
	s, pos, extra := in, 0, 0
	for k, n := range nodes {
		if pos >= len(s) {
			break
		}
		if n.kind == dchAction || k == 0 {
			for pos < len(s) && isSpaceByte(s[pos]) {
				pos++
				extra++
			}
		}
		switch n.kind {
		case dchSpace, dchSep:
			extra--
			if pos < len(s) && (isSpaceByte(s[pos]) || isSepChar(s[pos])) {
				pos++
				extra++
			}
			continue
		case dchChar:
			if extra > 0 {
				extra--
			} else {
				_, w := firstRune(s[pos:])
				pos += w
			}
			continue
		}
		pat := n.f.pat
		up := strings.ToUpper(pat)
		var err error
		var v int
		switch up {
		case "FX":
		case "A.M.", "P.M.", "AM", "PM":
			rest := strings.ToLower(s[pos:])
			matched := false
			for _, c := range []struct {
				w  string
				pm bool
			}{{"a.m.", false}, {"p.m.", true}, {"am", false}, {"pm", true}} {
				if (len(c.w) == len(pat)) && strings.HasPrefix(rest, c.w) {
					p.pm, p.clock12 = c.pm, true
					pos += len(c.w)
					matched = true
					break
				}
			}
			if !matched {
				return nil, invalidf("invalid value \"%s\" for \"%s\"", s[pos:min(len(s), pos+len(pat))], pat)
			}
		case "B.C.", "A.D.", "BC", "AD":
			rest := strings.ToLower(s[pos:])
			switch {
			case strings.HasPrefix(rest, "b.c.") && len(pat) == 4, strings.HasPrefix(rest, "bc") && len(pat) == 2:
				p.bc = true
			case strings.HasPrefix(rest, "a.d.") && len(pat) == 4, strings.HasPrefix(rest, "ad") && len(pat) == 2:
			default:
				return nil, invalidf("invalid value \"%s\" for \"%s\"", s[pos:min(len(s), pos+len(pat))], pat)
			}
			pos += len(pat)
		case "MONTH", "MON":
			if v, err = dchWord(s, &pos, monthNames, up == "MON", pat); err == nil {
				err = dchSet(&p.month, &p.hasMonth, v+1, pat)
			}
		case "DAY", "DY":
			_, err = dchWord(s, &pos, dayNames, up == "DY", pat)
		case "TZ", "OF", "RM":
			return nil, notSupportedf("formatting field \"%s\" is only supported in to_char", pat)
		case "Y,YYY":
			var hi, lo int
			if hi, _, err = dchInt(s, &pos, []dchNode{{kind: dchAction, f: dchField{"Y,YYY", 1}, fm: true}}, 0); err == nil {
				if pos >= len(s) || s[pos] != ',' {
					return nil, invalidf("invalid input string for \"Y,YYY\"")
				}
				pos++
				if lo, _, err = dchInt(s, &pos, []dchNode{{kind: dchAction, f: dchField{"Y,YYY", 3}}}, 0); err == nil {
					err = dchSet(&p.year, &p.hasYear, hi*1000+lo, pat)
				}
			}
		case "TZH":
			// the offset's minus sign may have been taken as a separator: PostgreSQL then
			// takes the last skipped '-' as the sign
			sign := 1
			switch {
			case pos < len(s) && (s[pos] == '+' || s[pos] == '-' || s[pos] == ' '):
				if s[pos] == '-' {
					sign = -1
				}
				pos++
			case extra > 0 && pos > 0 && s[pos-1] == '-':
				sign = -1
			}
			if v, _, err = dchInt(s, &pos, nodes, k); err == nil {
				p.tzhNeg = sign < 0
				p.tzOff += sign * v * 3600
			}
		default:
			var read int
			v, read, err = dchInt(s, &pos, nodes, k)
			if err != nil {
				return nil, err
			}
			switch up {
			case "YYYY", "IYYY":
				err = dchSet(&p.year, &p.hasYear, v, pat)
			case "YYY", "IYY":
				err = dchSet(&p.year, &p.hasYear, adjustPartialYear(v, read), pat)
			case "YY", "IY":
				err = dchSet(&p.year, &p.hasYear, adjustPartialYear(v, read), pat)
			case "Y", "I":
				err = dchSet(&p.year, &p.hasYear, adjustPartialYear(v, read), pat)
			case "CC":
				p.cc, p.hasCC = v, true
			case "MM":
				err = dchSet(&p.month, &p.hasMonth, v, pat)
			case "DD":
				err = dchSet(&p.day, &p.hasDay, v, pat)
			case "DDD", "IDDD":
				err = dchSet(&p.doy, &p.hasDoy, v, pat)
			case "D", "ID", "Q", "WW", "W", "IW":
				// read and checked as numbers; like PostgreSQL, a full date given elsewhere wins
			case "J":
				p.j, p.hasJ = v, true
			case "HH", "HH12":
				p.hour, p.clock12 = v, true
			case "HH24":
				p.hour = v
			case "MI":
				p.min = v
			case "SS":
				p.sec = v
			case "SSSS", "SSSSS":
				p.hour, p.min, p.sec = v/3600, v%3600/60, v%60
			case "MS":
				p.us = v * []int{0, 100, 10, 1}[min(read, 3)] * 1000
			case "US", "FF1", "FF2", "FF3", "FF4", "FF5", "FF6":
				mul := 1
				for i := read; i < 6; i++ {
					mul *= 10
				}
				p.us = v * mul
			case "TZM":
				if p.tzhNeg {
					p.tzOff -= v * 60
				} else {
					p.tzOff += v * 60
				}
			}
		}
		if err != nil {
			return nil, err
		}
		extra = 0
		for pos < len(s) && isSpaceByte(s[pos]) {
			pos++
			extra++
		}
	}
	return p, nil
}

// adjustPartialYear is PostgreSQL's adjust_partial_year_to_2020: years given with fewer
// than four digits are taken nearest 2020.
func adjustPartialYear(y, _ int) int {
	switch {
	case y < 70:
		return y + 2000
	case y < 100:
		return y + 1900
	case y < 520:
		return y + 2000
	case y < 1000:
		return y + 1000
	}
	return y
}

// dchDays turns the fields into a day number (days since 1970-01-01) with PostgreSQL's
// checks; in names the input for range errors.
func (p *dchParsed) days(in string) (int64, error) {
	// astronomical years, as do_to_timestamp: year 0 is 1 BC, -5 is 5 BC; no year at all
	// is year 0 too
	year := 0
	switch {
	case p.hasYear:
		year = p.year
		if p.bc {
			year = -year
		}
		if year < 0 {
			year++
		}
	case p.hasCC:
		year = (p.cc-1)*100 + 1
		if p.cc < 0 {
			year = p.cc*100 + 1
		}
		if p.bc {
			year = 1 - year
		}
	}
	if p.hasJ {
		return int64(p.j) - 2440588, nil
	}
	// as PostgreSQL, a month or day of 0 counts as not given
	month, day := 1, 1
	if p.hasMonth && p.month != 0 {
		month = p.month
	}
	if p.hasDay && p.day != 0 {
		day = p.day
	}
	if p.hasDoy && !p.hasDay && !p.hasMonth {
		if p.doy < 1 || p.doy > 366 || (p.doy == 366 && daysIn(int64(year), 2) == 28) {
			return 0, invalidf("date/time field value out of range: \"%s\"", in)
		}
		return daysFromCivil(int64(year), 1, 1) + int64(p.doy) - 1, nil
	}
	if month < 1 || month > 12 || day < 1 || int64(day) > daysIn(int64(year), int64(month)) {
		return 0, invalidf("date/time field value out of range: \"%s\"", in)
	}
	return daysFromCivil(int64(year), int64(month), int64(day)), nil
}

// micros is the time of day in microseconds, with the 12-hour clock's checks.
func (p *dchParsed) micros(in string) (int64, error) {
	h := p.hour
	if p.clock12 {
		if h < 1 || h > 12 {
			return 0, invalidf("hour \"%d\" is invalid for the 12-hour clock", h)
		}
		if p.pm && h < 12 {
			h += 12
		} else if !p.pm && h == 12 {
			h = 0
		}
	}
	if h < 0 || h > 23 || p.min < 0 || p.min > 59 || p.sec < 0 || p.sec > 60 || p.us < 0 || p.us >= 1000000 {
		return 0, invalidf("date/time field value out of range: \"%s\"", in)
	}
	return ((int64(h)*60+int64(p.min))*60+int64(p.sec))*1e6 + int64(p.us), nil
}

// toDate is to_date(text, fmt): days since 1970-01-01.
func toDate(in, f string) (int64, error) {
	p, err := parseDch(in, f)
	if err != nil {
		return 0, err
	}
	return p.days(in)
}

// toTimestampFmt is to_timestamp(text, fmt): microseconds since 1970 UTC (the session time
// zone is UTC unless TZH/TZM give the offset).
func toTimestampFmt(in, f string) (int64, error) {
	p, err := parseDch(in, f)
	if err != nil {
		return 0, err
	}
	d, err := p.days(in)
	if err != nil {
		return 0, err
	}
	t, err := p.micros(in)
	if err != nil {
		return 0, err
	}
	return d*86400e6 + t - int64(p.tzOff)*1e6, nil
}

// toTimestampEpoch is to_timestamp(double precision): seconds since 1970 as an instant.
func toTimestampEpoch(sec float64) (int64, error) {
	if math.IsNaN(sec) {
		return 0, invalidf("timestamp cannot be NaN")
	}
	// PostgreSQL's range: 4714-11-24 BC to 294277-01-01 (exclusive)
	if math.IsInf(sec, 0) || sec < -210866803200 || sec >= 9224318016000 {
		return 0, invalidf("timestamp out of range: \"%s\"", strconv.FormatFloat(sec, 'g', -1, 64))
	}
	return int64(math.RoundToEven(sec * 1e6)), nil
}
