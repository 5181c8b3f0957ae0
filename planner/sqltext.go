package planner

import (
	"strconv"
	"strings"
	"unicode/utf8"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// Limits on SQL text, checked in Go before the text reaches pg_query's C parser.
//
// The C parser builds the parse tree with bison (whose own stack is capped at 10,000 entries,
// failing cleanly), but pg_query then serializes the tree recursively with no depth check: a
// left-deep tree (`1+1+...+1`, `a || b || ...`, `x::int::int...`, a chain of UNIONs or
// JOINs) or a deeply nested one (subqueries, CASE, function calls) overflows the C stack of
// the thread and kills the process with SIGSEGV, which Go cannot recover. Measured on x86-64
// (pg_query_go v6): a `+` chain costs ~350 bytes of C stack per term (8 MiB stack: crash at
// 23,809 terms; 1 MiB: 2,963), a UNION chain ~180 bytes per SELECT, nested CASE ~700 bytes,
// nested scalar subqueries ~1,070 bytes per level. Go threads running cgo get the C library's
// default thread stack (8 MiB under the usual `ulimit -s`, 2 MiB when it is unlimited).
//
// MaxSQLDepth bounds a conservative estimate of the parse tree's depth (scanner below),
// weighted so that one unit costs at most ~360 bytes of C stack: at the limit the parser
// needs under 0.75 MiB, a margin of almost 3 on a 2 MiB thread stack and 10 on 8 MiB. Wide
// inputs (IN lists, VALUES rows, select lists, AND/OR chains, which PostgreSQL flattens) do
// not add depth; they are bounded by MaxSQLBytes only. PostgreSQL itself (max_stack_depth
// 2 MB) fails a `+` chain somewhere between 1,000 and 5,000 terms.
const (
	// MaxSQLBytes bounds the SQL text of one statement: an IN list of a million 15-digit
	// keys fits. Parsing takes ~130 bytes of memory per byte of SQL (a 2 MB, 1M-literal IN
	// list parses into ~260 MB), so a statement at the limit needs ~2 GB while it is parsed.
	MaxSQLBytes = 16 << 20
	// MaxSQLDepth bounds the nesting depth estimated by the scanner.
	MaxSQLDepth = 2000
)

// sqlText is a statement's text as the client sent it and as it is handed to the parser
// (JDBC-style `?` placeholders rewritten to $1..$n), with what is needed to turn the parser's
// byte offsets back into 1-based character positions of the original text in O(1).
type sqlText struct {
	orig   string
	parsed string
	// edits lists, in order, where parsed differs from orig: at byte offset at of parsed,
	// parsed is shift bytes longer than orig before it (after the edit).
	edits []textEdit
	runes runeIndex
}

type textEdit struct{ at, shift int }

// runeIndex answers "how many characters precede byte offset i" in O(1) amortized: the
// count at every runeStride bytes is precomputed; ASCII text needs none.
type runeIndex struct {
	s     string
	ascii bool
	marks []int32 // marks[k] = runes in s[:k*runeStride]
}

const runeStride = 256

func newRuneIndex(s string) runeIndex {
	ri := runeIndex{s: s, ascii: true}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ri.ascii = false
			break
		}
	}
	if ri.ascii {
		return ri
	}
	ri.marks = make([]int32, len(s)/runeStride+1)
	n := int32(0)
	for k := 1; k < len(ri.marks); k++ {
		n += int32(utf8.RuneCountInString(s[(k-1)*runeStride : k*runeStride]))
		ri.marks[k] = n
	}
	return ri
}

// count returns the number of characters in s[:i].
func (ri *runeIndex) count(i int) int {
	if ri.ascii {
		return i
	}
	k := i / runeStride
	return int(ri.marks[k]) + utf8.RuneCountInString(ri.s[k*runeStride:i])
}

// charPos converts a pg_query location in the parsed text (0-based byte offset, -1 unknown)
// to a 1-based character position in the original text (0 unknown).
func (t *sqlText) charPos(loc int32) int {
	if t == nil || loc < 0 || int(loc) > len(t.parsed) {
		return 0
	}
	i := int(loc)
	// the last edit at or before i tells how much longer parsed is up to there
	lo, hi := 0, len(t.edits)
	for lo < hi {
		m := (lo + hi) / 2
		if t.edits[m].at <= i {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo > 0 {
		i -= t.edits[lo-1].shift
	}
	if i < 0 {
		i = 0
	}
	if i > len(t.orig) {
		i = len(t.orig)
	}
	return t.runes.count(i) + 1
}

// parserPos converts the parser's 1-based character position in the parsed text (0
// unknown) to one in the original text.
func (t *sqlText) parserPos(pos int) int {
	if t == nil || pos <= 0 || len(t.edits) == 0 {
		return pos
	}
	off := 0
	for n := 1; n < pos && off < len(t.parsed); n++ {
		_, w := utf8.DecodeRuneInString(t.parsed[off:])
		off += w
	}
	return t.charPos(int32(off))
}

// newSQLText prepares sql for the parser: it enforces MaxSQLBytes and MaxSQLDepth and
// rewrites JDBC-style `?` placeholders. Errors wrap errs.ErrInvalidArgument.
func newSQLText(sql string) (*sqlText, error) {
	if len(sql) > MaxSQLBytes {
		return nil, logical.Errorf(errs.ErrInvalidArgument,
			"statement too large: %d bytes exceeds the limit of %d bytes (%d MiB)", len(sql), MaxSQLBytes, MaxSQLBytes>>20)
	}
	sc := scanner{src: sql}
	if err := sc.run(); err != nil {
		return nil, err
	}
	t := &sqlText{orig: sql, parsed: sql, runes: newRuneIndex(sql)}
	if len(sc.marks) > 0 {
		t.parsed, t.edits = sc.rewrite()
	}
	return t, nil
}

// parseSQL parses one statement's text after the checks of newSQLText.
func parseSQL(sql string) (*sqlText, *pg.ParseResult, error) {
	t, err := newSQLText(sql)
	if err != nil {
		return nil, nil, err
	}
	tree, err := pg.Parse(t.parsed)
	return t, tree, err
}

// scanner is a lexer for PostgreSQL's SQL just precise enough to tell what is code from
// what is inside string constants, quoted identifiers, dollar-quoted strings and comments,
// to estimate the parse tree's depth and to find `?` placeholders. It never fails on text
// the real parser would reject; the parser reports those errors.
type scanner struct {
	src    string
	frames []depthFrame
	marks  []qmark // `?` placeholders and `??` escapes, in order
	dollar int     // highest $n seen (0: none)
	nq     int     // number of `?` placeholders
}

// qmark is a `?` placeholder (escape false) or a `??` escape for a literal `?` (escape true).
type qmark struct {
	at     int
	escape bool
}

// depthFrame is one open nesting level: a parenthesis or bracket, a CASE, or the statement.
// Depth at a point is base + weight + chain + rel of the innermost frame, where chain counts
// operators since the last point where PostgreSQL's tree cannot keep growing deeper at this
// level (a comma, AND/OR which PostgreSQL flattens, a clause keyword) and rel counts set
// operations and JOINs (left-deep trees that clause keywords do not end).
type depthFrame struct {
	base, weight, chain, rel int
	isCase                   bool
	first                    bool // no token seen yet in this frame
}

func (f *depthFrame) depth() int { return f.base + f.weight + f.chain + f.rel }

func (s *scanner) top() *depthFrame { return &s.frames[len(s.frames)-1] }

func (s *scanner) tooDeep(at int) error {
	ri := newRuneIndex(s.src)
	return errs.At(ri.count(at)+1, logical.Errorf(errs.ErrInvalidArgument,
		"statement too complex: nesting depth exceeds the limit of %d (each operator in a chain, parenthesis, function call, CASE, subquery, set operation and JOIN counts)", MaxSQLDepth))
}

// grow adds n to the innermost frame's chain (rel when setop) and checks the limit.
func (s *scanner) grow(at, n int, setop bool) error {
	f := s.top()
	f.first = false
	if setop {
		f.rel += n
		f.chain = 0
	} else {
		f.chain += n
	}
	if f.depth() > MaxSQLDepth {
		return s.tooDeep(at)
	}
	return nil
}

func (s *scanner) push(at, weight int, isCase bool) error {
	base := s.top().depth()
	s.top().first = false
	s.frames = append(s.frames, depthFrame{base: base, weight: weight, isCase: isCase, first: true})
	if s.top().depth() > MaxSQLDepth {
		return s.tooDeep(at)
	}
	return nil
}

// pop closes the innermost parenthesis (and any CASE left open inside it).
func (s *scanner) pop() {
	for len(s.frames) > 1 {
		f := s.frames[len(s.frames)-1]
		s.frames = s.frames[:len(s.frames)-1]
		if !f.isCase {
			break
		}
	}
	s.top().first = false
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf
}

func isIdentCont(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '$'
}

func isOpChar(c byte) bool {
	return strings.IndexByte("+-*/<>=~!@#%^&|`?", c) >= 0
}

func (s *scanner) run() error {
	src := s.src
	s.frames = append(s.frames[:0], depthFrame{first: true})
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < len(src) && src[i+1] == '-':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			i = skipBlockComment(src, i)
		case c == '\'':
			i = skipQuoted(src, i, '\'', false)
			s.top().first = false
		case c == '"':
			i = skipQuoted(src, i, '"', false)
			s.top().first = false
		case c == '$':
			i = s.dollarToken(i)
		case c == '?':
			if n := jsonbQuestionOp(src, i); n > 0 { // sqltext_json.go
				if err := s.grow(i, 1, false); err != nil {
					return err
				}
				i += n
				s.top().first = false
				continue
			}
			if i+1 < len(src) && src[i+1] == '?' {
				s.marks = append(s.marks, qmark{at: i, escape: true})
				if err := s.grow(i, 1, false); err != nil {
					return err
				}
				i += 2
				continue
			}
			s.marks = append(s.marks, qmark{at: i})
			s.nq++
			s.top().first = false
			i++
		case isOpChar(c):
			// one operator token: a run of operator characters up to a comment or a `?`
			start := i
			for i < len(src) && isOpChar(src[i]) && src[i] != '?' &&
				!(i+1 < len(src) && (src[i] == '-' && src[i+1] == '-' || src[i] == '/' && src[i+1] == '*')) {
				i++
			}
			if i == start { // "--" or "/*" right after another operator: handled next round
				continue
			}
			if err := s.grow(start, operatorTokens(src[start:i]), false); err != nil {
				return err
			}
		case c == ':':
			if i+1 < len(src) && src[i+1] == ':' {
				if err := s.grow(i, 1, false); err != nil {
					return err
				}
				i += 2
				continue
			}
			i++
		case c == '(' || c == '[':
			if err := s.push(i, 1, false); err != nil {
				return err
			}
			i++
		case c == ')' || c == ']':
			s.pop()
			i++
		case c == ',':
			s.top().chain = 0
			i++
		case c == ';':
			f := s.top()
			f.chain, f.rel = 0, 0
			i++
		case c >= '0' && c <= '9' || c == '.':
			for i < len(src) && (isIdentCont(src[i]) || src[i] == '.') && src[i] != '$' {
				i++
			}
			s.top().first = false
		case isIdentStart(c):
			start := i
			for i < len(src) && isIdentCont(src[i]) {
				i++
			}
			word := src[start:i]
			if i < len(src) && src[i] == '\'' && (word == "e" || word == "E") {
				i = skipQuoted(src, i, '\'', true)
				s.top().first = false
				continue
			}
			if err := s.keyword(start, word); err != nil {
				return err
			}
		default:
			i++
		}
	}
	if s.nq > 0 && s.dollar > 0 {
		return logical.Errorf(errs.ErrInvalidArgument,
			"cannot mix ? and $n parameter placeholders in one statement")
	}
	return nil
}

// keyword accounts for the depth a word adds (most words add none).
func (s *scanner) keyword(at int, word string) error {
	if len(word) > 9 {
		s.top().first = false
		return nil
	}
	var buf [9]byte
	for k := 0; k < len(word); k++ {
		c := word[k]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[k] = c
	}
	switch string(buf[:len(word)]) {
	case "select", "values", "with", "table":
		// a parenthesis opening a subquery: a SubLink, a SelectStmt and its target list
		// cost about three levels of C stack
		f := s.top()
		if f.first && len(s.frames) > 1 && !f.isCase {
			f.weight += 2
			if f.depth() > MaxSQLDepth {
				return s.tooDeep(at)
			}
		}
		f.first = false
		f.chain = 0
	case "and", "or", "where", "when", "then", "else", "on", "having", "set", "returning", "using", "limit", "offset":
		s.top().chain = 0
		s.top().first = false
	case "case":
		return s.push(at, 2, true)
	case "end":
		if len(s.frames) > 1 && s.top().isCase {
			s.frames = s.frames[:len(s.frames)-1]
		}
		s.top().first = false
	case "union", "intersect", "except", "join":
		return s.grow(at, 1, true)
	case "not", "is", "isnull", "notnull", "between", "like", "ilike", "similar", "in", "collate", "at", "operator", "overlaps", "escape":
		return s.grow(at, 1, false)
	default:
		s.top().first = false
	}
	return nil
}

// dollarToken handles `$`: a parameter $n, a dollar-quoted string $tag$...$tag$, or a lone
// character (the parser decides). It returns the offset after the token.
func (s *scanner) dollarToken(i int) int {
	src := s.src
	s.top().first = false
	j := i + 1
	if j < len(src) && src[j] >= '0' && src[j] <= '9' {
		for j < len(src) && src[j] >= '0' && src[j] <= '9' {
			j++
		}
		if n, err := strconv.Atoi(src[i+1 : j]); err == nil && n > s.dollar {
			s.dollar = n
		} else if err != nil {
			s.dollar = 1 << 30
		}
		return j
	}
	for j < len(src) && isIdentCont(src[j]) && src[j] != '$' {
		j++
	}
	if j >= len(src) || src[j] != '$' {
		return i + 1
	}
	tag := src[i : j+1]
	end := strings.Index(src[j+1:], tag)
	if end < 0 {
		return len(src)
	}
	return j + 1 + end + len(tag)
}

// skipQuoted skips a quoted token starting at src[i] == q ('...' or "..."; a doubled
// quote stands for itself; with backslash, \ escapes the next byte as in E'...').
func skipQuoted(src string, i int, q byte, backslash bool) int {
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			if backslash {
				j++
			}
		case q:
			if j+1 < len(src) && src[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(src)
}

// skipBlockComment skips a /* ... */ comment starting at i; they nest as in PostgreSQL.
func skipBlockComment(src string, i int) int {
	depth := 0
	for i < len(src) {
		switch {
		case src[i] == '/' && i+1 < len(src) && src[i+1] == '*':
			depth++
			i += 2
		case src[i] == '*' && i+1 < len(src) && src[i+1] == '/':
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return len(src)
}

// rewrite returns the text with each `?` replaced by $1, $2, ... in order and each `??` by
// a literal `?`, and the edits that map offsets back.
func (s *scanner) rewrite() (string, []textEdit) {
	var b strings.Builder
	b.Grow(len(s.src) + 4*len(s.marks))
	edits := make([]textEdit, 0, len(s.marks))
	last, shift, n := 0, 0, 0
	for _, m := range s.marks {
		b.WriteString(s.src[last:m.at])
		if m.escape {
			b.WriteByte('?')
			last = m.at + 2
			shift--
		} else {
			n++
			ph := "$" + strconv.Itoa(n)
			// $n must stay a token of its own: `a?` is not the identifier a$1, `?1` not $11
			if m.at > 0 && isIdentCont(s.src[m.at-1]) {
				ph = " " + ph
			}
			if m.at+1 < len(s.src) && isIdentCont(s.src[m.at+1]) {
				ph += " "
			}
			b.WriteString(ph)
			last = m.at + 1
			shift += len(ph) - 1
		}
		edits = append(edits, textEdit{at: b.Len(), shift: shift})
	}
	b.WriteString(s.src[last:])
	return b.String(), edits
}

// operatorTokens is how many operators PostgreSQL's lexer makes of a run of operator
// characters: a multi-character operator made only of SQL operator characters cannot end in
// + or -, so those are given back one by one ("1++++1" is 1 + (+(+(+1)))), each nesting one
// level deeper.
func operatorTokens(run string) int {
	if len(run) < 2 || strings.ContainsAny(run, "~!@#^&|`?%") {
		return 1
	}
	j := len(run)
	for j > 1 && (run[j-1] == '+' || run[j-1] == '-') {
		j--
	}
	return 1 + len(run) - j
}
