package functions

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto"
)

// JSON and JSONB (catalog.TypeJSON, TypeJSONB) are text in the engine; their functions are
// declared here under proto.URNJSON. The binder (planner/bind_json.go) resolves operators,
// casts and the variadic and polymorphic functions itself and names these by ID.

var (
	jsonT  = catalog.Type{Kind: catalog.TypeJSON}
	jsonbT = catalog.Type{Kind: catalog.TypeJSONB}
)

// jsonFuncDecls declares the json/jsonb scalar functions (exec.JSONFunc kernels).
func jsonFuncDecls() []*Func {
	mk := func(name string, nulls Nulls) *Func {
		return &Func{ID: name, Name: name, URN: proto.URNJSON, Nulls: nulls, Build: exec.JSONFunc(name)}
	}
	var fs []*Func
	for _, n := range []string{"json_in", "jsonb_in", "jsonb_scalar", "to_json", "to_jsonb", "jsonb_contains",
		"jsonb_exists", "jsonb_exists_any", "jsonb_exists_all", "jsonb_concat", "jsonb_delete", "jsonb_delete_keys",
		"jsonb_delete_path", "jsonb_sortkey", "json_typeof", "jsonb_typeof", "json_array_length",
		"jsonb_array_length", "jsonb_strip_nulls", "jsonb_pretty", "jsonb_set", "jsonb_insert",
		"json_agg_finish", "jsonb_agg_finish", "json_object_agg_finish", "jsonb_object_agg_finish"} {
		fs = append(fs, mk(n, Strict))
	}
	for _, f := range fs {
		if f.ID == "jsonb_sortkey" {
			f.NoFold = true // its bytes are no valid UTF-8: never a plan's string literal
		}
	}
	// a missing key, index or path answers NULL
	for _, n := range []string{"json_get", "json_get_text", "jsonb_get", "jsonb_get_text", "json_path",
		"json_path_text", "jsonb_path", "jsonb_path_text", "json_extract_path", "json_extract_path_t",
		"jsonb_extract_path", "jsonb_extract_path_t"} {
		fs = append(fs, mk(n, NullOnValue))
	}
	// NULL arguments become JSON null
	for _, n := range []string{"json_build_object", "jsonb_build_object", "json_build_array",
		"jsonb_build_array", "json_agg_elem", "jsonb_agg_elem", "json_object_agg_elem", "jsonb_object_agg_elem"} {
		f := mk(n, NeverNull)
		f.VariadicSig = "str"
		fs = append(fs, f)
	}
	return fs
}

// jsonSetFuncs declares the set-returning functions over json and jsonb. json(b)_each and
// json(b)_each_text are not here: the binder runs their _key and _value halves.
func jsonSetFuncs() []*SetFunc {
	var out []*SetFunc
	text := func([]arrow.DataType) (arrow.DataType, error) { return arrow.BinaryTypes.String, nil }
	add := func(id string, sql bool, arg, res catalog.Type) {
		f := &SetFunc{ID: id, Sigs: []SetSig{{Args: []catalog.Type{arg}, Out: res}}, Out: text, New: exec.NewJSONSetFunc(id)}
		if sql {
			f.SQL = []string{id}
		}
		out = append(out, f)
	}
	for _, t := range []catalog.Type{jsonT, jsonbT} {
		p := "json"
		if t.Kind == catalog.TypeJSONB {
			p = "jsonb"
		}
		add(p+"_array_elements", true, t, t)
		add(p+"_array_elements_text", true, t, catalog.Text)
		add(p+"_object_keys", true, t, catalog.Text)
		add(p+"_each_key", false, t, catalog.Text)
		add(p+"_each_value", false, t, t)
		add(p+"_each_text_key", false, t, catalog.Text)
		add(p+"_each_text_value", false, t, catalog.Text)
		add(p+"_each", true, t, catalog.Text) // select list: the (key,value) record's text
		add(p+"_each_text", true, t, catalog.Text)
	}
	return out
}

// IsJSON reports whether t is json or jsonb.
func IsJSON(t catalog.Type) bool { return t.Kind == catalog.TypeJSON || t.Kind == catalog.TypeJSONB }

// jsonCast is pg_cast's rows for json and jsonb: json <-> jsonb by assignment, jsonb to
// numbers and boolean explicitly, both to text (output functions) by assignment and from
// text (input functions) explicitly.
func jsonCast(from, to catalog.Type) CastContext {
	switch {
	case IsJSON(from) && IsJSON(to):
		return Assignment
	case to.Kind == catalog.TypeText:
		return Assignment
	case from.Kind == catalog.TypeText:
		return Explicit
	case from.Kind == catalog.TypeJSONB && (isNumber(to) || to.Kind == catalog.TypeBool):
		return Explicit
	}
	return NoCast
}
