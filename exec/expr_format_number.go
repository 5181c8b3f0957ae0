package exec

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// PostgreSQL's number templates (to_char(number, fmt) and to_number(text, fmt)), ported in
// behaviour from formatting.c's NUM_processor: the template is parsed once into nodes and a
// description (digits before and after the point, sign and fill flags), the value is
// rendered to a digit string rounded to the template's decimals, and the nodes then write
// (or, for to_number, read) that string. Tern runs with PostgreSQL's C locale: D is '.', G
// is ',', L is a blank and S writes '+'/'-'.

type numKey uint8

const (
	numLit numKey = iota // a character copied to the output (skipped on input)
	numComma
	numDec
	num0
	num9
	numB
	numC // accepted and writes nothing, as in PostgreSQL
	numD
	numE
	numFM
	numG
	numL
	numMI
	numPL
	numPR
	numRN
	numSG
	numSP
	numS
	numTH
	numV
)

// numKeywords in the order PostgreSQL's NUM_keywords table matches them (longer first where
// two share a prefix); lower marks the lowercase spellings (rn, th).
var numKeywords = []struct {
	s     string
	key   numKey
	lower bool
}{
	{",", numComma, false}, {".", numDec, false}, {"0", num0, false}, {"9", num9, false},
	{"B", numB, false}, {"C", numC, false}, {"D", numD, false}, {"EEEE", numE, false}, {"FM", numFM, false},
	{"G", numG, false}, {"L", numL, false}, {"MI", numMI, false}, {"PL", numPL, false},
	{"PR", numPR, false}, {"RN", numRN, false}, {"SG", numSG, false}, {"SP", numSP, false},
	{"S", numS, false}, {"TH", numTH, false}, {"V", numV, false},
	{"b", numB, true}, {"c", numC, true}, {"d", numD, true}, {"eeee", numE, true}, {"fm", numFM, true},
	{"g", numG, true}, {"l", numL, true}, {"mi", numMI, true}, {"pl", numPL, true},
	{"pr", numPR, true}, {"rn", numRN, true}, {"sg", numSG, true}, {"sp", numSP, true},
	{"s", numS, true}, {"th", numTH, true}, {"v", numV, true},
}

const (
	nfDecimal = 1 << iota
	nfLDecimal
	nfZero
	nfBlank
	nfFillMode
	nfLSign
	nfBracket
	nfMinus
	nfPlus
	nfRoman
	nfMulti
	nfMinusPost
	nfPlusPost
	nfEEEE
)

const (
	lsignNone = iota
	lsignPre
	lsignPost
)

type numNode struct {
	key   numKey
	lower bool
	ch    string
}

// numDesc is a parsed number template (PostgreSQL's NUMDesc plus the node list).
type numDesc struct {
	nodes              []numNode
	pre, post, multi   int
	flag               int
	lsign, preLsignNum int
	zeroStart, zeroEnd int
}

func (d *numDesc) is(f int) bool { return d.flag&f != 0 }

// parseNumFormat parses a number template, with PostgreSQL's errors for contradictory
// patterns.
func parseNumFormat(f string) (*numDesc, error) {
	d := &numDesc{}
	for i := 0; i < len(f); {
		if f[i] == '"' { // quoted text is copied
			j := i + 1
			for j < len(f) && f[j] != '"' {
				if f[j] == '\\' && j+1 < len(f) {
					j++
				}
				_, w := firstRune(f[j:])
				d.nodes = append(d.nodes, numNode{key: numLit, ch: f[j : j+w]})
				j += w
			}
			i = j + 1
			continue
		}
		matched := false
		for _, kw := range numKeywords {
			if !strings.HasPrefix(f[i:], kw.s) {
				continue
			}
			if err := d.prepare(kw.key); err != nil {
				return nil, err
			}
			d.nodes = append(d.nodes, numNode{key: kw.key, lower: kw.lower})
			i += len(kw.s)
			matched = true
			break
		}
		if matched {
			continue
		}
		_, w := firstRune(f[i:])
		d.nodes = append(d.nodes, numNode{key: numLit, ch: f[i : i+w]})
		i += w
	}
	return d, nil
}

// firstRune is the first character of s and its width in bytes (1 for a byte that is not
// UTF-8, so that walking a template always advances within it).
func firstRune(s string) (rune, int) {
	if s == "" {
		return 0, 1
	}
	return utf8.DecodeRuneInString(s)
}

func numSyntax(format string, a ...any) error { return invalidf(format, a...) }

// prepare is NUMDesc_prepare: one template node's effect on the description.
func (d *numDesc) prepare(k numKey) error {
	if d.is(nfEEEE) && k != numE {
		return numSyntax("\"EEEE\" must be the last pattern used")
	}
	switch k {
	case num9:
		if d.is(nfBracket) {
			return numSyntax("\"9\" must be ahead of \"PR\"")
		}
		if d.is(nfMulti) {
			d.multi++
			break
		}
		if d.is(nfDecimal) {
			d.post++
		} else {
			d.pre++
		}
	case num0:
		if d.is(nfBracket) {
			return numSyntax("\"0\" must be ahead of \"PR\"")
		}
		if !d.is(nfZero) && !d.is(nfDecimal) {
			d.flag |= nfZero
			d.zeroStart = d.pre + 1
		}
		if !d.is(nfDecimal) {
			d.pre++
		} else {
			d.post++
		}
		d.zeroEnd = d.pre + d.post
	case numB:
		if d.pre == 0 && d.post == 0 && !d.is(nfZero) {
			d.flag |= nfBlank
		}
	case numD, numDec:
		if k == numD {
			d.flag |= nfLDecimal
		}
		if d.is(nfDecimal) {
			return numSyntax("multiple decimal points")
		}
		if d.is(nfMulti) {
			return numSyntax("cannot use \"V\" and decimal point together")
		}
		d.flag |= nfDecimal
	case numFM:
		d.flag |= nfFillMode
	case numS:
		if d.is(nfLSign) {
			return numSyntax("cannot use \"S\" twice")
		}
		if d.is(nfPlus) || d.is(nfMinus) || d.is(nfBracket) {
			return numSyntax("cannot use \"S\" and \"PL\"/\"MI\"/\"SG\"/\"PR\" together")
		}
		if !d.is(nfDecimal) {
			d.lsign = lsignPre
			d.preLsignNum = d.pre
			d.flag |= nfLSign
		} else if d.lsign == lsignNone {
			d.lsign = lsignPost
			d.flag |= nfLSign
		}
	case numMI:
		if d.is(nfLSign) {
			return numSyntax("cannot use \"S\" and \"MI\" together")
		}
		d.flag |= nfMinus
		if d.is(nfDecimal) {
			d.flag |= nfMinusPost
		}
	case numPL:
		if d.is(nfLSign) {
			return numSyntax("cannot use \"S\" and \"PL\" together")
		}
		d.flag |= nfPlus
		if d.is(nfDecimal) {
			d.flag |= nfPlusPost
		}
	case numSG:
		if d.is(nfLSign) {
			return numSyntax("cannot use \"S\" and \"SG\" together")
		}
		d.flag |= nfMinus | nfPlus
	case numPR:
		if d.is(nfLSign) || d.is(nfPlus) || d.is(nfMinus) {
			return numSyntax("cannot use \"PR\" and \"S\"/\"PL\"/\"MI\"/\"SG\" together")
		}
		d.flag |= nfBracket
	case numRN:
		d.flag |= nfRoman
	case numV:
		if d.is(nfDecimal) {
			return numSyntax("cannot use \"V\" and decimal point together")
		}
		d.flag |= nfMulti
	case numE:
		if d.is(nfEEEE) {
			return numSyntax("cannot use \"EEEE\" twice")
		}
		if d.is(nfBlank) || d.is(nfFillMode) || d.is(nfLSign) || d.is(nfBracket) || d.is(nfMinus) || d.is(nfPlus) || d.is(nfRoman) || d.is(nfMulti) {
			return numSyntax("\"EEEE\" is incompatible with other formats")
		}
		d.flag |= nfEEEE
	}
	return nil
}

// numText is a value prepared for the template: its digits without sign (numstr), the sign,
// and the blanks before the first digit.
type numText struct {
	digits    string
	neg       bool
	preSpaces int
}

// fitDigits is the common tail of PostgreSQL's *_to_char: pad a short integer part, or
// replace everything by '#' when the integer part does not fit.
func (d *numDesc) fitDigits(s string) numText {
	t := numText{}
	if strings.HasPrefix(s, "-") {
		t.neg, s = true, s[1:]
	}
	pre := len(s)
	if p := strings.IndexByte(s, '.'); p >= 0 {
		pre = p
	}
	switch {
	case pre < d.pre:
		t.preSpaces = d.pre - pre
	case pre > d.pre:
		b := []byte(strings.Repeat("#", d.pre+d.post+1))
		b[d.pre] = '.'
		s = string(b)
	}
	t.digits = s
	return t
}

// decimalDigits renders unscaled*10^-scale rounded half away from zero to post decimals.
func decimalDigits(unscaled *big.Int, scale int32, post int) string {
	v := new(big.Int).Set(unscaled)
	switch {
	case int(scale) > post:
		v = roundHalfAway(v, int32(int(scale)-post))
	case int(scale) < post:
		v.Mul(v, bigPow10(int32(post-int(scale))))
	}
	neg := v.Sign() < 0
	s := new(big.Int).Abs(v).String()
	if post > 0 {
		if len(s) <= post {
			s = strings.Repeat("0", post-len(s)+1) + s
		}
		s = s[:len(s)-post] + "." + s[len(s)-post:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// roundHalfAway divides v by 10^k rounding half away from zero.
func roundHalfAway(v *big.Int, k int32) *big.Int {
	p := bigPow10(k)
	q, r := new(big.Int).QuoRem(v, p, new(big.Int))
	r.Abs(r).Mul(r, big.NewInt(2))
	if r.Cmp(p) >= 0 {
		if v.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

// sciDigits is numeric_out_sci: d.ddd...e+XX with post decimals, rounded half away.
func sciDigits(unscaled *big.Int, scale int32, post int) string {
	neg := unscaled.Sign() < 0
	abs := new(big.Int).Abs(unscaled)
	exp := 0
	if abs.Sign() != 0 {
		exp = len(abs.String()) - 1 - int(scale)
	}
	// mantissa = abs * 10^-(scale+exp), to post decimals
	m := decimalDigits(abs, scale+int32(exp), post)
	s := m + "e" + fmtExp(exp)
	if neg {
		return "-" + s
	}
	return s
}

func fmtExp(e int) string {
	sign := "+"
	if e < 0 {
		sign, e = "-", -e
	}
	s := strconv.Itoa(e)
	if len(s) < 2 {
		s = "0" + s
	}
	return sign + s
}

var romanTab = []struct {
	v int
	s string
}{{1000, "M"}, {900, "CM"}, {500, "D"}, {400, "CD"}, {100, "C"}, {90, "XC"}, {50, "L"}, {40, "XL"}, {10, "X"}, {9, "IX"}, {5, "V"}, {4, "IV"}, {1, "I"}}

func intToRoman(n int64) string {
	if n < 1 || n > 3999 {
		return strings.Repeat("#", 15)
	}
	var b strings.Builder
	for _, r := range romanTab {
		for n >= int64(r.v) {
			b.WriteString(r.s)
			n -= int64(r.v)
		}
	}
	return b.String()
}

// numericToChar formats unscaled*10^-scale (int8 and numeric).
func numericToChar(unscaled *big.Int, scale int32, dv numDesc) (string, error) {
	d := &dv
	switch {
	case d.is(nfRoman):
		r := decimalDigits(unscaled, scale, 0)
		n, _ := strconv.ParseInt(r, 10, 64)
		if len(r) > 6 {
			n = 0
		}
		return d.render(numText{digits: intToRoman(n)}), nil
	case d.is(nfEEEE):
		s := sciDigits(unscaled, scale, d.post)
		if !strings.HasPrefix(s, "-") {
			s = " " + s
		}
		return s, nil
	}
	v, sc := unscaled, scale
	if d.is(nfMulti) {
		v = new(big.Int).Mul(unscaled, bigPow10(int32(d.multi)))
		d.pre += d.multi
	}
	return d.render(d.fitDigits(decimalDigits(v, sc, d.post))), nil
}

// intToChar formats a smallint or integer (PostgreSQL's int4_to_char).
func intToChar(v int64, dv numDesc) (string, error) {
	d := &dv
	switch {
	case d.is(nfRoman):
		return d.render(numText{digits: intToRoman(v)}), nil
	case d.is(nfEEEE):
		return floatSci(float64(v), d.post), nil
	}
	if d.is(nfMulti) {
		v *= int64(math.Pow10(d.multi))
		d.pre += d.multi
	}
	s := strconv.FormatInt(v, 10)
	if d.post > 0 {
		s += "." + strings.Repeat("0", d.post)
	}
	return d.render(d.fitDigits(s)), nil
}

func floatSci(v float64, post int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return " #." + strings.Repeat("#", post+4)
	}
	s := strconv.FormatFloat(v, 'e', post, 64)
	if !strings.HasPrefix(s, "-") {
		s = " " + s
	}
	return s
}

// floatToChar formats a real or double precision (float8_to_char / float4_to_char): at
// most digs significant digits before the point decide the decimals printed.
func floatToChar(v float64, digs int, dv numDesc) (string, error) {
	d := &dv
	switch {
	case d.is(nfRoman):
		return d.render(numText{digits: intToRoman(int64(math.RoundToEven(v)))}), nil
	case d.is(nfEEEE):
		return floatSci(v, d.post), nil
	}
	if d.is(nfMulti) {
		v *= math.Pow10(d.multi)
		d.pre += d.multi
	}
	switch {
	case math.IsNaN(v): // the words take the digit positions, '#' when they do not fit
		return d.render(d.fitDigits("NaN")), nil
	case math.IsInf(v, 1):
		return d.render(d.fitDigits("Infinity")), nil
	case math.IsInf(v, -1):
		return d.render(d.fitDigits("-Infinity")), nil
	}
	pre := len(strconv.FormatFloat(math.Abs(v), 'f', 0, 64))
	post := d.post
	if pre >= digs {
		post = 0
	} else if pre+post > digs {
		post = digs - pre
	}
	d.post = post
	return d.render(d.fitDigits(strconv.FormatFloat(v, 'f', post, 64))), nil
}

// render is NUM_processor in to_char mode.
func (d *numDesc) render(t numText) string {
	var out strings.Builder
	sign := byte('+')
	if t.neg {
		sign = '-'
	}
	number := t.digits
	outPreSpaces := t.preSpaces
	if d.is(nfRoman) {
		d.lsign, d.preLsignNum, d.post, d.pre, outPreSpaces, sign = 0, 0, 0, 0, 0, 0
	}
	if d.zeroStart > 0 {
		d.zeroStart-- // 1-based in the description, 0-based against the digit counter
	}
	signWrote := false
	if sign != 0 {
		if d.is(nfPlus) || d.is(nfMinus) {
			signWrote = !(d.is(nfPlus) && !d.is(nfMinus))
		} else {
			if sign != '-' && d.is(nfFillMode) {
				d.flag &^= nfBracket
			}
			signWrote = sign == '+' && d.is(nfFillMode) && !d.is(nfLSign)
			if d.lsign == lsignPre && d.pre == d.preLsignNum {
				d.lsign = lsignPost
			}
		}
	}
	numCount := d.post + d.pre - 1
	lastRelevant := -1
	if d.is(nfFillMode) && d.is(nfDecimal) {
		lastRelevant = lastRelevantDecnum(number)
		if lastRelevant >= 0 && d.zeroEnd > outPreSpaces {
			if lz := d.zeroEnd - outPreSpaces; lastRelevant < lz {
				lastRelevant = lz
			}
		}
	}
	if !signWrote && outPreSpaces == 0 {
		numCount++
	}
	numIn := false
	numCurr := 0
	p := 0 // index into number
	at := func(i int) byte {
		if i < len(number) {
			return number[i]
		}
		return 0
	}
	predecSpace := func() bool {
		return !d.is(nfZero) && p == 0 && at(0) == '0' && d.post != 0
	}
	signStr := func() string {
		if sign == '-' {
			return "-"
		}
		return "+"
	}
	numpart := func(k numKey) {
		if d.is(nfRoman) {
			return
		}
		numIn = false
		if !signWrote && (numCurr >= outPreSpaces || (d.is(nfZero) && d.zeroStart == numCurr)) &&
			(!predecSpace() || (lastRelevant >= 0 && at(lastRelevant) == '.')) {
			switch {
			case d.is(nfLSign):
				if d.lsign == lsignPre {
					out.WriteString(signStr())
					signWrote = true
				}
			case d.is(nfBracket):
				if sign == '+' {
					out.WriteByte(' ')
				} else {
					out.WriteByte('<')
				}
				signWrote = true
			case sign == '+':
				if !d.is(nfFillMode) {
					out.WriteByte(' ')
				}
				signWrote = true
			case sign == '-':
				out.WriteByte('-')
				signWrote = true
			}
		}
		switch {
		case numCurr < outPreSpaces && (d.zeroStart > numCurr || !d.is(nfZero)):
			if !d.is(nfFillMode) {
				out.WriteByte(' ')
			}
		case d.is(nfZero) && numCurr < outPreSpaces && d.zeroStart <= numCurr:
			out.WriteByte('0')
			numIn = true
		default:
			if at(p) == '.' {
				if lastRelevant < 0 || at(lastRelevant) != '.' || d.is(nfFillMode) {
					out.WriteByte('.')
				}
			} else {
				switch {
				case lastRelevant >= 0 && p > lastRelevant && k != num0:
				case predecSpace():
					if !d.is(nfFillMode) {
						out.WriteByte(' ')
					} else if lastRelevant >= 0 && at(lastRelevant) == '.' {
						out.WriteByte('0')
					}
				default:
					if c := at(p); c != 0 {
						out.WriteByte(c)
					}
					numIn = true
				}
			}
			if p < len(number) {
				p++
			}
		}
		end := numCount
		if outPreSpaces > 0 {
			end++
		}
		if d.is(nfDecimal) {
			end++
		}
		if lastRelevant >= 0 && lastRelevant == p {
			end = numCurr
		}
		if numCurr+1 == end {
			if signWrote && d.is(nfBracket) {
				if sign == '+' {
					out.WriteByte(' ')
				} else {
					out.WriteByte('>')
				}
			} else if d.is(nfLSign) && d.lsign == lsignPost {
				out.WriteString(signStr())
			}
		}
		numCurr++
	}
	for _, n := range d.nodes {
		switch n.key {
		case numLit:
			out.WriteString(n.ch)
		case num9, num0, numDec, numD:
			numpart(n.key)
		case numComma, numG:
			if !numIn {
				if !d.is(nfFillMode) {
					out.WriteByte(' ')
				}
			} else {
				out.WriteByte(',')
			}
		case numL:
			out.WriteByte(' ')
		case numRN:
			r := number
			if n.lower {
				r = strings.ToLower(r)
			}
			if d.is(nfFillMode) {
				out.WriteString(r)
			} else {
				out.WriteString(strings.Repeat(" ", max(0, 15-len(r))) + r)
			}
		case numTH:
			if d.is(nfRoman) || strings.HasPrefix(number, "#") || sign == '-' || d.is(nfDecimal) {
				continue
			}
			out.WriteString(ordinalSuffix(number, n.lower))
		case numMI:
			switch {
			case sign == '-':
				out.WriteByte('-')
			case d.is(nfFillMode):
			default:
				out.WriteByte(' ')
			}
		case numPL:
			switch {
			case sign == '+':
				out.WriteByte('+')
			case d.is(nfFillMode):
			default:
				out.WriteByte(' ')
			}
		case numSG:
			if sign != 0 {
				out.WriteByte(sign)
			}
		}
	}
	return out.String()
}

func lastRelevantDecnum(num string) int {
	p := strings.IndexByte(num, '.')
	if p < 0 {
		return -1
	}
	r := p
	for i := p + 1; i < len(num); i++ {
		if num[i] != '0' {
			r = i
		}
	}
	return r
}

// ordinalSuffix is get_th: the English ordinal suffix of the number's last digit.
func ordinalSuffix(num string, lower bool) string {
	s := "TH"
	if n := len(num); n > 0 {
		last := num[n-1]
		tens := byte(0)
		if n > 1 {
			tens = num[n-2]
		}
		if tens != '1' {
			switch last {
			case '1':
				s = "ST"
			case '2':
				s = "ND"
			case '3':
				s = "RD"
			}
		}
	}
	if lower {
		return strings.ToLower(s)
	}
	return s
}

// toNumber is PostgreSQL's to_number: NUM_processor reading the input through the template.
// It returns the digits read as unscaled and their count after the point (the scale).
func toNumber(in string, dv numDesc) (*big.Int, int32, error) {
	d := &dv
	if d.is(nfEEEE) {
		return nil, 0, invalidf("\"EEEE\" not supported for input")
	}
	if d.is(nfRoman) {
		return nil, 0, notSupportedf("\"RN\" not supported for input")
	}
	signCh := byte(' ')
	var digits []byte
	readDec := false
	readPre, readPost := 0, 0
	numIn := false
	i := 0
	over := func() bool { return i >= len(in) }
	numpart := func() {
		if over() {
			return
		}
		if in[i] == ' ' {
			i++
		}
		if over() {
			return
		}
		if signCh == ' ' && readPre+readPost == 0 {
			switch {
			case in[i] == '-' || (d.is(nfBracket) && in[i] == '<'):
				signCh = '-'
				i++
			case in[i] == '+':
				signCh = '+'
				i++
			}
		}
		if over() {
			return
		}
		isread := false
		c := in[i]
		switch {
		case c >= '0' && c <= '9':
			if readDec && readPost == d.post {
				return
			}
			digits = append(digits, c)
			if readDec {
				readPost++
			} else {
				readPre++
			}
			isread = true
			numIn = true
		case d.is(nfDecimal) && !readDec && c == '.':
			digits = append(digits, '.')
			readDec = true
			isread = true
		}
		if over() {
			return
		}
		if signCh == ' ' && readPre+readPost > 0 {
			if d.is(nfLSign) && isread && i+1 < len(in) {
				switch in[i+1] {
				case '-':
					signCh = '-'
					i++
				case '+':
					signCh = '+'
					i++
				}
			} else if !isread && !d.is(nfLSign) && (d.is(nfPlus) || d.is(nfMinus)) {
				if c == '-' || c == '+' {
					signCh = c
				}
			}
		}
	}
	for _, n := range d.nodes {
		if over() {
			break
		}
		switch n.key {
		case numLit:
			_, w := firstRune(in[i:])
			i += w
			continue
		case num9, num0, numDec, numD:
			numpart()
		case numComma, numG:
			if !numIn && d.is(nfFillMode) {
				continue
			}
			if in[i] != ',' {
				continue
			}
		case numL:
			if in[i] != ' ' && in[i] != '$' {
				continue
			}
		case numMI:
			if in[i] != '-' {
				continue
			}
			signCh = '-'
		case numPL:
			if in[i] != '+' {
				continue
			}
			signCh = '+'
		case numSG:
			if in[i] != '-' && in[i] != '+' {
				continue
			}
			signCh = in[i]
		case numTH:
			i += 2
			continue
		default:
			continue
		}
		i++
	}
	if d.is(nfBracket) && signCh == ' ' && strings.HasSuffix(strings.TrimSpace(in), ">") && strings.HasPrefix(strings.TrimSpace(in), "<") {
		signCh = '-'
	}
	s := strings.TrimSuffix(string(digits), ".")
	if s == "" || s == "." {
		return nil, 0, invalidf("invalid input syntax for type numeric: \"%s\"", string(signCh))
	}
	u, sc, ok := parseDecimal(s)
	if !ok {
		return nil, 0, invalidf("invalid input syntax for type numeric: \"%s\"", string(signCh)+s)
	}
	if signCh == '-' {
		u.Neg(u)
	}
	if d.is(nfMulti) && d.multi > 0 {
		sc += int32(d.multi)
	}
	return u, sc, nil
}

// numFormatCache keeps the last template parsed: templates are nearly always constants.
type numFormatCache struct {
	f   string
	d   *numDesc
	err error
}

func (c *numFormatCache) get(f string) (numDesc, error) {
	if c.d == nil && c.err == nil || c.f != f {
		c.f = f
		c.d, c.err = parseNumFormat(f)
	}
	if c.err != nil {
		return numDesc{}, c.err
	}
	return *c.d, nil
}

// NumberTemplateScale is the scale of to_number's result for template f: its digit
// positions after the decimal point, or 16 with V (PostgreSQL multiplies by
// power(10, -n), whose scale is 16), with the template's errors.
func NumberTemplateScale(f string) (int32, error) {
	d, err := parseNumFormat(f)
	if err != nil {
		return 0, err
	}
	if d.is(nfMulti) {
		return int32(max(16, d.multi)), nil
	}
	return int32(d.post), nil
}
