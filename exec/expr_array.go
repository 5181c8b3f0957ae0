package exec

import (
	"context"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/proto/errs"
)

// PostgreSQL's arrays are Arrow lists (list<item: elem, nullable>, one dimension). This file
// holds the helpers every array kernel shares: reading a list operand row by row, element
// values as comparable Go values, and building a list from references into a pool of
// element values (gatherArray), so that a kernel decides which elements go where and never
// copies values by type itself.

// listOp reads the rows of a list operand (an array, or a length-1 literal).
type listOp struct {
	o     operand
	offs  []int32
	child arrow.Array
}

func newListOp(o operand) listOp {
	l := listOp{o: o}
	if la, ok := o.arr.(*array.List); ok {
		l.offs = la.Offsets()[la.Data().Offset():] // the raw buffer: skip a slice's offset
		l.child = la.ListValues()
	} else {
		// a NULL-typed operand: every row NULL
		l.child = array.MakeArrayOfNull(memory.DefaultAllocator, arrow.Null, 0)
	}
	return l
}

// row returns whether row i is non-NULL and its elements' range in child.
func (l listOp) row(i int) (bool, int, int) {
	if l.o.scalar {
		i = 0
	}
	if l.offs == nil || l.o.arr.IsNull(i) {
		return false, 0, 0
	}
	return true, int(l.offs[i]), int(l.offs[i+1])
}

// elemKey returns element j of a as a comparable Go value (nil for NULL): integers and
// dates as int64, floats as float64 (NaN equal to NaN, as PostgreSQL's btree), strings,
// booleans, decimals, intervals.
func elemGetter(a arrow.Array) func(j int) any {
	switch x := a.(type) {
	case *array.Int8:
		return func(j int) any { return nullOr(a, j, int64(x.Value(j))) }
	case *array.Int16:
		return func(j int) any { return nullOr(a, j, int64(x.Value(j))) }
	case *array.Int32:
		return func(j int) any { return nullOr(a, j, int64(x.Value(j))) }
	case *array.Int64:
		return func(j int) any { return nullOr(a, j, x.Value(j)) }
	case *array.Float32:
		return func(j int) any { return nullOr(a, j, float64(x.Value(j))) }
	case *array.Float64:
		return func(j int) any { return nullOr(a, j, x.Value(j)) }
	case *array.String:
		return func(j int) any { return nullOr(a, j, x.Value(j)) }
	case *array.Boolean:
		return func(j int) any { return nullOr(a, j, x.Value(j)) }
	case *array.Decimal128:
		return func(j int) any { return nullOr(a, j, x.Value(j)) }
	case *array.Date32:
		return func(j int) any { return nullOr(a, j, int64(x.Value(j))) }
	case *array.Timestamp:
		return func(j int) any { return nullOr(a, j, int64(x.Value(j))) }
	case *array.MonthDayNanoInterval:
		return func(j int) any { return nullOr(a, j, x.Value(j)) }
	case *array.List:
		return func(j int) any {
			if x.IsNull(j) {
				return nil
			}
			s, e := x.ValueOffsets(j)
			g := elemGetter(x.ListValues())
			out := make([]any, 0, e-s)
			for k := s; k < e; k++ {
				out = append(out, g(int(k)))
			}
			return listKey{out}
		}
	}
	return func(j int) any {
		if a.IsNull(j) {
			return nil
		}
		return a.ValueStr(j)
	}
}

// listKey is an array value as a Go value (for arrays compared as elements of rows).
type listKey struct{ elems []any }

func nullOr(a arrow.Array, j int, v any) any {
	if a.IsNull(j) {
		return nil
	}
	return v
}

// cmpElem orders two non-NULL element values of one type as PostgreSQL's btree does (NaN
// above every number).
func cmpElem(a, b any) int {
	switch x := a.(type) {
	case int64:
		y := b.(int64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case float64:
		y := b.(float64)
		xn, yn := math.IsNaN(x), math.IsNaN(y)
		switch {
		case xn && yn:
			return 0
		case xn:
			return 1
		case yn:
			return -1
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case string:
		return strings.Compare(x, b.(string))
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case decimal128.Num:
		return x.Cmp(b.(decimal128.Num))
	case arrow.MonthDayNanoInterval:
		// PostgreSQL compares intervals as 30-day months and 24-hour days
		span := func(v arrow.MonthDayNanoInterval) float64 {
			return (float64(v.Months)*30+float64(v.Days))*86400e9 + float64(v.Nanoseconds)
		}
		return cmpElem(span(x), span(b.(arrow.MonthDayNanoInterval)))
	case listKey:
		return cmpLists(x.elems, b.(listKey).elems)
	}
	return 0
}

// cmpLists orders two arrays as PostgreSQL's array_cmp: element by element, NULL elements
// above non-NULL ones (and equal to each other), then the shorter first.
func cmpLists(x, y []any) int {
	for i := 0; i < len(x) && i < len(y); i++ {
		a, b := x[i], y[i]
		switch {
		case a == nil && b == nil:
			continue
		case a == nil:
			return 1
		case b == nil:
			return -1
		}
		if c := cmpElem(a, b); c != 0 {
			return c
		}
	}
	switch {
	case len(x) < len(y):
		return -1
	case len(x) > len(y):
		return 1
	}
	return 0
}

// elemsEqual is equality of non-NULL element values.
func elemsEqual(a, b any) bool { return cmpElem(a, b) == 0 }

// rowElems returns row i of l as element values (nil slice and false for a NULL array).
func (l listOp) rowElems(i int, get func(int) any) ([]any, bool) {
	ok, s, e := l.row(i)
	if !ok {
		return nil, false
	}
	out := make([]any, 0, e-s)
	for j := s; j < e; j++ {
		out = append(out, get(j))
	}
	return out, true
}

// listOut collects an output list column as references into a pool of element values.
type listOut struct {
	offs  []int32
	refs  []int32 // index into the pool; -1: a NULL element
	valid []bool
}

func newListOut(n int) *listOut {
	return &listOut{offs: append(make([]int32, 0, n+1), 0), valid: make([]bool, 0, n)}
}

func (o *listOut) null() {
	o.valid = append(o.valid, false)
	o.offs = append(o.offs, int32(len(o.refs)))
}

// end closes a non-NULL row whose references were appended to o.refs.
func (o *listOut) end() {
	o.valid = append(o.valid, true)
	o.offs = append(o.offs, int32(len(o.refs)))
}

// finish builds the list array of type dt with its elements gathered from pool.
func (o *listOut) finish(mem memory.Allocator, dt arrow.DataType, pool arrow.Array) (arrow.Array, error) {
	lt, ok := dt.(*arrow.ListType)
	if !ok {
		return nil, errs.Errorf(errs.ErrInternal, "array result of type %s", dt)
	}
	var child arrow.Array
	if len(o.refs) == 0 || pool == nil {
		child = array.MakeArrayOfNull(mem, lt.Elem(), 0)
		if lt.Elem().ID() != arrow.NULL {
			b := array.NewBuilder(mem, lt.Elem())
			child.Release()
			child = b.NewArray()
			b.Release()
		}
	} else {
		var err error
		if child, err = gatherArray(mem, pool, o.refs); err != nil {
			return nil, err
		}
	}
	defer child.Release()
	if !arrow.TypeEqual(child.DataType(), lt.Elem()) {
		return nil, errs.Errorf(errs.ErrInternal, "array elements of type %s for %s", child.DataType(), dt)
	}
	return makeList(mem, lt, o.offs, o.valid, child), nil
}

// makeList assembles a list array from offsets, row validity and its child (retained).
func makeList(mem memory.Allocator, lt *arrow.ListType, offs []int32, valid []bool, child arrow.Array) arrow.Array {
	n := len(valid)
	ob := newBuf(mem, 4*(n+1))
	copy(ob.Bytes(), asBytes(offs))
	var vb *memory.Buffer
	nulls := 0
	for _, v := range valid {
		if !v {
			nulls++
		}
	}
	if nulls > 0 {
		vb = newBuf(mem, int(bitutil.BytesForBits(int64(n))))
		bm := vb.Bytes()
		clear(bm)
		for i, v := range valid {
			if v {
				bitutil.SetBit(bm, i)
			}
		}
	}
	d := array.NewData(lt, n, []*memory.Buffer{vb, ob}, []arrow.ArrayData{child.Data()}, nulls, 0)
	ob.Release()
	if vb != nil {
		vb.Release()
	}
	defer d.Release()
	return array.MakeFromData(d)
}

// concatPool puts the element arrays of several sources in one pool; base[i] is where
// source i starts in it. The caller releases the pool.
func concatPool(mem memory.Allocator, parts []arrow.Array) (arrow.Array, []int32, error) {
	base := make([]int32, len(parts))
	n := int32(0)
	for i, p := range parts {
		base[i] = n
		n += int32(p.Len())
	}
	if len(parts) == 1 {
		parts[0].Retain()
		return parts[0], base, nil
	}
	pool, err := array.Concatenate(parts, mem)
	if err != nil {
		return nil, nil, errs.Errorf(errs.ErrInternal, "array elements: %v", err)
	}
	return pool, base, nil
}

// listElem is the element type of a list type (nil otherwise).
func listElem(dt arrow.DataType) arrow.DataType {
	if lt, ok := dt.(*arrow.ListType); ok {
		return lt.Elem()
	}
	return nil
}

// ---------------------------------------------------------------------------------------
// Text input and output: PostgreSQL's array_in / array_out for one dimension.

// arrayCastKernel casts text to an array, an array to text, or an array to an array of
// another element type (each element by the element cast).
func arrayCastKernel(from, to arrow.DataType) (kernel, error) {
	switch {
	case from.ID() == arrow.NULL:
		return func(_ context.Context, _ []operand, n int, mem memory.Allocator) (arrow.Array, error) {
			return array.MakeArrayOfNull(mem, to, n), nil
		}, nil
	case from.ID() == arrow.LIST && to.ID() == arrow.STRING:
		return arrayOutKernel(listElem(from))
	case from.ID() == arrow.STRING && to.ID() == arrow.LIST:
		return arrayInKernel(to)
	case from.ID() == arrow.LIST && to.ID() == arrow.LIST:
		ek, err := castKernel(listElem(from), listElem(to))
		if err != nil {
			return nil, err
		}
		lt := to.(*arrow.ListType)
		return func(ctx context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
			l := newListOp(ops[0])
			out := newListOut(n)
			for i := 0; i < n; i++ {
				ok, s, e := l.row(i)
				if !ok {
					out.null()
					continue
				}
				for j := s; j < e; j++ {
					out.refs = append(out.refs, int32(j))
				}
				out.end()
			}
			src, err := out.finish(mem, arrow.ListOf(listElem(from)), l.child)
			if err != nil {
				return nil, err
			}
			defer src.Release()
			vals := src.(*array.List).ListValues()
			cv, err := ek(ctx, []operand{{arr: vals}}, vals.Len(), mem)
			if err != nil {
				return nil, err
			}
			defer cv.Release()
			return makeList(mem, lt, out.offs, out.valid, cv), nil
		}, nil
	}
	return nil, notSupportedf("cannot cast type %s to %s", pgTypeName(from), pgTypeName(to))
}

// elemTexts renders every element of child as its type's output function does (booleans as
// t/f inside arrays); NULL elements come back as nil with ok false.
func elemTexts(ctx context.Context, child arrow.Array, mem memory.Allocator) (func(j int) (string, bool), func(), error) {
	et := child.DataType()
	if et.ID() == arrow.BOOL {
		b := child.(*array.Boolean)
		return func(j int) (string, bool) {
			if b.IsNull(j) {
				return "", false
			}
			if b.Value(j) {
				return "t", true
			}
			return "f", true
		}, func() {}, nil
	}
	if et.ID() == arrow.NULL {
		return func(int) (string, bool) { return "", false }, func() {}, nil
	}
	var txt arrow.Array
	if et.ID() == arrow.STRING {
		child.Retain()
		txt = child
	} else {
		k, err := castKernel(et, arrow.BinaryTypes.String)
		if err != nil {
			return nil, nil, err
		}
		if txt, err = k(ctx, []operand{{arr: child}}, child.Len(), mem); err != nil {
			return nil, nil, err
		}
	}
	s := txt.(*array.String)
	return func(j int) (string, bool) {
		if s.IsNull(j) {
			return "", false
		}
		return s.Value(j), true
	}, txt.Release, nil
}

func arrayOutKernel(elem arrow.DataType) (kernel, error) {
	return func(ctx context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		l := newListOp(ops[0])
		text, done, err := elemTexts(ctx, l.child, mem)
		if err != nil {
			return nil, err
		}
		defer done()
		b := array.NewStringBuilder(mem)
		defer b.Release()
		var sb strings.Builder
		for i := 0; i < n; i++ {
			ok, s, e := l.row(i)
			if !ok {
				b.AppendNull()
				continue
			}
			sb.Reset()
			sb.WriteByte('{')
			for j := s; j < e; j++ {
				if j > s {
					sb.WriteByte(',')
				}
				v, ok := text(j)
				if !ok {
					sb.WriteString("NULL")
					continue
				}
				writeArrayElem(&sb, v)
			}
			sb.WriteByte('}')
			b.Append(sb.String())
		}
		return b.NewArray(), nil
	}, nil
}

// writeArrayElem writes one element as array_out does: quoted when empty, "NULL", or
// holding braces, commas, quotes, backslashes or white space; quotes and backslashes
// escaped inside quotes.
func writeArrayElem(sb *strings.Builder, v string) {
	quote := v == "" || strings.EqualFold(v, "NULL")
	if !quote {
		for i := 0; i < len(v); i++ {
			switch v[i] {
			case '{', '}', ',', '"', '\\', ' ', '\t', '\n', '\r', '\v', '\f':
				quote = true
			}
		}
	}
	if !quote {
		sb.WriteString(v)
		return
	}
	sb.WriteByte('"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			sb.WriteByte('\\')
		}
		sb.WriteByte(v[i])
	}
	sb.WriteByte('"')
}

func malformedArray(s, detail string) error {
	return errs.Errorf(errs.ErrInvalidArgument, "malformed array literal: \"%s\" (%s)", s, detail)
}

func isArraySpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// ParseArrayText splits PostgreSQL array text ("{1,NULL,"a b"}") into its elements (ok false:
// NULL). Multidimensional arrays are NotSupported; malformed text is PostgreSQL's error.
func ParseArrayText(s string) ([]string, []bool, error) {
	i := 0
	for i < len(s) && isArraySpace(s[i]) {
		i++
	}
	if i < len(s) && s[i] == '[' {
		return nil, nil, errs.Errorf(errs.ErrNotSupported, "array dimension decorations are not supported: \"%s\"", s)
	}
	if i >= len(s) || s[i] != '{' {
		return nil, nil, malformedArray(s, `Array value must start with "{" or dimension information.`)
	}
	i++
	var vals []string
	var oks []bool
	for i < len(s) && isArraySpace(s[i]) {
		i++
	}
	if i < len(s) && s[i] == '}' {
		i++
	} else {
		for {
			for i < len(s) && isArraySpace(s[i]) {
				i++
			}
			if i >= len(s) {
				return nil, nil, malformedArray(s, "Unexpected end of input.")
			}
			if s[i] == '{' {
				if topLevelAllNested(s) {
					return nil, nil, errs.Errorf(errs.ErrNotSupported, "multidimensional arrays are not supported")
				}
				return nil, nil, malformedArray(s, `Unexpected "{" character.`)
			}
			var sb strings.Builder
			quoted, any := false, false
			if s[i] == '"' {
				quoted = true
				i++
				for {
					if i >= len(s) {
						return nil, nil, malformedArray(s, "Unexpected end of input.")
					}
					c := s[i]
					if c == '\\' && i+1 < len(s) {
						sb.WriteByte(s[i+1])
						i += 2
						continue
					}
					if c == '"' {
						i++
						break
					}
					sb.WriteByte(c)
					i++
				}
				for i < len(s) && isArraySpace(s[i]) {
					i++
				}
			} else {
				trail := 0 // bytes of unescaped trailing white space
				for i < len(s) && s[i] != ',' && s[i] != '}' {
					c := s[i]
					switch {
					case c == '\\' && i+1 < len(s):
						sb.WriteByte(s[i+1])
						i += 2
						trail = 0
						any = true
						continue
					case c == '"' || c == '{':
						return nil, nil, malformedArray(s, "Unexpected \""+string(c)+"\" character.")
					case isArraySpace(c):
						trail++
					default:
						trail = 0
					}
					sb.WriteByte(c)
					i++
					any = true
				}
				if !any {
					return nil, nil, malformedArray(s, "Unexpected \""+string(charAt(s, i))+"\" character.")
				}
				v := sb.String()
				v = v[:len(v)-trail]
				sb.Reset()
				sb.WriteString(v)
			}
			if i >= len(s) {
				return nil, nil, malformedArray(s, "Unexpected end of input.")
			}
			v := sb.String()
			if !quoted && strings.EqualFold(v, "NULL") {
				vals, oks = append(vals, ""), append(oks, false)
			} else {
				vals, oks = append(vals, v), append(oks, true)
			}
			if s[i] == ',' {
				i++
				continue
			}
			if s[i] == '}' {
				i++
				break
			}
			return nil, nil, malformedArray(s, "Unexpected array element.")
		}
	}
	for i < len(s) && isArraySpace(s[i]) {
		i++
	}
	if i != len(s) {
		return nil, nil, malformedArray(s, "Junk after closing right brace.")
	}
	return vals, oks, nil
}

// topLevelAllNested reports whether every element of the outer braces is itself in braces
// (a well-formed multidimensional array, which Tern refuses as unsupported rather than
// malformed).
func topLevelAllNested(s string) bool {
	depth, quoted, item := 0, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted:
			if c == '\\' {
				i++
			} else if c == '"' {
				quoted = false
			}
		case c == '"':
			quoted = true
			if depth == 1 {
				return false
			}
		case c == '{':
			depth++
			if depth == 2 {
				item = true
			}
		case c == '}':
			depth--
		case c == ',' || isArraySpace(c):
		default:
			if depth == 1 {
				return false
			}
		}
	}
	return item && depth == 0
}

func charAt(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return ' '
}

func arrayInKernel(to arrow.DataType) (kernel, error) {
	elem := listElem(to)
	var ek kernel
	if elem.ID() != arrow.STRING {
		var err error
		if ek, err = castKernel(arrow.BinaryTypes.String, elem); err != nil {
			return nil, err
		}
	}
	lt := to.(*arrow.ListType)
	return func(ctx context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		o := ops[0]
		strs := o.arr.(*array.String)
		sb := array.NewStringBuilder(mem)
		defer sb.Release()
		offs := append(make([]int32, 0, n+1), 0)
		valid := make([]bool, n)
		for i := 0; i < n; i++ {
			j := i * o.stride()
			if strs.IsNull(j) {
				offs = append(offs, offs[len(offs)-1])
				continue
			}
			vals, oks, err := ParseArrayText(strs.Value(j))
			if err != nil {
				return nil, err
			}
			for k, v := range vals {
				if oks[k] {
					sb.Append(v)
				} else {
					sb.AppendNull()
				}
			}
			valid[i] = true
			offs = append(offs, offs[len(offs)-1]+int32(len(vals)))
		}
		txt := sb.NewArray()
		defer txt.Release()
		child := txt
		if ek != nil {
			var err error
			if child, err = ek(ctx, []operand{{arr: txt}}, txt.Len(), mem); err != nil {
				return nil, err
			}
			defer child.Release()
		}
		return makeList(mem, lt, offs, valid, child), nil
	}, nil
}
