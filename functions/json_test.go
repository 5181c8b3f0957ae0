package functions_test

// Sample expressions for the json/jsonb functions (bound by planner/bind_json.go, not by
// signatures), over ty's text column s, so that no call folds away.
func init() {
	j, jb := "s::json", "s::jsonb"
	for id, xs := range map[string][]string{
		"json_in": {j}, "jsonb_in": {jb, j + "::jsonb"}, "jsonb_scalar": {jb + "::int", jb + "::boolean", jb + "::float8"},
		"to_json": {"to_json(ts)", "to_json(n)"}, "to_jsonb": {"to_jsonb(i4)", "to_jsonb(s)", "to_jsonb(tz)"},
		"jsonb_contains": {jb + " @> '{}'", jb + " <@ '[]'"}, "jsonb_exists": {jb + " ? 'a'"},
		"jsonb_exists_any": {jb + " ?| '{a}'"}, "jsonb_exists_all": {jb + " ?& '{a}'"},
		"jsonb_concat": {jb + " || '[1]'"}, "jsonb_delete": {jb + " - 'a'", jb + " - 1"},
		"jsonb_delete_keys": {}, "jsonb_delete_path": {jb + " #- '{a}'"},
		"jsonb_sortkey": {jb + " < '1'"}, "json_typeof": {"json_typeof(" + j + ")"}, "jsonb_typeof": {"jsonb_typeof(" + jb + ")"},
		"json_array_length": {"json_array_length(" + j + ")"}, "jsonb_array_length": {"jsonb_array_length(" + jb + ")"},
		"jsonb_strip_nulls": {"jsonb_strip_nulls(" + jb + ")"}, "jsonb_pretty": {"jsonb_pretty(" + jb + ")"},
		"jsonb_set":       {"jsonb_set(" + jb + ", '{a}', '1')", "jsonb_set(" + jb + ", '{a}', '1', b)"},
		"jsonb_insert":    {"jsonb_insert(" + jb + ", '{a}', '1')"},
		"json_agg_finish": {"json_agg(s)"}, "jsonb_agg_finish": {"jsonb_agg(i4)"},
		"json_object_agg_finish": {"json_object_agg(s, i4)"}, "jsonb_object_agg_finish": {"jsonb_object_agg(s, d)"},
		"json_agg_elem": {"json_agg(s)"}, "jsonb_agg_elem": {"jsonb_agg(i4)"},
		"json_object_agg_elem": {"json_object_agg(s, i4)"}, "jsonb_object_agg_elem": {"jsonb_object_agg(s, d)"},
		"json_get": {j + " -> 'a'", j + " -> 1"}, "json_get_text": {j + " ->> 'a'"},
		"jsonb_get": {jb + " -> 'a'", jb + " -> i4"}, "jsonb_get_text": {jb + " ->> 0"},
		"json_path": {j + " #> '{a}'"}, "json_path_text": {j + " #>> '{a}'"},
		"jsonb_path": {jb + " #> '{a,1}'"}, "jsonb_path_text": {jb + " #>> '{a}'"},
		"json_extract_path": {"json_extract_path(" + j + ", 'a')"}, "json_extract_path_t": {"json_extract_path_text(" + j + ", 'a', s)"},
		"jsonb_extract_path": {"jsonb_extract_path(" + jb + ", 'a')"}, "jsonb_extract_path_t": {"jsonb_extract_path_text(" + jb + ", 'a')"},
		"json_build_object": {"json_build_object('a', i4, s, ts)"}, "jsonb_build_object": {"jsonb_build_object('a', n, 'b', " + jb + ")"},
		"json_build_array": {"json_build_array(i4, s, b)"}, "jsonb_build_array": {"jsonb_build_array(f8, iv)"},
	} {
		if len(xs) == 0 {
			notFromSQL[id] = true // jsonb - text[] waits for text[] values
			continue
		}
		samples[id] = xs
	}
}
