package exec

import (
	"context"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/proto/errs"
)

// ArrayFunc builds one of PostgreSQL's array functions and operators by its registry name:
// make_array (ARRAY[...]), array_subscript (a[i]), array_slice (a[i:j]), array_length,
// cardinality, array_upper, array_lower, array_ndims, array_dims, array_position,
// array_positions, array_append, array_prepend, array_cat, array_remove, array_replace,
// array_to_string, string_to_array, regexp_match, regexp_split_to_array, array_contains
// (@>), array_contained (<@), array_overlap (&&). Arrays are one-dimensional, subscripts
// 1-based; out-of-range subscripts give NULL.
func ArrayFunc(name string) Builder {
	return func(args []Expr, out arrow.DataType) (Expr, error) {
		k, out, err := arrayFuncKernel(name, args, out)
		return newCall(name, args, out, k, err)
	}
}

func argCount(name string, args []Expr, lo, hi int) error {
	if len(args) < lo || len(args) > hi {
		return invalidf("function %s takes %d to %d arguments, got %d", name, lo, hi, len(args))
	}
	return nil
}

func needList(name string, e Expr) error {
	if id := e.Type().ID(); id != arrow.LIST && id != arrow.NULL {
		return invalidf("function %s needs an array, not %s", name, e.Type())
	}
	return nil
}

func arrayFuncKernel(name string, args []Expr, out arrow.DataType) (kernel, arrow.DataType, error) {
	i32 := arrow.PrimitiveTypes.Int32
	switch name {
	case "make_array":
		if out == nil || out.ID() != arrow.LIST {
			return nil, nil, invalidf("ARRAY[] needs its array type")
		}
		return makeArrayKernel(out), out, nil
	case "array_subscript":
		if err := arity(name, args, 2); err != nil {
			return nil, nil, err
		}
		if err := needList(name, args[0]); err != nil {
			return nil, nil, err
		}
		et := listElem(args[0].Type())
		return subscriptKernel, et, nil
	case "array_slice":
		if err := arity(name, args, 3); err != nil {
			return nil, nil, err
		}
		return sliceKernel(args[0].Type()), args[0].Type(), nil
	case "array_length", "array_upper", "array_lower", "array_ndims", "cardinality", "array_dims":
		n := 2
		if name == "array_ndims" || name == "cardinality" || name == "array_dims" {
			n = 1
		}
		if err := arity(name, args, n); err != nil {
			return nil, nil, err
		}
		if name == "array_dims" {
			return dimsKernel, arrow.BinaryTypes.String, nil
		}
		return lengthKernel(name), i32, nil
	case "array_position", "array_positions":
		if err := argCount(name, args, 2, 3); err != nil {
			return nil, nil, err
		}
		if name == "array_positions" {
			return positionKernel(true), arrow.ListOf(i32), nil
		}
		return positionKernel(false), i32, nil
	case "array_append", "array_prepend", "array_cat":
		if err := arity(name, args, 2); err != nil {
			return nil, nil, err
		}
		return arrayConcatKernel(name, out), out, nil
	case "array_remove", "array_replace":
		return removeKernel(name == "array_replace", args[0].Type()), args[0].Type(), nil
	case "array_to_string":
		if err := argCount(name, args, 2, 3); err != nil {
			return nil, nil, err
		}
		return arrayToStringKernel, arrow.BinaryTypes.String, nil
	case "string_to_array", "regexp_match", "regexp_split_to_array":
		if err := argCount(name, args, 2, 3); err != nil {
			return nil, nil, err
		}
		return textListKernel(name), arrow.ListOf(arrow.BinaryTypes.String), nil
	case "array_contains", "array_contained", "array_overlap":
		if err := arity(name, args, 2); err != nil {
			return nil, nil, err
		}
		return arrayContainsKernel(name == "array_overlap", name == "array_contained"), arrow.FixedWidthTypes.Boolean, nil
	}
	return nil, nil, notSupportedf("array function %q", name)
}

// makeArrayKernel: ARRAY[e1, e2, ...], one element per argument (NULL arguments are NULL
// elements).
func makeArrayKernel(out arrow.DataType) kernel {
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		o := newListOut(n)
		if len(ops) == 0 {
			for i := 0; i < n; i++ {
				o.end()
			}
			return o.finish(mem, out, nil)
		}
		parts := make([]arrow.Array, len(ops))
		for k, op := range ops {
			parts[k] = op.arr
		}
		pool, base, err := concatPool(mem, parts)
		if err != nil {
			return nil, err
		}
		defer pool.Release()
		for i := 0; i < n; i++ {
			for k, op := range ops {
				o.refs = append(o.refs, base[k]+int32(i*op.stride()))
			}
			o.end()
		}
		return o.finish(mem, out, pool)
	}
}

// intArg reads an integer operand (NULL: ok false).
func intArg(o operand) func(i int) (int64, bool) {
	get := elemGetter(o.arr)
	s := o.stride()
	return func(i int) (int64, bool) {
		v := get(i * s)
		if v == nil {
			return 0, false
		}
		return v.(int64), true
	}
}

func subscriptKernel(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
	l := newListOp(ops[0])
	idx := intArg(ops[1])
	refs := make([]int32, n)
	for i := 0; i < n; i++ {
		refs[i] = -1
		ok, s, e := l.row(i)
		k, kok := idx(i)
		if !ok || !kok || k < 1 || k > int64(e-s) {
			continue
		}
		refs[i] = int32(s + int(k) - 1)
	}
	return gatherArray(mem, l.child, refs)
}

func sliceKernel(dt arrow.DataType) kernel {
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		l := newListOp(ops[0])
		lo, hi := intArg(ops[1]), intArg(ops[2])
		o := newListOut(n)
		for i := 0; i < n; i++ {
			ok, s, e := l.row(i)
			a, aok := lo(i)
			b, bok := hi(i)
			if !ok || !aok || !bok {
				o.null()
				continue
			}
			a = max(a, 1)
			b = min(b, int64(e-s))
			for k := a; k <= b; k++ {
				o.refs = append(o.refs, int32(s+int(k)-1))
			}
			o.end()
		}
		return o.finish(mem, dt, l.child)
	}
}

func lengthKernel(name string) kernel {
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		l := newListOp(ops[0])
		var dim func(int) (int64, bool)
		if len(ops) > 1 {
			dim = intArg(ops[1])
		}
		b := array.NewInt32Builder(mem)
		defer b.Release()
		for i := 0; i < n; i++ {
			ok, s, e := l.row(i)
			if !ok {
				b.AppendNull()
				continue
			}
			cnt := e - s
			if name == "cardinality" {
				b.Append(int32(cnt))
				continue
			}
			d := int64(1)
			if dim != nil {
				var dok bool
				if d, dok = dim(i); !dok {
					b.AppendNull()
					continue
				}
			}
			// an empty array has no dimensions
			if cnt == 0 || d != 1 {
				b.AppendNull()
				continue
			}
			switch name {
			case "array_length", "array_upper":
				b.Append(int32(cnt))
			default: // array_lower, array_ndims
				b.Append(1)
			}
		}
		return b.NewArray(), nil
	}
}

func dimsKernel(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
	l := newListOp(ops[0])
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for i := 0; i < n; i++ {
		ok, s, e := l.row(i)
		if !ok || e == s {
			b.AppendNull()
			continue
		}
		b.Append("[1:" + strconv.Itoa(e-s) + "]")
	}
	return b.NewArray(), nil
}

// positionKernel: array_position(a, x [, start]) / array_positions(a, x), matching with IS
// NOT DISTINCT FROM (a NULL x finds NULL elements).
func positionKernel(all bool) kernel {
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		l := newListOp(ops[0])
		ge := elemGetter(l.child)
		gx := elemGetter(ops[1].arr)
		sx := ops[1].stride()
		var start func(int) (int64, bool)
		if len(ops) > 2 {
			start = intArg(ops[2])
		}
		if all {
			lb := array.NewListBuilder(mem, arrow.PrimitiveTypes.Int32)
			defer lb.Release()
			vb := lb.ValueBuilder().(*array.Int32Builder)
			for i := 0; i < n; i++ {
				ok, s, e := l.row(i)
				if !ok {
					lb.AppendNull()
					continue
				}
				lb.Append(true)
				x := gx(i * sx)
				for j := s; j < e; j++ {
					if sameElem(ge(j), x) {
						vb.Append(int32(j - s + 1))
					}
				}
			}
			return lb.NewArray(), nil
		}
		b := array.NewInt32Builder(mem)
		defer b.Release()
		for i := 0; i < n; i++ {
			ok, s, e := l.row(i)
			if !ok {
				b.AppendNull()
				continue
			}
			from := int64(1)
			if start != nil {
				v, sok := start(i)
				if !sok {
					return nil, errs.Errorf(errs.ErrInvalidArgument, "initial position must not be null")
				}
				from = max(v, 1)
			}
			x := gx(i * sx)
			found := false
			for j := s + int(min(from, math.MaxInt32)) - 1; j < e; j++ {
				if sameElem(ge(j), x) {
					b.Append(int32(j - s + 1))
					found = true
					break
				}
			}
			if !found {
				b.AppendNull()
			}
		}
		return b.NewArray(), nil
	}
}

// sameElem is IS NOT DISTINCT FROM for element values.
func sameElem(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return elemsEqual(a, b)
}

// arrayConcatKernel: array_append(a, x), array_prepend(x, a), array_cat(a, b) and the ||
// operators. A NULL array counts as empty; array_cat of two NULL arrays is NULL.
func arrayConcatKernel(name string, out arrow.DataType) kernel {
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		o := newListOut(n)
		var parts []arrow.Array
		var lists []listOp
		elemArg := -1
		switch name {
		case "array_append":
			elemArg = 1
		case "array_prepend":
			elemArg = 0
		}
		for k, op := range ops {
			if k == elemArg {
				parts = append(parts, op.arr)
				lists = append(lists, listOp{})
				continue
			}
			l := newListOp(op)
			lists = append(lists, l)
			parts = append(parts, l.child)
		}
		pool, base, err := concatPool(mem, parts)
		if err != nil {
			return nil, err
		}
		defer pool.Release()
		for i := 0; i < n; i++ {
			anyValid := false
			for k, op := range ops {
				if k == elemArg {
					o.refs = append(o.refs, base[k]+int32(i*op.stride()))
					anyValid = true
					continue
				}
				ok, s, e := lists[k].row(i)
				if !ok {
					continue
				}
				anyValid = true
				for j := s; j < e; j++ {
					o.refs = append(o.refs, base[k]+int32(j))
				}
			}
			if !anyValid {
				o.null()
				continue
			}
			o.end()
		}
		return o.finish(mem, out, pool)
	}
}

// removeKernel: array_remove(a, x) drops the elements NOT DISTINCT FROM x;
// array_replace(a, x, y) replaces them with y.
func removeKernel(replace bool, dt arrow.DataType) kernel {
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		l := newListOp(ops[0])
		ge := elemGetter(l.child)
		gx := elemGetter(ops[1].arr)
		sx := ops[1].stride()
		parts := []arrow.Array{l.child}
		if replace {
			parts = append(parts, ops[2].arr)
		}
		pool, base, err := concatPool(mem, parts)
		if err != nil {
			return nil, err
		}
		defer pool.Release()
		o := newListOut(n)
		for i := 0; i < n; i++ {
			ok, s, e := l.row(i)
			if !ok {
				o.null()
				continue
			}
			x := gx(i * sx)
			for j := s; j < e; j++ {
				if sameElem(ge(j), x) {
					if replace {
						o.refs = append(o.refs, base[1]+int32(i*ops[2].stride()))
					}
					continue
				}
				o.refs = append(o.refs, int32(j))
			}
			o.end()
		}
		return o.finish(mem, dt, pool)
	}
}

// textArg reads a text operand (NULL: ok false).
func textArg(o operand) func(i int) (string, bool) {
	s := o.stride()
	str, isStr := o.arr.(*array.String)
	return func(i int) (string, bool) {
		if !isStr || o.arr.IsNull(i*s) {
			return "", false
		}
		return str.Value(i * s), true
	}
}

// arrayToStringKernel: array_to_string(a, delimiter [, null_string]): elements in their
// text form; NULL elements skipped unless null_string is given (and not NULL).
func arrayToStringKernel(ctx context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
	l := newListOp(ops[0])
	text, done, err := elemTexts(ctx, l.child, mem)
	if err != nil {
		return nil, err
	}
	defer done()
	delim := textArg(ops[1])
	var nullStr func(int) (string, bool)
	if len(ops) > 2 {
		nullStr = textArg(ops[2])
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	var sb strings.Builder
	for i := 0; i < n; i++ {
		ok, s, e := l.row(i)
		d, dok := delim(i)
		if !ok || !dok {
			b.AppendNull()
			continue
		}
		ns, nok := "", false
		if nullStr != nil {
			ns, nok = nullStr(i)
		}
		sb.Reset()
		first := true
		for j := s; j < e; j++ {
			v, vok := text(j)
			if !vok {
				if !nok {
					continue
				}
				v = ns
			}
			if !first {
				sb.WriteString(d)
			}
			first = false
			sb.WriteString(v)
		}
		b.Append(sb.String())
	}
	return b.NewArray(), nil
}

// textListKernel: string_to_array(s, delimiter [, null_string]), regexp_match(s, pattern
// [, flags]) and regexp_split_to_array(s, pattern [, flags]), all producing text[].
func textListKernel(name string) kernel {
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		str, arg := textArg(ops[0]), textArg(ops[1])
		var third func(int) (string, bool)
		if len(ops) > 2 {
			third = textArg(ops[2])
		}
		lb := array.NewListBuilder(mem, arrow.BinaryTypes.String)
		defer lb.Release()
		vb := lb.ValueBuilder().(*array.StringBuilder)
		var cache regexCache
		for i := 0; i < n; i++ {
			s, sok := str(i)
			a, aok := arg(i)
			t, tok := "", false
			if third != nil {
				t, tok = third(i)
			}
			switch name {
			case "string_to_array":
				if !sok {
					lb.AppendNull()
					continue
				}
				lb.Append(true)
				if s == "" {
					continue
				}
				var parts []string
				switch {
				case !aok: // NULL delimiter: each character
					for _, r := range s {
						parts = append(parts, string(r))
					}
				case a == "":
					parts = []string{s}
				default:
					parts = strings.Split(s, a)
				}
				for _, p := range parts {
					if tok && p == t {
						vb.AppendNull()
					} else {
						vb.Append(p)
					}
				}
			case "regexp_match", "regexp_split_to_array":
				if !sok || !aok || (third != nil && !tok) {
					lb.AppendNull()
					continue
				}
				if strings.ContainsRune(t, 'g') {
					return nil, invalidf("%s() does not support the \"global\" option", name)
				}
				re, _, err := cache.get(a, t)
				if err != nil {
					return nil, err
				}
				if name == "regexp_match" {
					m := re.FindStringSubmatchIndex(s)
					if m == nil {
						lb.AppendNull()
						continue
					}
					lb.Append(true)
					if len(m) == 2 {
						vb.Append(s[m[0]:m[1]])
						continue
					}
					for g := 2; g < len(m); g += 2 {
						if m[g] < 0 {
							vb.AppendNull()
						} else {
							vb.Append(s[m[g]:m[g+1]])
						}
					}
					continue
				}
				lb.Append(true)
				for _, p := range regexpSplit(re.FindAllStringIndex(s, -1), s) {
					vb.Append(p)
				}
			}
		}
		return lb.NewArray(), nil
	}
}

// regexpSplit splits s around the matches as PostgreSQL does: empty matches at the very
// start and end of the string do not split, and a zero-length match splits between
// characters.
func regexpSplit(ms [][]int, s string) []string {
	var out []string
	start := 0
	for _, m := range ms {
		if m[1] == m[0] {
			if m[0] == 0 || m[0] >= len(s) || m[0] == start && start == 0 {
				continue
			}
		}
		if m[0] == 0 && m[1] == 0 {
			continue
		}
		out = append(out, s[start:m[0]])
		start = m[1]
	}
	return append(out, s[start:])
}
