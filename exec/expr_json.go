package exec

import (
	"context"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/proto/errs"
)

// The scalar functions and operators of json and jsonb. Both types are utf8 here (json: the
// input text, jsonb: its normalized text, expr_json_value.go); the binder picks json or
// jsonb kernels by name, so the engine never needs the SQL type. Each kernel parses its
// arguments per row and applies one operation of expr_json_ops.go.

// jarg is one argument value of one row.
type jarg struct {
	null bool
	s    string
	i    int64
	b    bool
}

// jfn is one json function: its result type and its row function. Non-strict functions see
// NULL arguments (the build functions); strict ones answer NULL for them without a call.
type jfn struct {
	out    arrow.DataType
	strict bool
	f      func(args []jarg) (jarg, error)
}

var (
	jText = arrow.BinaryTypes.String
	jBool = arrow.FixedWidthTypes.Boolean
	jI32  = arrow.PrimitiveTypes.Int32
)

func jstr(s string) jarg { return jarg{s: s} }

var jnull = jarg{null: true}

func parseB(s string) (*JValue, error) { return ParseJSON(s, "jsonb") }

// parseJ parses a stored json value (valid by construction; errors are still reported).
func parseJ(s string, isB bool) (*JValue, error) {
	if isB {
		return parseB(s)
	}
	return ParseJSON(s, "json")
}

// outOf prints a sub-value the way its type does: jsonb normalized, json verbatim.
func outOf(v *JValue, isB bool) jarg {
	if v == nil {
		return jnull
	}
	if isB {
		return jstr(v.String())
	}
	return jstr(v.Raw)
}

func getter(isB, asText bool) func(a []jarg) (jarg, error) {
	return func(a []jarg) (jarg, error) {
		v, err := parseJ(a[0].s, isB)
		if err != nil {
			return jnull, err
		}
		var sub *JValue
		if a[1].isInt() {
			sub = v.index(a[1].i)
			if isB && v.Kind != JArray && v.Kind != JObject && (a[1].i == 0 || a[1].i == -1) {
				sub = v // a jsonb scalar is stored as a one-element array
			}
		} else {
			sub = v.field(a[1].s)
		}
		if sub == nil {
			return jnull, nil
		}
		if asText {
			s, ok := sub.asText(isB)
			if !ok {
				return jnull, nil
			}
			return jstr(s), nil
		}
		return outOf(sub, isB), nil
	}
}

// isInt marks an integer argument (set by the argument reader).
func (a jarg) isInt() bool { return a.b && a.s == "\x00int" }

func pather(isB, asText bool) func(a []jarg) (jarg, error) {
	return func(a []jarg) (jarg, error) {
		v, err := parseJ(a[0].s, isB)
		if err != nil {
			return jnull, err
		}
		p, nulls, err := parseTextArray(a[1].s)
		if err != nil {
			return jnull, err
		}
		for _, n := range nulls {
			if n {
				return jnull, nil
			}
		}
		return walkOut(v, p, isB, asText)
	}
}

func walkOut(v *JValue, p []string, isB, asText bool) (jarg, error) {
	sub := v.path(p)
	if sub == nil {
		return jnull, nil
	}
	if asText {
		s, ok := sub.asText(isB)
		if !ok {
			return jnull, nil
		}
		return jstr(s), nil
	}
	return outOf(sub, isB), nil
}

// extractPath is json(b)_extract_path(_text)(from, VARIADIC path): a NULL path element
// gives NULL.
func extractPath(isB, asText bool) func(a []jarg) (jarg, error) {
	return func(a []jarg) (jarg, error) {
		if a[0].null {
			return jnull, nil
		}
		v, err := parseJ(a[0].s, isB)
		if err != nil {
			return jnull, err
		}
		p := make([]string, 0, len(a)-1)
		for _, x := range a[1:] {
			if x.null {
				return jnull, nil
			}
			p = append(p, x.s)
		}
		return walkOut(v, p, isB, asText)
	}
}

func jsonbOp(f func(a, b *JValue) (*JValue, error)) func(a []jarg) (jarg, error) {
	return func(a []jarg) (jarg, error) {
		x, err := parseB(a[0].s)
		if err != nil {
			return jnull, err
		}
		y, err := parseB(a[1].s)
		if err != nil {
			return jnull, err
		}
		r, err := f(x, y)
		if err != nil {
			return jnull, err
		}
		return jstr(r.String()), nil
	}
}

func jsonbPred(f func(v *JValue, a []jarg) (bool, error)) func(a []jarg) (jarg, error) {
	return func(a []jarg) (jarg, error) {
		v, err := parseB(a[0].s)
		if err != nil {
			return jnull, err
		}
		ok, err := f(v, a)
		return jarg{b: ok}, err
	}
}

func typeofFn(isB bool) func(a []jarg) (jarg, error) {
	return func(a []jarg) (jarg, error) {
		v, err := parseJ(a[0].s, isB)
		if err != nil {
			return jnull, err
		}
		return jstr(v.Kind.typeof()), nil
	}
}

func arrayLength(isB bool) func(a []jarg) (jarg, error) {
	return func(a []jarg) (jarg, error) {
		v, err := parseJ(a[0].s, isB)
		if err != nil {
			return jnull, err
		}
		switch v.Kind {
		case JArray:
			return jarg{i: int64(len(v.Elems))}, nil
		case JObject:
			return jnull, errs.Errorf(errs.ErrInvalidArgument, "cannot get array length of a non-array")
		}
		return jnull, errs.Errorf(errs.ErrInvalidArgument, "cannot get array length of a scalar")
	}
}

// buildObject is json(b)_build_object over text keys and JSON-text values (the binder
// converts each value with to_json(b)); json keeps PostgreSQL's ` : ` spacing.
func buildObject(isB bool) func(a []jarg) (jarg, error) {
	return func(a []jarg) (jarg, error) {
		if len(a)%2 != 0 {
			return jnull, errs.Errorf(errs.ErrInvalidArgument, "argument list must have even number of elements\nHINT:  The arguments of %s must consist of alternating keys and values.", map[bool]string{true: "jsonb_build_object()", false: "json_build_object()"}[isB])
		}
		if isB {
			o := &JValue{Kind: JObject}
			for i := 0; i < len(a); i += 2 {
				if a[i].null {
					return jnull, errs.Errorf(errs.ErrInvalidArgument, "argument %d: key must not be null", i+1)
				}
				v := &JValue{Kind: JNull}
				if !a[i+1].null {
					var err error
					if v, err = parseB(a[i+1].s); err != nil {
						return jnull, err
					}
				}
				o.Keys = append(o.Keys, a[i].s)
				o.Elems = append(o.Elems, v)
			}
			n, err := Normalize(o)
			if err != nil {
				return jnull, err
			}
			return jstr(n.String()), nil
		}
		var b strings.Builder
		b.WriteByte('{')
		for i := 0; i < len(a); i += 2 {
			if a[i].null {
				return jnull, errs.Errorf(errs.ErrInvalidArgument, "argument %d cannot be null\nHINT:  Object keys should be text.", i+1)
			}
			if i > 0 {
				b.WriteString(", ")
			}
			writeJSONString(&b, a[i].s)
			b.WriteString(" : ")
			if a[i+1].null {
				b.WriteString("null")
			} else {
				b.WriteString(a[i+1].s)
			}
		}
		b.WriteByte('}')
		return jstr(b.String()), nil
	}
}

func buildArray(isB bool) func(a []jarg) (jarg, error) {
	return func(a []jarg) (jarg, error) {
		if isB {
			arr := &JValue{Kind: JArray}
			for _, x := range a {
				v := &JValue{Kind: JNull}
				if !x.null {
					var err error
					if v, err = parseB(x.s); err != nil {
						return jnull, err
					}
				}
				arr.Elems = append(arr.Elems, v)
			}
			return jstr(arr.String()), nil
		}
		var b strings.Builder
		b.WriteByte('[')
		for i, x := range a {
			if i > 0 {
				b.WriteString(", ")
			}
			if x.null {
				b.WriteString("null")
			} else {
				b.WriteString(x.s)
			}
		}
		b.WriteByte(']')
		return jstr(b.String()), nil
	}
}

var jsonFuncs = map[string]jfn{
	"json_in": {jText, true, func(a []jarg) (jarg, error) { return a[0], ValidateJSON(a[0].s) }},
	"jsonb_in": {jText, true, func(a []jarg) (jarg, error) {
		s, err := NormalizeJSON(a[0].s)
		return jstr(s), err
	}},
	// jsonb_scalar(jsonb, want, type name): the text of a number or boolean for a cast
	"jsonb_scalar": {jText, true, func(a []jarg) (jarg, error) {
		v, err := parseB(a[0].s)
		if err != nil {
			return jnull, err
		}
		if v.Kind.typeof() != a[1].s {
			name := v.Kind.typeof()
			if v.Kind == JNumber {
				name = "numeric" // PostgreSQL's JsonbTypeName
			}
			return jnull, errs.Errorf(errs.ErrInvalidArgument, "cannot cast jsonb %s to type %s", name, a[2].s)
		}
		return jstr(v.Str), nil
	}},
	"json_get":             {jText, true, getter(false, false)},
	"json_get_text":        {jText, true, getter(false, true)},
	"jsonb_get":            {jText, true, getter(true, false)},
	"jsonb_get_text":       {jText, true, getter(true, true)},
	"json_path":            {jText, true, pather(false, false)},
	"json_path_text":       {jText, true, pather(false, true)},
	"jsonb_path":           {jText, true, pather(true, false)},
	"jsonb_path_text":      {jText, true, pather(true, true)},
	"json_extract_path":    {jText, false, extractPath(false, false)},
	"json_extract_path_t":  {jText, false, extractPath(false, true)},
	"jsonb_extract_path":   {jText, false, extractPath(true, false)},
	"jsonb_extract_path_t": {jText, false, extractPath(true, true)},
	"jsonb_contains": {jBool, true, func(a []jarg) (jarg, error) {
		x, err := parseB(a[0].s)
		if err != nil {
			return jnull, err
		}
		y, err := parseB(a[1].s)
		if err != nil {
			return jnull, err
		}
		return jarg{b: contains(x, y, true)}, nil
	}},
	"jsonb_exists": {jBool, true, jsonbPred(func(v *JValue, a []jarg) (bool, error) { return exists(v, a[1].s), nil })},
	"jsonb_exists_any": {jBool, true, jsonbPred(func(v *JValue, a []jarg) (bool, error) {
		ks, nulls, err := parseTextArray(a[1].s)
		for i, k := range ks {
			if !nulls[i] && exists(v, k) {
				return true, err
			}
		}
		return false, err
	})},
	"jsonb_exists_all": {jBool, true, jsonbPred(func(v *JValue, a []jarg) (bool, error) {
		ks, nulls, err := parseTextArray(a[1].s)
		for i, k := range ks {
			if !nulls[i] && !exists(v, k) {
				return false, err
			}
		}
		return true, err
	})},
	"jsonb_concat": {jText, true, jsonbOp(func(x, y *JValue) (*JValue, error) { return concat(x, y), nil })},
	"jsonb_delete": {jText, true, func(a []jarg) (jarg, error) {
		v, err := parseB(a[0].s)
		if err != nil {
			return jnull, err
		}
		var r *JValue
		if a[1].isInt() {
			r, err = deleteIndex(v, a[1].i)
		} else {
			r, err = deleteKey(v, a[1].s)
		}
		if err != nil {
			return jnull, err
		}
		return jstr(r.String()), nil
	}},
	"jsonb_delete_keys": {jText, true, func(a []jarg) (jarg, error) {
		v, err := parseB(a[0].s)
		if err != nil {
			return jnull, err
		}
		ks, _, err := parseTextArray(a[1].s)
		if err != nil {
			return jnull, err
		}
		r, err := deleteKey(v, ks...)
		if err != nil {
			return jnull, err
		}
		return jstr(r.String()), nil
	}},
	"jsonb_delete_path": {jText, true, func(a []jarg) (jarg, error) {
		v, err := parseB(a[0].s)
		if err != nil {
			return jnull, err
		}
		p, err := textPath(a[1].s, "path element")
		if err != nil {
			return jnull, err
		}
		r, err := deletePath(v, p)
		if err != nil {
			return jnull, err
		}
		return jstr(r.String()), nil
	}},
	"jsonb_sortkey": {jText, true, func(a []jarg) (jarg, error) {
		v, err := parseB(a[0].s)
		if err != nil {
			return jnull, err
		}
		return jstr(string(JSONSortKey(v))), nil
	}},
	"json_typeof":        {jText, true, typeofFn(false)},
	"jsonb_typeof":       {jText, true, typeofFn(true)},
	"json_array_length":  {jI32, true, arrayLength(false)},
	"jsonb_array_length": {jI32, true, arrayLength(true)},
	"jsonb_strip_nulls": {jText, true, func(a []jarg) (jarg, error) {
		v, err := parseB(a[0].s)
		if err != nil {
			return jnull, err
		}
		return jstr(stripNulls(v).String()), nil
	}},
	"jsonb_pretty": {jText, true, func(a []jarg) (jarg, error) {
		v, err := parseB(a[0].s)
		if err != nil {
			return jnull, err
		}
		return jstr(v.Pretty()), nil
	}},
	"jsonb_set":          {jText, true, setFn(false)},
	"jsonb_insert":       {jText, true, setFn(true)},
	"jsonb_build_object": {jText, false, buildObject(true)},
	"json_build_object":  {jText, false, buildObject(false)},
	"jsonb_build_array":  {jText, false, buildArray(true)},
	"json_build_array":   {jText, false, buildArray(false)},
	// the json aggregates are string_agg over these elements (planner/bind_json.go)
	"json_agg_elem":  {jText, false, aggElem},
	"jsonb_agg_elem": {jText, false, aggElem},
	"json_object_agg_elem": {jText, false, func(a []jarg) (jarg, error) {
		return objAggElem(a, " : ")
	}},
	"jsonb_object_agg_elem": {jText, false, func(a []jarg) (jarg, error) {
		return objAggElem(a, ": ")
	}},
	"json_agg_finish":        {jText, true, func(a []jarg) (jarg, error) { return jstr("[" + a[0].s + "]"), nil }},
	"jsonb_agg_finish":       {jText, true, func(a []jarg) (jarg, error) { return jstr("[" + a[0].s + "]"), nil }},
	"json_object_agg_finish": {jText, true, func(a []jarg) (jarg, error) { return jstr("{ " + a[0].s + " }"), nil }},
	"jsonb_object_agg_finish": {jText, true, func(a []jarg) (jarg, error) {
		s, err := NormalizeJSON("{" + a[0].s + "}")
		return jstr(s), err
	}},
}

func aggElem(a []jarg) (jarg, error) {
	if a[0].null {
		return jstr("null"), nil
	}
	return a[0], nil
}

func objAggElem(a []jarg, sep string) (jarg, error) {
	if a[0].null {
		return jnull, errs.Errorf(errs.ErrInvalidArgument, "field name must not be null")
	}
	v := "null"
	if !a[1].null {
		v = a[1].s
	}
	return jstr(QuoteJSON(a[0].s) + sep + v), nil
}

func setFn(insert bool) func(a []jarg) (jarg, error) {
	return func(a []jarg) (jarg, error) {
		v, err := parseB(a[0].s)
		if err != nil {
			return jnull, err
		}
		p, err := textPath(a[1].s, "path element")
		if err != nil {
			return jnull, err
		}
		nv, err := parseB(a[2].s)
		if err != nil {
			return jnull, err
		}
		flag := !insert // create_missing defaults to true, insert_after to false
		if len(a) > 3 {
			flag = a[3].b
		}
		r, err := setPath(v, p, nv, flag && !insert, insert, flag && insert)
		if err != nil {
			return jnull, err
		}
		return jstr(r.String()), nil
	}
}

// JSONFunc builds one of the json/jsonb functions by name; to_json and to_jsonb take any
// scalar type.
func JSONFunc(name string) Builder {
	return func(args []Expr, _ arrow.DataType) (Expr, error) {
		if name == "to_json" || name == "to_jsonb" {
			return toJSONExpr(name, args)
		}
		fn, ok := jsonFuncs[name]
		if !ok {
			return nil, notSupportedf("json function %q", name)
		}
		readers := make([]func(arrow.Array, int) jarg, len(args))
		for i, a := range args {
			r, err := jsonReader(a.Type())
			if err != nil {
				return nil, err
			}
			readers[i] = r
		}
		k := func(ctx context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
			b := array.NewBuilder(mem, fn.out)
			defer b.Release()
			b.Reserve(n)
			row := make([]jarg, len(ops))
			for i := 0; i < n; i++ {
				if i&1023 == 0 {
					if err := ctx.Err(); err != nil {
						return nil, err
					}
				}
				isNull := false
				for j, o := range ops {
					row[j] = readers[j](o.arr, i*o.stride())
					isNull = isNull || row[j].null
				}
				if isNull && fn.strict {
					b.AppendNull()
					continue
				}
				r, err := fn.f(row)
				if err != nil {
					return nil, err
				}
				appendJArg(b, r)
			}
			return b.NewArray(), nil
		}
		return newCall(name, args, fn.out, k, nil)
	}
}

func appendJArg(b array.Builder, r jarg) {
	if r.null {
		b.AppendNull()
		return
	}
	switch bb := b.(type) {
	case *array.StringBuilder:
		bb.Append(r.s)
	case *array.BooleanBuilder:
		bb.Append(r.b)
	case *array.Int32Builder:
		bb.Append(int32(r.i))
	case *array.Int64Builder:
		bb.Append(r.i)
	}
}

// jsonReader reads one argument value: text, integers (marked, for -> and - overloads),
// booleans.
func jsonReader(t arrow.DataType) (func(arrow.Array, int) jarg, error) {
	switch t.ID() {
	case arrow.STRING:
		return func(a arrow.Array, i int) jarg {
			if a.IsNull(i) {
				return jnull
			}
			return jstr(a.(*array.String).Value(i))
		}, nil
	case arrow.INT16, arrow.INT32, arrow.INT64:
		get := intGetterOf(t)
		return func(a arrow.Array, i int) jarg {
			if a.IsNull(i) {
				return jnull
			}
			return jarg{i: get(a, i), b: true, s: "\x00int"}
		}, nil
	case arrow.BOOL:
		return func(a arrow.Array, i int) jarg {
			if a.IsNull(i) {
				return jnull
			}
			return jarg{b: a.(*array.Boolean).Value(i)}
		}, nil
	case arrow.NULL:
		return func(arrow.Array, int) jarg { return jnull }, nil
	}
	return nil, notSupportedf("json function argument of type %s", t)
}

func intGetterOf(t arrow.DataType) func(arrow.Array, int) int64 {
	switch t.ID() {
	case arrow.INT16:
		return func(a arrow.Array, i int) int64 { return int64(a.(*array.Int16).Value(i)) }
	case arrow.INT32:
		return func(a arrow.Array, i int) int64 { return int64(a.(*array.Int32).Value(i)) }
	}
	return func(a arrow.Array, i int) int64 { return a.(*array.Int64).Value(i) }
}

// toJSONExpr is to_json/to_jsonb of a scalar of any type but json (the binder passes json and
// jsonb values through its casts): text becomes a JSON string, numbers stay numbers (jsonb
// prints them as numeric does), booleans and NULL their literals, dates, timestamps and
// intervals strings in PostgreSQL's JSON formats ("2020-01-01T10:00:00").
func toJSONExpr(name string, args []Expr) (Expr, error) {
	if len(args) != 1 {
		return nil, invalidf("%s takes one argument", name)
	}
	isB := name == "to_jsonb"
	in := args[0]
	t := in.Type()
	if t.ID() == arrow.LIST {
		return toJSONArrayExpr(name, in, isB)
	}
	conv, err := toJSONConv(name, t, isB)
	if err != nil {
		return nil, err
	}
	var textIn Expr = in
	if t.ID() != arrow.STRING && t.ID() != arrow.NULL {
		c, err := NewCast(in, arrow.BinaryTypes.String)
		if err != nil {
			return nil, err
		}
		textIn = c
	}
	k := func(ctx context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		b := array.NewStringBuilder(mem)
		defer b.Release()
		o := ops[0]
		for i := 0; i < n; i++ {
			j := i * o.stride()
			if o.arr.IsNull(j) {
				b.AppendNull()
				continue
			}
			s := ""
			if sa, ok := o.arr.(*array.String); ok {
				s = sa.Value(j)
			}
			r, err := conv(s)
			if err != nil {
				return nil, err
			}
			b.Append(r)
		}
		return b.NewArray(), nil
	}
	return newCall(name, []Expr{textIn}, jText, k, nil)
}

// toJSONConv turns the text form of a value of type t into its JSON text.
func toJSONConv(name string, t arrow.DataType, isB bool) (func(s string) (string, error), error) {
	var conv func(s string) (string, error)
	switch t.ID() {
	case arrow.STRING:
		conv = func(s string) (string, error) { return QuoteJSON(s), nil }
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.DECIMAL128:
		conv = func(s string) (string, error) { return s, nil }
	case arrow.FLOAT32, arrow.FLOAT64:
		conv = func(s string) (string, error) {
			switch s {
			case "NaN", "Infinity", "-Infinity":
				return QuoteJSON(s), nil
			}
			if isB {
				return numericText(s)
			}
			return s, nil
		}
	case arrow.DATE32, arrow.INTERVAL_MONTH_DAY_NANO:
		conv = func(s string) (string, error) { return QuoteJSON(s), nil }
	case arrow.TIMESTAMP:
		tz := t.(*arrow.TimestampType).TimeZone != ""
		conv = func(s string) (string, error) {
			if s == "infinity" || s == "-infinity" {
				return QuoteJSON(s), nil
			}
			s = strings.Replace(s, " ", "T", 1)
			if tz {
				// PostgreSQL's JSON timestamps carry the offset as +HH:MM
				if i := strings.LastIndexAny(s, "+-"); i > 10 && len(s)-i == 3 {
					s += ":00"
				}
			}
			return QuoteJSON(s), nil
		}
	case arrow.NULL:
		conv = func(s string) (string, error) { return "null", nil }
	default:
		return nil, notSupportedf("%s of type %s", name, t)
	}
	return conv, nil
}

// toJSONArrayExpr is to_json/to_jsonb of an array: a JSON array of its elements converted as
// scalars (NULL elements null), "[1,2]" for json and "[1, 2]" for jsonb, as PostgreSQL prints.
func toJSONArrayExpr(name string, in Expr, isB bool) (Expr, error) {
	et := listElem(in.Type())
	conv, err := toJSONConv(name, et, isB)
	if err != nil {
		return nil, err
	}
	var text kernel
	if et.ID() != arrow.STRING && et.ID() != arrow.NULL {
		if text, err = castKernel(et, arrow.BinaryTypes.String); err != nil {
			return nil, err
		}
	}
	sep := ","
	if isB {
		sep = ", "
	}
	k := func(ctx context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		l := newListOp(ops[0])
		child := l.child
		if text != nil && child.Len() > 0 {
			c, err := text(ctx, []operand{{arr: child}}, child.Len(), mem)
			if err != nil {
				return nil, err
			}
			defer c.Release()
			child = c
		}
		strs, _ := child.(*array.String)
		b := array.NewStringBuilder(mem)
		defer b.Release()
		var sb strings.Builder
		for i := 0; i < n; i++ {
			ok, from, to := l.row(i)
			if !ok {
				b.AppendNull()
				continue
			}
			sb.Reset()
			sb.WriteByte('[')
			for j := from; j < to; j++ {
				if j > from {
					sb.WriteString(sep)
				}
				if child.IsNull(j) {
					sb.WriteString("null")
					continue
				}
				v := ""
				if strs != nil {
					v = strs.Value(j)
				}
				r, err := conv(v)
				if err != nil {
					return nil, err
				}
				sb.WriteString(r)
			}
			sb.WriteByte(']')
			b.Append(sb.String())
		}
		return b.NewArray(), nil
	}
	return newCall(name, []Expr{in}, jText, k, nil)
}
