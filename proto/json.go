package proto

// URNJSON is the extension of Tern's json and jsonb functions. In Substrait both SQL types are
// plain strings (json: the input text as given, validated; jsonb: PostgreSQL's normalized
// text), so a plan names the json or the jsonb variant of each operation; casts that change
// the text are these functions, never a Substrait Cast:
//
//   - json_in(string), jsonb_in(string): text -> json (validated) / jsonb (normalized);
//     jsonb_scalar(jsonb, kind, type name) the text of a jsonb number or boolean for a cast,
//     PostgreSQL's "cannot cast jsonb string to type integer" otherwise.
//   - json_get/jsonb_get (->), *_get_text (->>) with a string key or an integer index
//     (negative from the end); *_path (#>), *_path_text (#>>) with a text[] literal path;
//     jsonb_extract_path(_t), json_extract_path(_t) with variadic string path elements.
//   - jsonb_contains (@>, <@ with the arguments swapped), jsonb_exists (?), jsonb_exists_any
//     (?|), jsonb_exists_all (?&) with a text[] literal, jsonb_concat (||), jsonb_delete (-
//     key or index), jsonb_delete_keys (- text[]), jsonb_delete_path (#-), jsonb_set,
//     jsonb_insert, jsonb_strip_nulls, jsonb_pretty, json(b)_typeof, json(b)_array_length.
//   - jsonb_sortkey(jsonb): a byte string whose bytewise order is jsonb's btree order (sort
//     keys and <, <=, >, >=, = between jsonb values compare these).
//   - to_json/to_jsonb(any scalar); json(b)_build_object(string key, json value, ...) and
//     json(b)_build_array(json value, ...) over values already converted by to_json(b).
//   - The aggregates json_agg, jsonb_agg, json_object_agg and jsonb_object_agg are planned as
//     string_agg over json_agg_elem/json_object_agg_elem elements, finished by
//     json(b)_agg_finish / json(b)_object_agg_finish.
//   - Set-returning functions (ProjectSet): json(b)_array_elements(_text), json(b)_object_keys,
//     and json(b)_each(_text) as two functions run in lockstep, *_key and *_value.
const URNJSON = "extension:dev.tern:json"
