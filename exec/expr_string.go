package exec

import (
	"bytes"
	"context"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// strOut accumulates string results and turns them into an arrow String array.
type strOut struct {
	offsets []int32
	data    []byte
}

func newStrOut(n, sizeHint int) *strOut {
	o := &strOut{offsets: make([]int32, 1, n+1), data: make([]byte, 0, sizeHint)}
	return o
}

func (s *strOut) add(b []byte) {
	s.data = append(s.data, b...)
	s.offsets = append(s.offsets, int32(len(s.data)))
}

func (s *strOut) addString(v string) {
	s.data = append(s.data, v...)
	s.offsets = append(s.offsets, int32(len(s.data)))
}

func (s *strOut) empty() { s.offsets = append(s.offsets, int32(len(s.data))) }

// finish builds the array (takes ownership of validity).
func (s *strOut) finish(mem memory.Allocator, validity *memory.Buffer, nulls int) arrow.Array {
	n := len(s.offsets) - 1
	ob, ov := newFixed[int32](mem, n+1)
	copy(ov, s.offsets)
	db := memory.NewResizableBuffer(mem)
	db.Resize(len(s.data))
	copy(db.Bytes(), s.data)
	d := array.NewData(arrow.BinaryTypes.String, n, []*memory.Buffer{validity, ob, db}, nil, nulls, 0)
	if validity != nil {
		validity.Release()
	}
	ob.Release()
	db.Release()
	a := array.MakeFromData(d)
	d.Release()
	return a
}

// strAt returns row i of a string operand (stride-aware) without copying.
func strAt(off []int32, data []byte, i, stride int) []byte {
	return data[off[i*stride]:off[i*stride+1]]
}

func stringKernel(name string, args []Expr, out arrow.DataType) (kernel, arrow.DataType, error) {
	for i, a := range args {
		id := a.Type().ID()
		isStr := id == arrow.STRING || id == arrow.NULL
		if name == "substring" && i > 0 {
			if !isIntID(id) && id != arrow.NULL {
				return nil, nil, notSupportedf("substring position of type %s", a.Type())
			}
			continue
		}
		if !isStr {
			return nil, nil, notSupportedf("function %s on %s", name, a.Type())
		}
	}
	str := arrow.BinaryTypes.String
	switch name {
	case "concat":
		if len(args) == 0 {
			return nil, nil, invalidf("concat needs arguments")
		}
		return concatKernel, str, nil
	case "lower", "upper":
		if len(args) != 1 {
			return nil, nil, invalidf("function %s takes 1 argument", name)
		}
		f := strings.ToLower
		if name == "upper" {
			f = strings.ToUpper
		}
		return mapStringKernel(f), str, nil
	case "char_length":
		if len(args) != 1 {
			return nil, nil, invalidf("function char_length takes 1 argument")
		}
		if out == nil {
			out = arrow.PrimitiveTypes.Int32
		}
		if out.ID() != arrow.INT32 && out.ID() != arrow.INT64 {
			return nil, nil, notSupportedf("char_length -> %s", out)
		}
		return charLengthKernel(out), out, nil
	case "substring":
		if len(args) != 2 && len(args) != 3 {
			return nil, nil, invalidf("function substring takes 2 or 3 arguments")
		}
		return substringKernel, str, nil
	case "like", "ilike":
		if len(args) != 2 && len(args) != 3 {
			return nil, nil, invalidf("function %s takes 2 arguments", name)
		}
		return likeKernel(name == "ilike", args), arrow.FixedWidthTypes.Boolean, nil
	}
	return nil, nil, notSupportedf("scalar function %q", name)
}

func concatKernel(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
	str := arrow.BinaryTypes.String
	if a := allNullResult(ops, str, n, mem); a != nil {
		return a, nil
	}
	validity, nulls := validityOf(mem, n, ops...)
	vb := bitsOf(validity)
	offs := make([][]int32, len(ops))
	datas := make([][]byte, len(ops))
	size := 0
	for k, o := range ops {
		offs[k], datas[k] = strData(o.arr)
		size += len(datas[k])
	}
	out := newStrOut(n, size)
	for i := 0; i < n; i++ {
		if !rowValid(vb, i) {
			out.empty()
			continue
		}
		for k, o := range ops {
			out.data = append(out.data, strAt(offs[k], datas[k], i, o.stride())...)
		}
		out.offsets = append(out.offsets, int32(len(out.data)))
	}
	return out.finish(mem, validity, nulls), nil
}

func mapStringKernel(f func(string) string) kernel {
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		str := arrow.BinaryTypes.String
		if a := allNullResult(ops, str, n, mem); a != nil {
			return a, nil
		}
		validity, nulls := validityOf(mem, n, ops[0])
		vb := bitsOf(validity)
		off, data := strData(ops[0].arr)
		s := ops[0].stride()
		out := newStrOut(n, len(data))
		for i := 0; i < n; i++ {
			if !rowValid(vb, i) {
				out.empty()
				continue
			}
			out.addString(f(string(strAt(off, data, i, s))))
		}
		return out.finish(mem, validity, nulls), nil
	}
}

func charLengthKernel(out arrow.DataType) kernel {
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		if a := allNullResult(ops, out, n, mem); a != nil {
			return a, nil
		}
		validity, nulls := validityOf(mem, n, ops[0])
		off, data := strData(ops[0].arr)
		s := ops[0].stride()
		if out.ID() == arrow.INT32 {
			buf, res := newFixed[int32](mem, n)
			for i := range res {
				res[i] = int32(utf8.RuneCount(strAt(off, data, i, s)))
			}
			return makeFixed(out, n, validity, buf, nulls), nil
		}
		buf, res := newFixed[int64](mem, n)
		for i := range res {
			res[i] = int64(utf8.RuneCount(strAt(off, data, i, s)))
		}
		return makeFixed(out, n, validity, buf, nulls), nil
	}
}

func substringKernel(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
	str := arrow.BinaryTypes.String
	if a := allNullResult(ops, str, n, mem); a != nil {
		return a, nil
	}
	validity, nulls := validityOf(mem, n, ops...)
	vb := bitsOf(validity)
	off, data := strData(ops[0].arr)
	s := ops[0].stride()
	start := intsAsInt64(ops[1], n)
	var length func(int) int64
	if len(ops) == 3 {
		length = intsAsInt64(ops[2], n)
	}
	out := newStrOut(n, len(data))
	for i := 0; i < n; i++ {
		if !rowValid(vb, i) {
			out.empty()
			continue
		}
		v := strAt(off, data, i, s)
		from := start(i) // 1-based, may be <= 0
		to := int64(1) << 62
		if length != nil {
			l := length(i)
			if l < 0 {
				if validity != nil {
					validity.Release()
				}
				return nil, invalidf("negative substring length not allowed")
			}
			to = from + l // exclusive
		}
		if from < 1 {
			from = 1
		}
		if to <= from {
			out.empty()
			continue
		}
		out.add(runeSlice(v, from-1, to-1))
	}
	return out.finish(mem, validity, nulls), nil
}

// runeSlice returns characters [from, to) of v (0-based, clamped).
func runeSlice(v []byte, from, to int64) []byte {
	ascii := true
	for _, c := range v {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		l := int64(len(v))
		if from > l {
			from = l
		}
		if to > l {
			to = l
		}
		return v[from:to]
	}
	var bs, be = -1, len(v)
	var k int64
	for pos := range string(v) {
		if k == from {
			bs = pos
		}
		if k == to {
			be = pos
			break
		}
		k++
	}
	if bs < 0 {
		return nil
	}
	return v[bs:be]
}

// ---------------------------------------------------------------------------------------
// LIKE

// likePattern is a compiled PostgreSQL LIKE pattern: % any sequence, _ any one character,
// backslash escapes the next character.
type likePattern struct {
	tokens []likeToken
	// fast forms: exact, prefix, suffix, contains (no '_' and at most a leading and a
	// trailing '%').
	kind    int
	literal []byte
}

type likeToken struct {
	many bool   // %
	one  bool   // _
	lit  []rune // literal run
}

const (
	likeGeneral = iota
	likeExact
	likePrefix
	likeSuffix
	likeContains
	likeAll
)

func compileLike(p string) *likePattern {
	lp := &likePattern{}
	var lit []rune
	flush := func() {
		if len(lit) > 0 {
			lp.tokens = append(lp.tokens, likeToken{lit: lit})
			lit = nil
		}
	}
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		switch c := rs[i]; c {
		case '\\':
			if i+1 < len(rs) {
				i++
				lit = append(lit, rs[i])
			} else {
				lit = append(lit, c)
			}
		case '%':
			flush()
			if len(lp.tokens) == 0 || !lp.tokens[len(lp.tokens)-1].many {
				lp.tokens = append(lp.tokens, likeToken{many: true})
			}
		case '_':
			flush()
			lp.tokens = append(lp.tokens, likeToken{one: true})
		default:
			lit = append(lit, c)
		}
	}
	flush()
	t := lp.tokens
	isLit := func(k int) bool { return k >= 0 && k < len(t) && t[k].lit != nil }
	switch {
	case len(t) == 0:
		lp.kind, lp.literal = likeExact, nil
	case len(t) == 1 && t[0].many:
		lp.kind = likeAll
	case len(t) == 1 && isLit(0):
		lp.kind, lp.literal = likeExact, []byte(string(t[0].lit))
	case len(t) == 2 && isLit(0) && t[1].many:
		lp.kind, lp.literal = likePrefix, []byte(string(t[0].lit))
	case len(t) == 2 && t[0].many && isLit(1):
		lp.kind, lp.literal = likeSuffix, []byte(string(t[1].lit))
	case len(t) == 3 && t[0].many && isLit(1) && t[2].many:
		lp.kind, lp.literal = likeContains, []byte(string(t[1].lit))
	}
	return lp
}

func (lp *likePattern) match(v []byte) bool {
	switch lp.kind {
	case likeExact:
		return bytes.Equal(v, lp.literal)
	case likePrefix:
		return bytes.HasPrefix(v, lp.literal)
	case likeSuffix:
		return bytes.HasSuffix(v, lp.literal)
	case likeContains:
		return bytes.Contains(v, lp.literal)
	case likeAll:
		return true
	}
	return likeMatch(lp.tokens, []rune(string(v)))
}

// likeMatch matches tokens against s with backtracking on the last '%' only, which is enough
// because '%' matches any sequence.
func likeMatch(t []likeToken, s []rune) bool {
	ti, si := 0, 0
	starT, starS := -1, 0
	for {
		if ti < len(t) {
			tok := t[ti]
			switch {
			case tok.many:
				starT, starS = ti, si
				ti++
				continue
			case tok.one:
				if si < len(s) {
					ti++
					si++
					continue
				}
			default:
				if si+len(tok.lit) <= len(s) && runesEqual(s[si:si+len(tok.lit)], tok.lit) {
					ti++
					si += len(tok.lit)
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if starT < 0 || starS >= len(s) {
			return false
		}
		starS++
		ti, si = starT+1, starS
	}
}

func runesEqual(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func likeKernel(ci bool, args []Expr) kernel {
	var fixed *likePattern
	if l, ok := args[1].(*Literal); ok && !l.IsNull() {
		p := l.Value().(*array.String).Value(0)
		if ci {
			p = strings.ToLower(p)
		}
		fixed = compileLike(p)
	}
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		ops = ops[:2]
		if a := allNullResult(ops, arrow.FixedWidthTypes.Boolean, n, mem); a != nil {
			return a, nil
		}
		validity, nulls := validityOf(mem, n, ops...)
		vb := bitsOf(validity)
		off, data := strData(ops[0].arr)
		s := ops[0].stride()
		values := newBitmap(mem, n)
		out := values.Bytes()
		pat := fixed
		var poff []int32
		var pdata []byte
		var last string
		if pat == nil {
			poff, pdata = strData(ops[1].arr)
		}
		for i := 0; i < n; i++ {
			if !rowValid(vb, i) {
				continue
			}
			if fixed == nil {
				p := string(strAt(poff, pdata, i, ops[1].stride()))
				if ci {
					p = strings.ToLower(p)
				}
				if pat == nil || p != last {
					pat, last = compileLike(p), p
				}
			}
			v := strAt(off, data, i, s)
			if ci {
				v = bytes.ToLower(v)
			}
			if pat.match(v) {
				out[i>>3] |= 1 << (i & 7)
			}
		}
		return makeBool(n, validity, values, nulls), nil
	}
}
