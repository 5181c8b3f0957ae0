package functions_test

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// foldCols are the columns of table fx and, per row, the SQL constant each holds.
var foldCols = []string{"i2", "i4", "i8", "f8", "n", "s", "d", "ts", "iv"}

var foldTypes = map[string]string{"i2": "SMALLINT", "i4": "INTEGER", "i8": "BIGINT", "f8": "DOUBLE PRECISION",
	"n": "NUMERIC(12,3)", "s": "TEXT", "d": "DATE", "ts": "TIMESTAMP", "iv": "INTERVAL"}

var foldRows = []map[string]string{
	{"i2": "7", "i4": "-7", "i8": "1000000", "f8": "123456789.123456789", "n": "2.675", "s": "'AbC'", "d": "'2024-02-29'",
		"ts": "'2024-01-31 10:00:00'", "iv": "'1 mon 2 days 03:04:05.5'"},
	{}, // every column NULL
	{"i2": "32767", "i4": "2147483647", "i8": "9223372036854775807", "f8": "1e300", "n": "999999999.999", "s": "''",
		"d": "'0001-01-01'", "ts": "'1999-12-31 23:59:59.999999'", "iv": "'-1 year -2 mons +3 days -04:05:06'"},
	{"i2": "-32768", "i4": "0", "i8": "-1", "f8": "-0.5", "n": "-0.005", "s": "'x%_y'", "d": "'1970-01-01'",
		"ts": "'1970-01-01'", "iv": "'0'"},
}

// foldCases are expressions over fx's columns: each runs once with the columns (the
// executor computes it) and once with the row's constants in their place (the planner folds
// it): both must answer the same value or fail alike. Overflow, division by zero, NULLs and
// decimal scales are the classic places where a planner's own arithmetic drifts.
var foldCases = []string{
	"i4 + 1", "i2 * 2", "i8 + 1", "-i4", "i4 / 2", "i4 % 3", "i2 / i4", "i8 * i8",
	"n * n",
	// the quotient of two constants gets PostgreSQL's value-dependent scale (binder,
	// constDivScale), a column's the type's: compared at one scale
	"(n / 3)::numeric(12,6)", "n + 0.0005", "n * 1.5", "n::integer", "n::numeric(5,1)", "round(n, 2)", "trunc(n, 1)", "ceil(n)", "abs(n)", "sign(n)",
	"div(n, 3)", "div(i4, 3)", "power(n, 2)",
	"f8::text", "f8::real", "f8::integer", "f8::numeric(20,4)", "sqrt(abs(f8))", "f8 / 0",
	"i4::text", "n::text", "d::text", "ts::text", "iv::text", "i8::smallint", "i2::numeric(3,0)",
	"s || 'z'", "lower(s)", "upper(s)", "length(s)", "substring(s, 2)", "s LIKE 'A%'", "replace(s, 'b', 'B')", "lpad(s, 5, '*')",
	"concat(s, i4, NULL)", "concat_ws('-', s, i2)", "regexp_count(s, '[a-z]')", "s = 'AbC'", "s < 'b'",
	"d + 1", "d - 1", "d + iv", "ts - iv", "ts + iv", "ts - ts", "extract(year FROM d)", "date_trunc('month', ts)",
	"iv * 2", "iv / 3", "justify_hours(iv)",
	"i4 > 0 AND i2 > 0", "i4 IS NULL", "i4 IS DISTINCT FROM 7", "greatest(i4, i2)", "least(n, 1)",
}

func TestFoldingEqualsExecution(t *testing.T) {
	ctx := context.Background()
	defs := make([]string, len(foldCols))
	for i, c := range foldCols {
		defs[i] = c + " " + foldTypes[c]
	}
	setup := []string{"CREATE TABLE fx (id INTEGER, " + strings.Join(defs, ", ") + ")"}
	for id, r := range foldRows {
		vals := []string{itoa(id)}
		for _, c := range foldCols {
			vals = append(vals, constant(r, c))
		}
		setup = append(setup, "INSERT INTO fx VALUES ("+strings.Join(vals, ", ")+")")
	}
	e := newEngine(t, setup...)
	// longest names first, so that i2 is not replaced inside another name
	cols := append([]string(nil), foldCols...)
	sort.Slice(cols, func(i, j int) bool { return len(cols[i]) > len(cols[j]) })
	word := regexp.MustCompile(`\b[a-z][a-z0-9]*\b`)
	folded := 0
	for _, x := range foldCases {
		for id, r := range foldRows {
			colSQL := "SELECT " + x + " FROM fx WHERE id = " + itoa(id)
			constExpr := word.ReplaceAllStringFunc(x, func(w string) string {
				if _, ok := foldTypes[w]; ok {
					return constant(r, w)
				}
				return w
			})
			constSQL := "SELECT " + constExpr
			want, werr := e.run(ctx, colSQL)
			got, gerr := e.run(ctx, constSQL)
			switch {
			case werr != nil || gerr != nil:
				if (werr == nil) != (gerr == nil) {
					t.Errorf("%s: executed %v (err %v), folded %v (err %v)", constSQL, want, werr, got, gerr)
				}
			case strings.Join(want, ";") != strings.Join(got, ";"):
				t.Errorf("%s: executed %v, folded %v", constSQL, want, got)
			default:
				folded++
			}
		}
	}
	if folded < len(foldCases)*len(foldRows)/2 {
		t.Errorf("only %d of %d cases compared values", folded, len(foldCases)*len(foldRows))
	}
}

func constant(r map[string]string, c string) string {
	v, ok := r[c]
	if !ok {
		v = "NULL"
	}
	return "CAST(" + v + " AS " + foldTypes[c] + ")"
}

func itoa(i int) string { return string(rune('0' + i)) }
