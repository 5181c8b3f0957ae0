package functions_test

import (
	"context"
	"strings"
	"testing"
)

// arraySamples are SQL expressions for the array functions (polymorphic: no Sigs), which
// TestEveryFunctionRoundTrips takes through bind -> Substrait -> node.
var arraySamples = map[string][]string{
	"make_array": {"ARRAY[i4, i8]", "ARRAY[s, NULL]"}, "array_subscript": {"(ARRAY[i4])[1]"},
	"array_slice":  {"(ARRAY[d, d])[1:2]", "(ARRAY[s])[:1]"},
	"array_length": {"array_length(ARRAY[n], 1)"}, "array_upper": {"array_upper(ARRAY[b], 1)"},
	"array_lower": {"array_lower(ARRAY[ts], 1)"}, "array_ndims": {"array_ndims(ARRAY[tz])"},
	"array_dims": {"array_dims(ARRAY[iv])"}, "cardinality": {"cardinality(ARRAY[f4])"},
	"array_position":  {"array_position(ARRAY[s], 'x')", "array_position(ARRAY[i4], 1, 1)"},
	"array_positions": {"array_positions(ARRAY[i2], i2)"}, "array_append": {"array_append(ARRAY[i4], 1)", "ARRAY[s] || s"},
	"array_prepend": {"array_prepend(f8, ARRAY[f8])", "1 || ARRAY[i8]"}, "array_cat": {"array_cat(ARRAY[n], ARRAY[n])", "ARRAY[s] || ARRAY[s]"},
	"array_remove": {"array_remove(ARRAY[i4], i4)"}, "array_replace": {"array_replace(ARRAY[s], s, 'y')"},
	"array_to_string":       {"array_to_string(ARRAY[d], ',')", "array_to_string(ARRAY[i4], ',', '*')"},
	"string_to_array":       {"string_to_array(s, ',')", "string_to_array(s, ',', '')"},
	"regexp_match":          {"regexp_match(s, 'a(b)')", "regexp_match(s, 'a', 'i')"},
	"regexp_split_to_array": {"regexp_split_to_array(s, ',')"},
	"array_contains":        {"ARRAY[i4] @> ARRAY[1]"}, "array_contained": {"ARRAY[s] <@ '{a}'"}, "array_overlap": {"ARRAY[d] && ARRAY[d]"},
	"array_any_equal": {"i4 = ANY(ARRAY[1, 2])"}, "array_all_equal": {"s = ALL('{a}')"},
	"array_any_not_equal": {"i8 <> ANY(ARRAY[i4])"}, "array_all_not_equal": {"n <> ALL(ARRAY[1.5])"},
	"array_any_lt": {"d < ANY(ARRAY[ts])"}, "array_all_lt": {"f8 < ALL(ARRAY[i4])"},
	"array_any_lte": {"i2 <= ANY(ARRAY[i2])"}, "array_all_lte": {"s <= ALL(ARRAY[s])"},
	"array_any_gt": {"tz > ANY(ARRAY[tz])"}, "array_all_gt": {"iv > ALL(ARRAY[iv])"},
	"array_any_gte": {"b >= ANY(ARRAY[true])"}, "array_all_gte": {"f4 >= ALL(ARRAY[f4])"},
}

func init() {
	for id, xs := range arraySamples {
		samples[id] = append(samples[id], xs...)
	}
}

// Array values come out of the executor as PostgreSQL prints them, through casts to text
// and the array functions, with the rows the table holds.
func TestArrayFunctionsExecute(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, "CREATE TABLE at (id INTEGER, a INTEGER[], s TEXT[])",
		"INSERT INTO at VALUES (1, '{1,2,NULL}', '{\"a b\",\"\",NULL}'), (2, '{}', '{}'), (3, NULL, NULL)")
	cases := []struct{ sql, want string }{
		{"SELECT a::text, s::text FROM at ORDER BY id", `{1,2,NULL}|{"a b","",NULL} ; {}|{} ; NULL|NULL`},
		{"SELECT cardinality(a), array_length(a, 1) FROM at ORDER BY id", "3|3 ; 0|NULL ; NULL|NULL"},
		{"SELECT (a || 4)::text FROM at ORDER BY id", "{1,2,NULL,4} ; {4} ; {4}"},
		{"SELECT 2 = ANY(a), 5 = ANY(a) FROM at ORDER BY id", "true|NULL ; false|false ; NULL|NULL"},
		{"SELECT array_to_string(s, '/', '-') FROM at ORDER BY id", "a b//- ; " + " ; NULL"},
		{"SELECT count(*) FROM at GROUP BY a ORDER BY a", "1 ; 1 ; 1"},
	}
	for _, c := range cases {
		rows, err := e.run(ctx, c.sql)
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if got := strings.Join(rows, " ; "); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.sql, got, c.want)
		}
	}
}
