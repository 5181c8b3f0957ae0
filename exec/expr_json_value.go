package exec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tern-db/tern/proto/errs"
)

// This file is Tern's JSON text model, shared by json and jsonb: one parser (PostgreSQL's
// grammar and error texts), jsonb's normalization (keys ordered shorter-first then bytewise,
// duplicate keys last-wins, numbers as numeric text) and printing, and jsonb's btree order.
// Both SQL types travel through the engine as utf8 text: json holds its input verbatim
// (validated), jsonb holds the normalized text, so equal jsonb values are equal strings and
// hash and group as strings. Kernels parse per row; the tree keeps each value's source
// text so that json's operators return sub-values verbatim, as PostgreSQL's do.

// JKind is a JSON value's kind, in jsonb's order of kinds (null < string < number < bool <
// array < object).
type JKind uint8

const (
	JNull JKind = iota
	JString
	JNumber
	JBool
	JArray
	JObject
)

// typeof is jsonb_typeof's name for k.
func (k JKind) typeof() string {
	return [...]string{"null", "string", "number", "boolean", "array", "object"}[k]
}

// JValue is one parsed JSON value.
type JValue struct {
	Kind JKind
	// Str: a string's decoded text, a number's numeric text (normalized by Normalize), a
	// bool's "true"/"false".
	Str   string
	Raw   string    // the source text of this value (json returns it verbatim)
	Elems []*JValue // array elements, object values
	Keys  []string  // object keys (decoded), parallel to Elems
}

// maxJSONDepth bounds nesting, so that outside bytes cannot exhaust the stack.
const maxJSONDepth = 6400

type jsonParser struct {
	s     string
	pos   int
	depth int
	typ   string // "json" or "jsonb", for messages
}

// jsonSyntaxError is PostgreSQL's message with its detail.
func (p *jsonParser) fail(detail string) error {
	return errs.Errorf(errs.ErrInvalidArgument, "invalid input syntax for type %s\nDETAIL:  %s", p.typ, detail)
}

// ParseJSON parses s with PostgreSQL's json grammar; typ ("json"/"jsonb") names the type in
// errors. jsonb also refuses \u0000 as PostgreSQL does.
func ParseJSON(s, typ string) (*JValue, error) {
	p := &jsonParser{s: s, typ: typ}
	p.skipSpace()
	if p.pos >= len(p.s) {
		return nil, p.fail("The input string ended unexpectedly.")
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.s) {
		return nil, p.fail(fmt.Sprintf("Expected end of input, but found \"%s\".", p.token()))
	}
	return v, nil
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// token is the token starting at pos, as PostgreSQL's messages quote it.
func (p *jsonParser) token() string {
	if p.pos >= len(p.s) {
		return ""
	}
	c := p.s[p.pos]
	switch c {
	case '{', '}', '[', ']', ',', ':':
		return string(c)
	case '"':
		end := p.pos + 1
		for end < len(p.s) && p.s[end] != '"' {
			if p.s[end] == '\\' {
				end++
			}
			end++
		}
		return p.s[p.pos:min(end+1, len(p.s))]
	}
	end := p.pos
	for end < len(p.s) && !strings.ContainsRune(" \t\n\r{}[],:\"", rune(p.s[end])) {
		end++
	}
	if end == p.pos {
		_, n := utf8.DecodeRuneInString(p.s[p.pos:])
		end += n
	}
	return p.s[p.pos:end]
}

func (p *jsonParser) expected(what string) error {
	if p.pos >= len(p.s) {
		return p.fail("The input string ended unexpectedly.")
	}
	if !strings.ContainsRune("{}[],:\"", rune(p.s[p.pos])) && !p.startsScalar() {
		return p.fail(fmt.Sprintf("Token \"%s\" is invalid.", p.token()))
	}
	return p.fail(fmt.Sprintf("Expected %s, but found \"%s\".", what, p.token()))
}

// startsScalar reports whether a valid literal or number token starts at pos.
func (p *jsonParser) startsScalar() bool {
	t := p.token()
	switch t {
	case "true", "false", "null":
		return true
	}
	return isJSONNumber(t)
}

func (p *jsonParser) value() (*JValue, error) {
	if p.pos >= len(p.s) {
		return nil, p.fail("The input string ended unexpectedly.")
	}
	start := p.pos
	switch p.s[p.pos] {
	case '{':
		return p.object()
	case '[':
		return p.array()
	case '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return &JValue{Kind: JString, Str: s, Raw: p.s[start:p.pos]}, nil
	case '}', ']', ',', ':':
		return nil, p.fail(fmt.Sprintf("Expected JSON value, but found \"%s\".", p.token()))
	}
	t := p.token()
	switch t {
	case "true", "false":
		p.pos += len(t)
		return &JValue{Kind: JBool, Str: t, Raw: t}, nil
	case "null":
		p.pos += len(t)
		return &JValue{Kind: JNull, Raw: t}, nil
	}
	if !isJSONNumber(t) {
		return nil, p.fail(fmt.Sprintf("Token \"%s\" is invalid.", t))
	}
	p.pos += len(t)
	return &JValue{Kind: JNumber, Str: t, Raw: t}, nil
}

func (p *jsonParser) enter() error {
	p.depth++
	if p.depth > maxJSONDepth {
		return errs.Errorf(errs.ErrInvalidArgument, "stack depth limit exceeded")
	}
	return nil
}

func (p *jsonParser) object() (*JValue, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	start := p.pos
	p.pos++
	v := &JValue{Kind: JObject}
	p.skipSpace()
	if p.pos < len(p.s) && p.s[p.pos] == '}' {
		p.pos++
		v.Raw = p.s[start:p.pos]
		return v, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.s) || p.s[p.pos] != '"' {
			if len(v.Keys) == 0 {
				return nil, p.expected("string or \"}\"")
			}
			return nil, p.expected("string")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos >= len(p.s) || p.s[p.pos] != ':' {
			return nil, p.expected("\":\"")
		}
		p.pos++
		p.skipSpace()
		e, err := p.value()
		if err != nil {
			return nil, err
		}
		v.Keys = append(v.Keys, k)
		v.Elems = append(v.Elems, e)
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.s) && p.s[p.pos] == '}' {
			p.pos++
			v.Raw = p.s[start:p.pos]
			return v, nil
		}
		return nil, p.expected("\",\" or \"}\"")
	}
}

func (p *jsonParser) array() (*JValue, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	start := p.pos
	p.pos++
	v := &JValue{Kind: JArray}
	p.skipSpace()
	if p.pos < len(p.s) && p.s[p.pos] == ']' {
		p.pos++
		v.Raw = p.s[start:p.pos]
		return v, nil
	}
	for {
		p.skipSpace()
		e, err := p.value()
		if err != nil {
			return nil, err
		}
		v.Elems = append(v.Elems, e)
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.s) && p.s[p.pos] == ']' {
			p.pos++
			v.Raw = p.s[start:p.pos]
			return v, nil
		}
		return nil, p.expected("\",\" or \"]\"")
	}
}

// str reads a string token at pos (on its opening quote) and decodes it.
func (p *jsonParser) str() (string, error) {
	p.pos++
	var b strings.Builder
	for {
		if p.pos >= len(p.s) {
			return "", p.fail("The input string ended unexpectedly.")
		}
		c := p.s[p.pos]
		switch {
		case c == '"':
			p.pos++
			return b.String(), nil
		case c < 0x20:
			return "", p.fail(fmt.Sprintf("Character with value 0x%02x must be escaped.", c))
		case c != '\\':
			b.WriteByte(c)
			p.pos++
			continue
		}
		p.pos++
		if p.pos >= len(p.s) {
			return "", p.fail("The input string ended unexpectedly.")
		}
		e := p.s[p.pos]
		p.pos++
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return "", err
			}
			if r >= 0xD800 && r <= 0xDBFF {
				if p.pos+1 < len(p.s) && p.s[p.pos] == '\\' && p.s[p.pos+1] == 'u' {
					p.pos += 2
					lo, err := p.hex4()
					if err != nil {
						return "", err
					}
					if lo < 0xDC00 || lo > 0xDFFF {
						return "", p.fail("Unicode low surrogate must follow a high surrogate.")
					}
					r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
				} else {
					return "", p.fail("Unicode low surrogate must follow a high surrogate.")
				}
			} else if r >= 0xDC00 && r <= 0xDFFF {
				return "", p.fail("Unicode low surrogate must follow a high surrogate.")
			}
			if r == 0 && p.typ == "jsonb" {
				return "", errs.Errorf(errs.ErrInvalidArgument, "unsupported Unicode escape sequence\nDETAIL:  \\u0000 cannot be converted to text.")
			}
			b.WriteRune(r)
		default:
			p.pos-- // PostgreSQL quotes the escape from the backslash
			return "", p.fail(fmt.Sprintf("Escape sequence \"\\%s\" is invalid.", p.escapeToken()))
		}
	}
}

func (p *jsonParser) escapeToken() string {
	_, n := utf8.DecodeRuneInString(p.s[p.pos:])
	return p.s[p.pos : p.pos+n]
}

func (p *jsonParser) hex4() (rune, error) {
	if p.pos+4 > len(p.s) {
		return 0, p.fail("\"\\u\" must be followed by four hexadecimal digits.")
	}
	v, err := strconv.ParseUint(p.s[p.pos:p.pos+4], 16, 32)
	if err != nil {
		return 0, p.fail("\"\\u\" must be followed by four hexadecimal digits.")
	}
	p.pos += 4
	return rune(v), nil
}

// isJSONNumber reports whether t is a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(t string) bool {
	i := 0
	if i < len(t) && t[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(t) && t[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(t) && t[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		i++
		if i < len(t) && (t[i] == '+' || t[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(t)
}

// numericText is a JSON number as PostgreSQL's numeric prints it: exponent applied, the
// display scale kept (1.50 stays 1.50, 1e2 is 100), no sign on zero.
func numericText(t string) (string, error) {
	neg := strings.HasPrefix(t, "-")
	t = strings.TrimPrefix(t, "-")
	mant, exp := t, 0
	if i := strings.IndexAny(t, "eE"); i >= 0 {
		mant = t[:i]
		e, err := strconv.Atoi(t[i+1:])
		if err != nil || e > 1000 || e < -1000 {
			return "", errs.Errorf(errs.ErrInvalidArgument, "invalid input syntax for type numeric: \"%s\"", t)
		}
		exp = e
	}
	ip, fp := mant, ""
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		ip, fp = mant[:i], mant[i+1:]
	}
	digits := ip + fp
	scale := len(fp) - exp
	var out string
	if scale <= 0 {
		out = digits + strings.Repeat("0", -scale)
	} else {
		if len(digits) <= scale {
			digits = strings.Repeat("0", scale-len(digits)+1) + digits
		}
		out = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	// strip leading zeros of the integer part
	i := 0
	for i < len(out)-1 && out[i] == '0' && out[i+1] != '.' {
		i++
	}
	out = out[i:]
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return out, nil
}

// Normalize turns a parsed value into jsonb's form: numbers as numeric text, object keys
// ordered shorter-first then bytewise with the last of duplicate keys kept.
func Normalize(v *JValue) (*JValue, error) {
	switch v.Kind {
	case JNumber:
		s, err := numericText(v.Str)
		if err != nil {
			return nil, err
		}
		return &JValue{Kind: JNumber, Str: s}, nil
	case JArray:
		out := &JValue{Kind: JArray, Elems: make([]*JValue, len(v.Elems))}
		for i, e := range v.Elems {
			n, err := Normalize(e)
			if err != nil {
				return nil, err
			}
			out.Elems[i] = n
		}
		return out, nil
	case JObject:
		last := map[string]int{}
		for i, k := range v.Keys {
			last[k] = i
		}
		out := &JValue{Kind: JObject}
		for i, k := range v.Keys {
			if last[k] != i {
				continue
			}
			n, err := Normalize(v.Elems[i])
			if err != nil {
				return nil, err
			}
			out.Keys = append(out.Keys, k)
			out.Elems = append(out.Elems, n)
		}
		sortObject(out)
		return out, nil
	}
	return &JValue{Kind: v.Kind, Str: v.Str}, nil
}

// keyLess is jsonb's key order: shorter first, then bytewise.
func keyLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func sortObject(o *JValue) {
	idx := make([]int, len(o.Keys))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return keyLess(o.Keys[idx[i]], o.Keys[idx[j]]) })
	keys := make([]string, len(idx))
	elems := make([]*JValue, len(idx))
	for i, j := range idx {
		keys[i], elems[i] = o.Keys[j], o.Elems[j]
	}
	o.Keys, o.Elems = keys, elems
}

// NormalizeJSON parses s as jsonb input and returns its normalized text.
func NormalizeJSON(s string) (string, error) {
	v, err := ParseJSON(s, "jsonb")
	if err != nil {
		return "", err
	}
	n, err := Normalize(v)
	if err != nil {
		return "", err
	}
	return n.String(), nil
}

// ValidateJSON checks s as json input.
func ValidateJSON(s string) error {
	_, err := ParseJSON(s, "json")
	return err
}

// String prints v as jsonb does: `{"a": 1, "b": [1, 2]}`.
func (v *JValue) String() string {
	var b strings.Builder
	v.write(&b)
	return b.String()
}

func (v *JValue) write(b *strings.Builder) {
	switch v.Kind {
	case JNull:
		b.WriteString("null")
	case JString:
		writeJSONString(b, v.Str)
	case JNumber, JBool:
		b.WriteString(v.Str)
	case JArray:
		b.WriteByte('[')
		for i, e := range v.Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			e.write(b)
		}
		b.WriteByte(']')
	case JObject:
		b.WriteByte('{')
		for i, e := range v.Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJSONString(b, v.Keys[i])
			b.WriteString(": ")
			e.write(b)
		}
		b.WriteByte('}')
	}
}

// writeJSONString quotes s as PostgreSQL's escape_json does.
func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				fmt.Fprintf(b, `\u%04x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
}

// QuoteJSON is s as a JSON string.
func QuoteJSON(s string) string {
	var b strings.Builder
	writeJSONString(&b, s)
	return b.String()
}

// Pretty prints v as jsonb_pretty does (four-space indents).
func (v *JValue) Pretty() string {
	var b strings.Builder
	v.pretty(&b, 0)
	return b.String()
}

func (v *JValue) pretty(b *strings.Builder, level int) {
	ind := func(l int) { b.WriteString(strings.Repeat("    ", l)) }
	switch v.Kind {
	case JArray, JObject:
		open, close := byte('['), byte(']')
		if v.Kind == JObject {
			open, close = '{', '}'
		}
		b.WriteByte(open)
		if len(v.Elems) == 0 {
			b.WriteByte('\n')
			ind(level)
			b.WriteByte(close)
			return
		}
		for i, e := range v.Elems {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
			ind(level + 1)
			if v.Kind == JObject {
				writeJSONString(b, v.Keys[i])
				b.WriteString(": ")
			}
			e.pretty(b, level+1)
		}
		b.WriteByte('\n')
		ind(level)
		b.WriteByte(close)
	default:
		v.write(b)
	}
}

// ---------------------------------------------------------------------------------------
// jsonb's btree order

// JSONSortKey encodes a normalized jsonb value so that bytewise order of keys is jsonb's
// btree order (PostgreSQL's compareJsonbContainers): kinds null < string < number < bool <
// array < object; arrays by length, then a top-level scalar (a one-element "raw scalar"
// array) before a real array, then element by element; objects by pair count, then key and
// value pairs in storage order; numbers by value; strings bytewise (the C collation).
func JSONSortKey(v *JValue) []byte {
	var b []byte
	if v.Kind != JArray && v.Kind != JObject {
		b = append(b, byte(JArray))
		b = binary.BigEndian.AppendUint32(b, 1)
		b = append(b, 0) // raw scalar sorts before a real array of the same length
		return appendSortKey(b, v)
	}
	return appendSortKey(b, v)
}

func appendSortKey(b []byte, v *JValue) []byte {
	b = append(b, byte(v.Kind))
	switch v.Kind {
	case JString:
		b = appendSortString(b, v.Str)
	case JNumber:
		b = appendSortNumber(b, v.Str)
	case JBool:
		if v.Str == "true" {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	case JArray:
		b = binary.BigEndian.AppendUint32(b, uint32(len(v.Elems)))
		b = append(b, 1)
		for _, e := range v.Elems {
			b = appendSortKey(b, e)
		}
	case JObject:
		b = binary.BigEndian.AppendUint32(b, uint32(len(v.Elems)))
		for i, e := range v.Elems {
			b = appendSortString(b, v.Keys[i])
			b = appendSortKey(b, e)
		}
	}
	return b
}

func appendSortString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			b = append(b, 0, 0xFF)
		} else {
			b = append(b, s[i])
		}
	}
	return append(b, 0, 0)
}

// appendSortNumber encodes numeric text: sign class, then the decimal exponent and the
// significant digits (inverted for negatives), so that byte order is numeric order.
func appendSortNumber(b []byte, s string) []byte {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	ip, fp := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		ip, fp = s[:i], s[i+1:]
	}
	digits := strings.TrimLeft(ip, "0")
	exp := len(digits)
	if digits == "" {
		t := strings.TrimLeft(fp, "0")
		exp = -(len(fp) - len(t))
		digits = t
	} else {
		digits += fp
	}
	digits = strings.TrimRight(digits, "0")
	if digits == "" {
		return append(b, 0x80)
	}
	var e [4]byte
	binary.BigEndian.PutUint32(e[:], uint32(int32(exp))^0x80000000)
	body := append(e[:], digits...)
	if !neg {
		b = append(b, 0x81)
		b = append(b, body...)
		return append(b, 0)
	}
	b = append(b, 0x7F)
	for _, c := range body {
		b = append(b, ^c)
	}
	return append(b, 0xFF)
}

// JSONCompare is jsonb's order between two normalized values (-1, 0, 1).
func JSONCompare(a, b *JValue) int { return bytes.Compare(JSONSortKey(a), JSONSortKey(b)) }
