package exec

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// PostgreSQL string functions, by their PostgreSQL names.

var strType = arrow.BinaryTypes.String

func argsAre(args []Expr, n1, n2 int, name string) error {
	if len(args) < n1 || len(args) > n2 {
		if n1 == n2 {
			return invalidf("function %s takes %d arguments, got %d", name, n1, len(args))
		}
		return invalidf("function %s takes %d to %d arguments, got %d", name, n1, n2, len(args))
	}
	return nil
}

// runeIndex returns the 1-based character position of sub in s (0: absent).
func runeIndex(s, sub []byte) int64 {
	k := bytes.Index(s, sub)
	if k < 0 {
		return 0
	}
	return int64(utf8.RuneCount(s[:k])) + 1
}

func trimSet(chars []byte) func(rune) bool {
	set := []rune(string(chars))
	return func(r rune) bool {
		for _, c := range set {
			if c == r {
				return true
			}
		}
		return false
	}
}

// pgRegexp compiles a PostgreSQL regular expression with flags (g is handled by callers).
func pgRegexp(pattern string, flags string) (*regexp.Regexp, bool, error) {
	global := false
	prefix := ""
	for _, f := range flags {
		switch f {
		case 'g':
			global = true
		case 'i':
			prefix = "(?i)"
		case 'c':
			prefix = ""
		case 's':
		case 'n', 'm':
			prefix += "(?m)"
		default:
			return nil, false, invalidf("invalid regular expression option: \"%c\"", f)
		}
	}
	re, err := regexp.Compile(prefix + pattern)
	if err != nil {
		return nil, false, invalidf("invalid regular expression: %v", err)
	}
	return re, global, nil
}

// pgReplacement converts PostgreSQL's replacement syntax (\1..\9, \&, \\) to Go's.
func pgReplacement(r string) string {
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case c == '$':
			b.WriteString("$$")
		case c == '\\' && i+1 < len(r):
			n := r[i+1]
			switch {
			case n >= '0' && n <= '9':
				b.WriteString("${" + string(n) + "}")
			case n == '&':
				b.WriteString("${0}")
			default:
				b.WriteByte(n)
			}
			i++
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// regexCache compiles a pattern once per distinct (pattern, flags) seen in a batch.
type regexCache struct {
	pat, flags string
	re         *regexp.Regexp
	global     bool
	ok         bool
}

func (c *regexCache) get(pat, flags string) (*regexp.Regexp, bool, error) {
	if c.ok && pat == c.pat && flags == c.flags {
		return c.re, c.global, nil
	}
	re, g, err := pgRegexp(pat, flags)
	if err != nil {
		return nil, false, err
	}
	c.pat, c.flags, c.re, c.global, c.ok = pat, flags, re, g, true
	return re, g, nil
}

func padTo(s []rune, n int64, fill []rune, left bool) string {
	if int64(len(s)) >= n {
		return string(s[:max(n, 0)])
	}
	if len(fill) == 0 {
		return string(s)
	}
	need := int(n) - len(s)
	pad := make([]rune, 0, need)
	for len(pad) < need {
		pad = append(pad, fill[len(pad)%len(fill)])
	}
	if left {
		return string(pad) + string(s)
	}
	return string(s) + string(pad)
}

func initcap(s string) string {
	var b strings.Builder
	prevAlnum := false
	for _, r := range s {
		if prevAlnum {
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(unicode.ToUpper(r))
		}
		prevAlnum = unicode.IsLetter(r) || unicode.IsDigit(r)
	}
	return b.String()
}

// strFuncKernel returns the kernel of a PostgreSQL string function, or ok=false.
func strFuncKernel(name string, args []Expr, out arrow.DataType) (kernel, arrow.DataType, bool, error) {
	i32 := arrow.PrimitiveTypes.Int32
	if out == nil {
		out = strType
	}
	intOut := func(def arrow.DataType) arrow.DataType {
		if out == nil || out.ID() == arrow.STRING {
			return def
		}
		return out
	}
	var err error
	switch name {
	case "position", "strpos":
		if err = argsAre(args, 2, 2, name); err != nil {
			return nil, nil, true, err
		}
		o := intOut(i32)
		return rowKernel(o, true, func(a *rowArgs, i int, w *rowWriter) error {
			w.int(i, runeIndex(a.str(0, i), a.str(1, i)))
			return nil
		}), o, true, nil
	case "trim", "btrim", "ltrim", "rtrim":
		if err = argsAre(args, 1, 2, name); err != nil {
			return nil, nil, true, err
		}
		return rowKernel(strType, true, func(a *rowArgs, i int, w *rowWriter) error {
			s := string(a.str(0, i))
			f := func(r rune) bool { return r == ' ' }
			if len(a.ops) > 1 {
				f = trimSet(a.str(1, i))
			}
			switch name {
			case "ltrim":
				s = strings.TrimLeftFunc(s, f)
			case "rtrim":
				s = strings.TrimRightFunc(s, f)
			default:
				s = strings.TrimFunc(s, f)
			}
			w.textString(i, s)
			return nil
		}), strType, true, nil
	case "bpchar":
		k, err := bpcharKernel(args) // expr_bpchar.go
		return k, strType, true, err
	case "varchar":
		// PostgreSQL's length coercion varchar(value, n, explicit): an explicit cast
		// truncates to n characters; an assignment errors on a longer value unless the
		// excess is spaces, which are cut.
		if err = argsAre(args, 2, 3, name); err != nil {
			return nil, nil, true, err
		}
		return rowKernel(strType, true, func(a *rowArgs, i int, w *rowWriter) error {
			s, n := a.str(0, i), a.i64(1, i)
			explicit := false
			if len(a.ops) > 2 {
				if b, ok := a.ops[2].arr.(*array.Boolean); ok {
					explicit = b.Value(i * a.ops[2].stride())
				}
			}
			if n < 0 || int64(len(s)) <= n {
				w.text(i, s)
				return nil
			}
			cut, chars := len(s), int64(0)
			for k := range string(s) {
				if chars == n {
					cut = k
					break
				}
				chars++
			}
			if cut < len(s) && !explicit && len(bytes.TrimRight(s[cut:], " ")) > 0 {
				return invalidf("value too long for type character varying(%d)", n)
			}
			w.text(i, s[:cut])
			return nil
		}), strType, true, nil
	case "to_char":
		if err = argsAre(args, 2, 2, name); err != nil {
			return nil, nil, true, err
		}
		if args[0].Type().ID() != arrow.TIMESTAMP {
			return nil, nil, true, notSupportedf("to_char(%s)", pgTypeName(args[0].Type()))
		}
		return rowKernel(strType, true, func(a *rowArgs, i int, w *rowWriter) error {
			w.text(i, []byte(toCharTimestamp(a.i64(0, i), string(a.str(1, i)))))
			return nil
		}), strType, true, nil
	case "like_escape":
		// PostgreSQL's like_escape: the pattern rewritten from escape character e to the
		// backslash LIKE and ILIKE read (x LIKE p ESCAPE e is x LIKE like_escape(p, e))
		if err = argsAre(args, 2, 2, name); err != nil {
			return nil, nil, true, err
		}
		return rowKernel(strType, true, func(a *rowArgs, i int, w *rowWriter) error {
			p, e, err := escapeArgs(a, i)
			if err != nil {
				return err
			}
			w.text(i, []byte(likeEscape(p, e)))
			return nil
		}), strType, true, nil
	case "similar_to_escape":
		// PostgreSQL's similar_to_escape: a SIMILAR TO pattern as an anchored regular
		// expression (x SIMILAR TO p [ESCAPE e] is x ~ similar_to_escape(p [, e]))
		if err = argsAre(args, 1, 2, name); err != nil {
			return nil, nil, true, err
		}
		return rowKernel(strType, true, func(a *rowArgs, i int, w *rowWriter) error {
			p, e := string(a.str(0, i)), "\\"
			if len(a.ops) > 1 {
				var err error
				if p, e, err = escapeArgs(a, i); err != nil {
					return err
				}
			}
			w.text(i, []byte(similarToRegexp(p, e)))
			return nil
		}), strType, true, nil
	case "replace":
		if err = argsAre(args, 3, 3, name); err != nil {
			return nil, nil, true, err
		}
		return rowKernel(strType, true, func(a *rowArgs, i int, w *rowWriter) error {
			s, from := a.str(0, i), a.str(1, i)
			if len(from) == 0 {
				w.text(i, s)
				return nil
			}
			w.text(i, bytes.ReplaceAll(s, from, a.str(2, i)))
			return nil
		}), strType, true, nil
	case "split_part":
		if err = argsAre(args, 3, 3, name); err != nil {
			return nil, nil, true, err
		}
		return rowKernel(strType, true, func(a *rowArgs, i int, w *rowWriter) error {
			s, d, n := string(a.str(0, i)), string(a.str(1, i)), a.i64(2, i)
			if n == 0 {
				return invalidf("field position must not be zero")
			}
			var parts []string
			if d == "" {
				parts = []string{s}
				if s == "" {
					parts = nil
				}
			} else {
				parts = strings.Split(s, d)
			}
			if n < 0 {
				n = int64(len(parts)) + n + 1
			}
			if n >= 1 && n <= int64(len(parts)) {
				w.textString(i, parts[n-1])
			} else {
				w.textString(i, "")
			}
			return nil
		}), strType, true, nil
	case "regexp_replace":
		if err = argsAre(args, 3, 4, name); err != nil {
			return nil, nil, true, err
		}
		var cache regexCache
		return rowKernel(strType, true, func(a *rowArgs, i int, w *rowWriter) error {
			flags := ""
			if len(a.ops) > 3 {
				flags = string(a.str(3, i))
			}
			re, global, err := cache.get(string(a.str(1, i)), flags)
			if err != nil {
				return err
			}
			s, repl := string(a.str(0, i)), pgReplacement(string(a.str(2, i)))
			if global {
				w.textString(i, re.ReplaceAllString(s, repl))
				return nil
			}
			loc := re.FindStringSubmatchIndex(s)
			if loc == nil {
				w.textString(i, s)
				return nil
			}
			res := re.ExpandString(nil, repl, s, loc)
			w.textString(i, s[:loc[0]]+string(res)+s[loc[1]:])
			return nil
		}), strType, true, nil
	case "regexp_match", "regexp_substr":
		// regexp_substr: the text of the first capture group (or of the whole match without
		// groups), which is what regexp_match(...)[1] gives. (regexp_match itself answers
		// text[]: expr_array_funcs.go.)
		if err = argsAre(args, 2, 3, name); err != nil {
			return nil, nil, true, err
		}
		var cache regexCache
		return rowKernel(strType, true, func(a *rowArgs, i int, w *rowWriter) error {
			flags := ""
			if len(a.ops) > 2 {
				flags = string(a.str(2, i))
			}
			if strings.ContainsRune(flags, 'g') {
				return invalidf("regexp_match() does not support the \"global\" option")
			}
			re, _, err := cache.get(string(a.str(1, i)), flags)
			if err != nil {
				return err
			}
			m := re.FindSubmatchIndex(a.str(0, i))
			if m == nil {
				return nil
			}
			s := a.str(0, i)
			if len(m) > 2 {
				if m[2] < 0 {
					return nil
				}
				w.text(i, s[m[2]:m[3]])
			} else {
				w.text(i, s[m[0]:m[1]])
			}
			return nil
		}), strType, true, nil
	case "regexp_like", "textregexeq":
		// string ~ pattern; flags as regexp_replace's ("i" for ~*)
		if err = argsAre(args, 2, 3, name); err != nil {
			return nil, nil, true, err
		}
		b := arrow.FixedWidthTypes.Boolean
		var cache regexCache
		return rowKernel(b, true, func(a *rowArgs, i int, w *rowWriter) error {
			flags := ""
			if len(a.ops) > 2 {
				flags = string(a.str(2, i))
			}
			re, _, err := cache.get(string(a.str(1, i)), flags)
			if err != nil {
				return err
			}
			w.boolean(i, re.Match(a.str(0, i)))
			return nil
		}), b, true, nil
	case "regexp_count":
		// number of non-overlapping matches of the pattern (PostgreSQL 15)
		if err = argsAre(args, 2, 2, name); err != nil {
			return nil, nil, true, err
		}
		var cache regexCache
		o := intOut(i32)
		return rowKernel(o, true, func(a *rowArgs, i int, w *rowWriter) error {
			re, _, err := cache.get(string(a.str(1, i)), "")
			if err != nil {
				return err
			}
			w.int(i, int64(len(re.FindAllIndex(a.str(0, i), -1))))
			return nil
		}), o, true, nil
	case "make_date":
		if err = argsAre(args, 3, 3, name); err != nil {
			return nil, nil, true, err
		}
		d := arrow.FixedWidthTypes.Date32
		return rowKernel(d, true, func(a *rowArgs, i int, w *rowWriter) error {
			y, m, day := a.i64(0, i), a.i64(1, i), a.i64(2, i)
			if y == 0 || m < 1 || m > 12 || day < 1 || day > daysIn(y, m) {
				return invalidf("date field value out of range: %d-%02d-%02d", y, m, day)
			}
			if y < 0 {
				y++ // 1 BC is year 0
			}
			w.int(i, daysFromCivil(y, m, day))
			return nil
		}), d, true, nil
	case "left", "right":
		if err = argsAre(args, 2, 2, name); err != nil {
			return nil, nil, true, err
		}
		return rowKernel(strType, true, func(a *rowArgs, i int, w *rowWriter) error {
			r := []rune(string(a.str(0, i)))
			n := a.i64(1, i)
			l := int64(len(r))
			var k int64
			if n >= 0 {
				k = min(n, l)
			} else {
				k = max(l+n, 0)
			}
			if name == "left" {
				w.textString(i, string(r[:k]))
			} else {
				w.textString(i, string(r[l-k:]))
			}
			return nil
		}), strType, true, nil
	case "lpad", "rpad":
		if err = argsAre(args, 2, 3, name); err != nil {
			return nil, nil, true, err
		}
		return rowKernel(strType, true, func(a *rowArgs, i int, w *rowWriter) error {
			fill := []rune(" ")
			if len(a.ops) > 2 {
				fill = []rune(string(a.str(2, i)))
			}
			n := a.i64(1, i)
			if n > 10<<20 {
				return invalidf("requested length too large")
			}
			w.textString(i, padTo([]rune(string(a.str(0, i))), n, fill, name == "lpad"))
			return nil
		}), strType, true, nil
	case "repeat":
		if err = argsAre(args, 2, 2, name); err != nil {
			return nil, nil, true, err
		}
		return rowKernel(strType, true, func(a *rowArgs, i int, w *rowWriter) error {
			s, n := a.str(0, i), a.i64(1, i)
			if n <= 0 {
				w.textString(i, "")
				return nil
			}
			if int64(len(s))*n > 1<<30 {
				return invalidf("requested length too large")
			}
			w.text(i, bytes.Repeat(s, int(n)))
			return nil
		}), strType, true, nil
	case "reverse":
		if err = argsAre(args, 1, 1, name); err != nil {
			return nil, nil, true, err
		}
		return rowKernel(strType, true, func(a *rowArgs, i int, w *rowWriter) error {
			r := []rune(string(a.str(0, i)))
			for x, y := 0, len(r)-1; x < y; x, y = x+1, y-1 {
				r[x], r[y] = r[y], r[x]
			}
			w.textString(i, string(r))
			return nil
		}), strType, true, nil
	case "starts_with":
		if err = argsAre(args, 2, 2, name); err != nil {
			return nil, nil, true, err
		}
		b := arrow.FixedWidthTypes.Boolean
		return rowKernel(b, true, func(a *rowArgs, i int, w *rowWriter) error {
			w.boolean(i, bytes.HasPrefix(a.str(0, i), a.str(1, i)))
			return nil
		}), b, true, nil
	case "concat_pg":
		// PostgreSQL's concat(): NULL arguments are skipped; arguments are text.
		return rowKernel(strType, false, func(a *rowArgs, i int, w *rowWriter) error {
			var buf []byte
			for k := range a.ops {
				if a.valid(k, i) && a.strs[k] != nil {
					buf = append(buf, a.str(k, i)...)
				}
			}
			w.text(i, buf)
			return nil
		}), strType, true, nil
	case "concat_ws":
		if len(args) < 1 {
			return nil, nil, true, invalidf("function concat_ws needs arguments")
		}
		return rowKernel(strType, false, func(a *rowArgs, i int, w *rowWriter) error {
			if !a.valid(0, i) {
				return nil
			}
			sep := a.str(0, i)
			var buf []byte
			first := true
			for k := 1; k < len(a.ops); k++ {
				if a.valid(k, i) && a.strs[k] != nil {
					if !first {
						buf = append(buf, sep...)
					}
					first = false
					buf = append(buf, a.str(k, i)...)
				}
			}
			w.text(i, buf)
			return nil
		}), strType, true, nil
	case "initcap":
		if err = argsAre(args, 1, 1, name); err != nil {
			return nil, nil, true, err
		}
		return mapStringKernel(initcap), strType, true, nil
	case "translate":
		if err = argsAre(args, 3, 3, name); err != nil {
			return nil, nil, true, err
		}
		return rowKernel(strType, true, func(a *rowArgs, i int, w *rowWriter) error {
			from, to := []rune(string(a.str(1, i))), []rune(string(a.str(2, i)))
			var b strings.Builder
			for _, r := range string(a.str(0, i)) {
				k := -1
				for x, f := range from {
					if f == r {
						k = x
						break
					}
				}
				switch {
				case k < 0:
					b.WriteRune(r)
				case k < len(to):
					b.WriteRune(to[k])
				}
			}
			w.textString(i, b.String())
			return nil
		}), strType, true, nil
	case "ascii":
		if err = argsAre(args, 1, 1, name); err != nil {
			return nil, nil, true, err
		}
		o := intOut(i32)
		return rowKernel(o, true, func(a *rowArgs, i int, w *rowWriter) error {
			r, _ := utf8.DecodeRune(a.str(0, i))
			if r == utf8.RuneError {
				r = 0
			}
			w.int(i, int64(r))
			return nil
		}), o, true, nil
	case "chr":
		if err = argsAre(args, 1, 1, name); err != nil {
			return nil, nil, true, err
		}
		return rowKernel(strType, true, func(a *rowArgs, i int, w *rowWriter) error {
			c := a.i64(0, i)
			if c == 0 {
				return invalidf("null character not permitted")
			}
			if c < 0 || c > unicode.MaxRune || (c >= 0xD800 && c <= 0xDFFF) {
				return invalidf("requested character too large for encoding: %d", c)
			}
			w.textString(i, string(rune(c)))
			return nil
		}), strType, true, nil
	case "md5":
		if err = argsAre(args, 1, 1, name); err != nil {
			return nil, nil, true, err
		}
		return rowKernel(strType, true, func(a *rowArgs, i int, w *rowWriter) error {
			h := md5.Sum(a.str(0, i))
			w.textString(i, hex.EncodeToString(h[:]))
			return nil
		}), strType, true, nil
	case "octet_length", "length", "character_length", "bit_length":
		if err = argsAre(args, 1, 1, name); err != nil {
			return nil, nil, true, err
		}
		o := intOut(i32)
		return rowKernel(o, true, func(a *rowArgs, i int, w *rowWriter) error {
			s := a.str(0, i)
			switch name {
			case "octet_length":
				w.int(i, int64(len(s)))
			case "bit_length":
				w.int(i, int64(8*len(s)))
			default:
				w.int(i, int64(utf8.RuneCount(s)))
			}
			return nil
		}), o, true, nil
	}
	return nil, nil, false, nil
}

// escapeArgs reads a pattern and its escape string (empty or one character).
func escapeArgs(a *rowArgs, i int) (string, string, error) {
	p, e := string(a.str(0, i)), string(a.str(1, i))
	if utf8.RuneCountInString(e) > 1 {
		return "", "", invalidf("invalid escape string (HINT: Escape string must be empty or one character.)")
	}
	return p, e, nil
}

// likeEscape rewrites a LIKE pattern with escape string e ("" for none) to backslash escapes.
func likeEscape(p, e string) string {
	if e == `\` {
		return p
	}
	var b strings.Builder
	rs := []rune(p)
	for k := 0; k < len(rs); k++ {
		c := rs[k]
		switch {
		case e != "" && string(c) == e:
			b.WriteByte('\\')
			if k+1 < len(rs) {
				k++
				b.WriteRune(rs[k])
			}
		case c == '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// similarToRegexp translates a SIMILAR TO pattern (escape e, "" for none) to an anchored
// regular expression: % and _ become .* and ., groups do not capture, the regular
// expression characters SQL's patterns lack (. ^ $ and a backslash that is not the escape)
// are literal, and bracket expressions are copied as they are.
func similarToRegexp(p, e string) string {
	var b strings.Builder
	b.WriteString("^(?:")
	rs := []rune(p)
	inClass := false
	for k := 0; k < len(rs); k++ {
		c := rs[k]
		switch {
		case e != "" && string(c) == e && k+1 < len(rs):
			k++
			b.WriteString(regexp.QuoteMeta(string(rs[k])))
		case inClass:
			if c == ']' {
				inClass = false
			}
			if c == '\\' {
				b.WriteString(`\\`)
			} else {
				b.WriteRune(c)
			}
		case c == '[':
			inClass = true
			b.WriteRune(c)
			if k+1 < len(rs) && rs[k+1] == '^' {
				k++
				b.WriteRune('^')
			}
			if k+1 < len(rs) && rs[k+1] == ']' {
				k++
				b.WriteString(`\]`)
			}
		case c == '%':
			b.WriteString(".*")
		case c == '_':
			b.WriteByte('.')
		case c == '(':
			b.WriteString("(?:")
		case c == '.' || c == '^' || c == '$' || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteString(")$")
	return b.String()
}
