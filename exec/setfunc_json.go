package exec

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/tern-db/tern/proto/errs"
)

// The set-returning functions of json and jsonb: array elements, object keys, and the
// key/value pairs of json(b)_each, which the binder runs as two of these in lockstep
// (`<name>_key` and `<name>_value`), one per output column.

// NewJSONSetFunc builds the set-returning function name producing out (text).
func NewJSONSetFunc(name string) func(out arrow.DataType) (SetFunc, error) {
	return func(out arrow.DataType) (SetFunc, error) {
		if out.ID() != arrow.STRING {
			return nil, errs.Errorf(errs.ErrNotSupported, "%s producing %s", name, out)
		}
		f, ok := jsonSetFuncs[name]
		if !ok {
			return nil, errs.Errorf(errs.ErrNotSupported, "set-returning function %s", name)
		}
		return f, nil
	}
}

// jsonSet walks one value's elements, printing each with out.
type jsonSet struct {
	name string
	isB  bool
	// obj: iterate an object (keys), else an array
	obj bool
	out func(v *JValue, key string, isB bool) (string, bool)
}

var jsonSetFuncs = map[string]jsonSet{}

func init() {
	elem := func(v *JValue, _ string, isB bool) (string, bool) { r := outOf(v, isB); return r.s, !r.null }
	elemText := func(v *JValue, _ string, isB bool) (string, bool) { return v.asText(isB) }
	key := func(_ *JValue, k string, _ bool) (string, bool) { return k, true }
	for _, isB := range []bool{false, true} {
		p := "json"
		if isB {
			p = "jsonb"
		}
		for _, s := range []jsonSet{
			{name: p + "_array_elements", out: elem},
			{name: p + "_array_elements_text", out: elemText},
			{name: p + "_object_keys", obj: true, out: key},
			{name: p + "_each_key", obj: true, out: key},
			{name: p + "_each_value", obj: true, out: elem},
			{name: p + "_each_text_key", obj: true, out: key},
			{name: p + "_each_text_value", obj: true, out: elemText},
			{name: p + "_each", obj: true, out: recordOf(elem)},
			{name: p + "_each_text", obj: true, out: recordOf(elemText)},
		} {
			s.isB = isB
			jsonSetFuncs[s.name] = s
		}
	}
}

// recordOf is json(b)_each(_text) in a select list: the (key,value) record as PostgreSQL's
// record_out prints it.
func recordOf(val func(v *JValue, k string, isB bool) (string, bool)) func(v *JValue, k string, isB bool) (string, bool) {
	return func(v *JValue, k string, isB bool) (string, bool) {
		s, ok := val(v, k, isB)
		out := "(" + recordField(k, true)
		out += "," + recordField(s, ok) + ")"
		return out, true
	}
}

// recordField quotes a record field as record_out does; a NULL field is empty.
func recordField(s string, ok bool) string {
	if !ok {
		return ""
	}
	if s != "" && !strings.ContainsAny(s, "\"\\(),\t\n\r\v\f ") {
		return s
	}
	return `"` + strings.NewReplacer(`"`, `""`, `\`, `\\`).Replace(s) + `"`
}

// callName is PostgreSQL's function name in messages (the _key/_value halves of each).
func (s jsonSet) callName() string {
	n := s.name
	for _, suf := range []string{"_key", "_value"} {
		if len(n) > len(suf) && n[len(n)-len(suf):] == suf {
			return n[:len(n)-len(suf)]
		}
	}
	return n
}

func (s jsonSet) Start(args []arrow.Array, row int) (SetIter, error) {
	if len(args) != 1 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "%s takes one argument", s.callName())
	}
	if args[0].IsNull(row) {
		return emptyIter{}, nil
	}
	v, err := parseJ(args[0].(*array.String).Value(row), s.isB)
	if err != nil {
		return nil, err
	}
	switch {
	case s.obj && v.Kind != JObject:
		what := "a scalar"
		if v.Kind == JArray {
			what = "an array"
		}
		if s.name == "json_object_keys" || s.name == "jsonb_object_keys" {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "cannot call %s on %s", s.callName(), what)
		}
		return nil, errs.Errorf(errs.ErrInvalidArgument, "cannot call %s on a non-object", s.callName())
	case !s.obj && v.Kind != JArray:
		if v.Kind == JObject {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "cannot extract elements from an object")
		}
		return nil, errs.Errorf(errs.ErrInvalidArgument, "cannot extract elements from a scalar")
	}
	return &jsonIter{set: s, v: v}, nil
}

type jsonIter struct {
	set jsonSet
	v   *JValue
	i   int
}

func (it *jsonIter) More() bool { return it.i < len(it.v.Elems) }

func (it *jsonIter) Append(b array.Builder) {
	k := ""
	if it.set.obj {
		k = it.v.Keys[it.i]
	}
	s, ok := it.set.out(it.v.Elems[it.i], k, it.set.isB)
	it.i++
	if !ok {
		b.AppendNull()
		return
	}
	b.(*array.StringBuilder).Append(s)
}
