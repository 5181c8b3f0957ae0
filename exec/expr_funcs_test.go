package exec_test

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
)

var tIv = arrow.FixedWidthTypes.MonthDayNanoInterval

func one(name string, types []arrow.DataType, rows string, build func(b eb) exec.Expr, want ...string) exprCase {
	return exprCase{name: name, types: types, rows: rows, build: build, want: want}
}

func TestDateTimeFunctions(t *testing.T) {
	ts := []arrow.DataType{tTs}
	tsRows := `[{"c0":"2024-02-29T13:45:30.25"},{"c0":"1999-12-31T00:00:00"},{"c0":"2021-01-03T23:59:59"}]`
	ext := func(field string, out arrow.DataType) func(b eb) exec.Expr {
		return func(b eb) exec.Expr { return b.call("extract", out, b.lit(field), b.col(0)) }
	}
	dp := func(field string) func(b eb) exec.Expr {
		return func(b eb) exec.Expr { return b.call("date_part", tF64, b.lit(field), b.col(0)) }
	}
	trunc := func(field string) func(b eb) exec.Expr {
		return func(b eb) exec.Expr { return b.call("date_trunc", tTs, b.lit(field), b.col(0)) }
	}
	dates := []arrow.DataType{tDate}
	dateRows := `[{"c0":"1998-12-01"},{"c0":"2000-01-01"}]`
	cases := []exprCase{
		one("extract-year", ts, tsRows, ext("year", tDec(38, 0)), "2024", "1999", "2021"),
		one("extract-second", ts, tsRows, ext("second", tDec(12, 6)), "30.25", "0", "59"),
		one("extract-quarter", ts, tsRows, ext("quarter", tDec(38, 0)), "1", "4", "1"),
		one("extract-week", ts, tsRows, ext("week", tDec(38, 0)), "9", "52", "53"),
		one("extract-dow", ts, tsRows, ext("dow", tDec(38, 0)), "4", "5", "0"),
		one("extract-isodow", ts, tsRows, ext("isodow", tDec(38, 0)), "4", "5", "7"),
		one("extract-doy", ts, tsRows, ext("doy", tDec(38, 0)), "60", "365", "3"),
		one("extract-epoch", ts, tsRows, ext("epoch", tDec(38, 6)), "1709214330.25", "946598400", "1609718399"),
		one("date_part-hour", ts, tsRows, dp("hour"), "13", "0", "23"),
		one("date_part-century", ts, tsRows, dp("century"), "21", "20", "21"),
		one("extract-year-date", dates, dateRows, ext("year", tDec(38, 0)), "1998", "2000"),
		one("extract-month-date-i32", dates, dateRows, ext("month", tI32), "12", "1"),
		{name: "extract-hour-date", types: dates, rows: dateRows, build: ext("hour", tDec(38, 0)), err: `unit "hour" not supported for type date`},
		one("date_trunc-month", ts, tsRows, trunc("month"), "2024-02-01T00:00:00", "1999-12-01T00:00:00", "2021-01-01T00:00:00"),
		one("date_trunc-week", ts, tsRows, trunc("week"), "2024-02-26T00:00:00", "1999-12-27T00:00:00", "2020-12-28T00:00:00"),
		one("date_trunc-hour", ts, tsRows, trunc("hour"), "2024-02-29T13:00:00", "1999-12-31T00:00:00", "2021-01-03T23:00:00"),
		one("date_trunc-quarter-date", dates, dateRows, func(b eb) exec.Expr { return b.call("date_trunc", tTs, b.lit("quarter"), b.col(0)) },
			"1998-10-01T00:00:00", "2000-01-01T00:00:00"),
		{name: "date_trunc-bad", types: ts, rows: tsRows, build: trunc("fortnight"), err: `unit "fortnight" not recognized`},
		one("ts-minus-ts", []arrow.DataType{tTs, tTs}, `[{"c0":"2024-03-01T12:00:00","c1":"2024-02-28T13:30:00"}]`,
			func(b eb) exec.Expr {
				return b.call("extract", tDec(38, 6), b.lit("epoch"), b.call("subtract", nil, b.col(0), b.col(1)))
			}, "167400"),
		one("age", []arrow.DataType{tTs, tTs}, `[{"c0":"2001-04-10T00:00:00","c1":"1957-06-13T00:00:00"}]`,
			func(b eb) exec.Expr {
				return b.call("extract", tI32, b.lit("year"), b.call("age", nil, b.col(0), b.col(1)))
			}, "43"),
		one("age-days", []arrow.DataType{tTs, tTs}, `[{"c0":"2001-04-10T00:00:00","c1":"1957-06-13T00:00:00"}]`,
			func(b eb) exec.Expr {
				return b.call("extract", tI32, b.lit("day"), b.call("age", nil, b.col(0), b.col(1)))
			}, "27"),
		one("interval-times", []arrow.DataType{tIv}, `[{"c0":{"months":1,"days":1,"nanoseconds":0}}]`,
			func(b eb) exec.Expr {
				return b.call("extract", tDec(38, 6), b.lit("epoch"), b.call("multiply", nil, b.col(0), b.lit(1.5)))
			}, "4017600"),
		one("interval-plus-interval", []arrow.DataType{tIv, tIv}, `[{"c0":{"months":1,"days":1,"nanoseconds":0},"c1":{"months":2,"days":-3,"nanoseconds":3600000000000}}]`,
			func(b eb) exec.Expr {
				iv := b.call("add", nil, b.col(0), b.col(1))
				return b.call("concat", tStr, b.cast(b.call("extract", tI32, b.lit("month"), iv), tStr), b.lit("/"),
					b.cast(b.call("extract", tI32, b.lit("day"), iv), tStr), b.lit("/"), b.cast(b.call("extract", tI32, b.lit("hour"), iv), tStr))
			}, "3/-2/1"),
	}
	runExprCases(t, cases)
}

func TestStringFunctions(t *testing.T) {
	s1 := []arrow.DataType{tStr}
	rows := `[{"c0":"  hello world  "},{"c0":"xxabcxx"},{"c0":""}]`
	str1 := func(name string, extra ...any) func(b eb) exec.Expr {
		return func(b eb) exec.Expr {
			args := []exec.Expr{b.col(0)}
			for _, x := range extra {
				args = append(args, b.lit(x))
			}
			return b.call(name, nil, args...)
		}
	}
	cases := []exprCase{
		one("btrim", s1, rows, str1("btrim"), "hello world", "xxabcxx", ""),
		one("btrim-chars", s1, rows, str1("btrim", "x "), "hello world", "abc", ""),
		one("ltrim", s1, rows, str1("ltrim", "x"), "  hello world  ", "abcxx", ""),
		one("rtrim", s1, rows, str1("rtrim"), "  hello world", "xxabcxx", ""),
		one("strpos", s1, rows, str1("strpos", "o"), "7", "0", "0"),
		one("position", s1, rows, str1("position", "abc"), "0", "3", "0"),
		one("replace", s1, rows, str1("replace", "x", "Y"), "  hello world  ", "YYabcYY", ""),
		// varchar(value, n, explicit): PostgreSQL's length coercion
		one("varchar-explicit", []arrow.DataType{tStr}, `[{"c0":"héllo"},{"c0":"hé"},{"c0":null}]`, str1("varchar", int32(3), true), "hél", "hé", "NULL"),
		one("varchar-assign-spaces", []arrow.DataType{tStr}, `[{"c0":"hé   "},{"c0":"abc"}]`, str1("varchar", int32(3), false), "hé ", "abc"),
		{name: "varchar-assign-too-long", types: []arrow.DataType{tStr}, rows: `[{"c0":"abc"},{"c0":"abcd"}]`, build: str1("varchar", int32(3), false),
			err: "value too long for type character varying(3)"},
		one("split_part", []arrow.DataType{tStr}, `[{"c0":"a,b,,c"}]`, str1("split_part", ",", int32(2)), "b"),
		one("split_part-neg", []arrow.DataType{tStr}, `[{"c0":"a,b,,c"}]`, str1("split_part", ",", int32(-1)), "c"),
		one("split_part-out", []arrow.DataType{tStr}, `[{"c0":"a,b,,c"}]`, str1("split_part", ",", int32(9)), ""),
		{name: "split_part-zero", types: s1, rows: rows, build: str1("split_part", ",", int32(0)), err: "field position must not be zero"},
		one("regexp_replace", s1, rows, str1("regexp_replace", "[lo]+", "_"), "  he_ world  ", "xxabcxx", ""),
		one("regexp_replace-g", s1, rows, str1("regexp_replace", "[lo]+", "<\\&>", "g"), "  he<llo> w<o>r<l>d  ", "xxabcxx", ""),
		one("regexp_replace-i-backref", []arrow.DataType{tStr}, `[{"c0":"Hello World"}]`, str1("regexp_replace", "(w)(o)", "\\2\\1", "gi"), "Hello oWrld"),
		{name: "regexp-bad", types: s1, rows: rows, build: str1("regexp_replace", "(", "x"), err: "invalid regular expression"},
		// regexp_match answers text[] (expr_array_funcs.go): the groups, or the whole match
		{name: "regexp_match", types: s1, rows: rows, build: str1("regexp_match", "(\\w)c"), want: []string{"NULL", `["b"]`, "NULL"}},
		one("regexp_match-whole", s1, rows, str1("regexp_match", "l+"), `["ll"]`, "NULL", "NULL"),
		one("left", s1, rows, str1("left", int32(4)), "  he", "xxab", ""),
		one("left-neg", s1, rows, str1("left", int32(-5)), "  hello wo", "xx", ""),
		one("right", s1, rows, str1("right", int32(3)), "d  ", "cxx", ""),
		one("lpad", []arrow.DataType{tStr}, `[{"c0":"hi"},{"c0":"hello"}]`, str1("lpad", int32(4), "xy"), "xyhi", "hell"),
		one("rpad", []arrow.DataType{tStr}, `[{"c0":"hi"}]`, str1("rpad", int32(5)), "hi   "),
		one("repeat", []arrow.DataType{tStr}, `[{"c0":"ab"}]`, str1("repeat", int32(3)), "ababab"),
		one("reverse", []arrow.DataType{tStr}, `[{"c0":"héllo"}]`, str1("reverse"), "olléh"),
		one("starts_with", s1, rows, str1("starts_with", "xx"), "false", "true", "false"),
		one("initcap", []arrow.DataType{tStr}, `[{"c0":"hi THOMAS o'neil"}]`, str1("initcap"), "Hi Thomas O'Neil"),
		one("translate", []arrow.DataType{tStr}, `[{"c0":"12345"}]`, str1("translate", "143", "ax"), "a2x5"),
		one("ascii", []arrow.DataType{tStr}, `[{"c0":"x"}]`, str1("ascii"), "120"),
		one("md5", []arrow.DataType{tStr}, `[{"c0":"abc"}]`, str1("md5"), "900150983cd24fb0d6963f7d28e17f72"),
		one("octet_length", []arrow.DataType{tStr}, `[{"c0":"héllo"}]`, str1("octet_length"), "6"),
		one("length", []arrow.DataType{tStr}, `[{"c0":"héllo"}]`, str1("length"), "5"),
		{name: "concat_pg", types: []arrow.DataType{tStr, tStr}, rows: `[{"c0":"a","c1":null},{"c0":null,"c1":"b"}]`,
			build: func(b eb) exec.Expr { return b.call("concat_pg", nil, b.col(0), b.lit("-"), b.col(1)) }, want: []string{"a-", "-b"}, nullRow: "-"},
		{name: "concat_ws", types: []arrow.DataType{tStr, tStr}, rows: `[{"c0":"a","c1":null},{"c0":"x","c1":"b"}]`,
			build: func(b eb) exec.Expr { return b.call("concat_ws", nil, b.lit(","), b.col(0), b.col(1), b.lit("z")) }, want: []string{"a,z", "x,b,z"}, nullRow: "z"},
		one("chr", []arrow.DataType{tI32}, `[{"c0":65},{"c0":233}]`, func(b eb) exec.Expr { return b.call("chr", nil, b.col(0)) }, "A", "é"),
	}
	runExprCases(t, cases)
}

func TestMathFunctions(t *testing.T) {
	f := []arrow.DataType{tF64}
	fr := `[{"c0":2.5},{"c0":-3.5},{"c0":0}]`
	d := []arrow.DataType{tDec(10, 3)}
	dr := `[{"c0":"2.555"},{"c0":"-3.505"},{"c0":"0.000"}]`
	i := []arrow.DataType{tI32}
	ir := `[{"c0":-7},{"c0":5}]`
	fn := func(name string, out arrow.DataType, extra ...any) func(b eb) exec.Expr {
		return func(b eb) exec.Expr {
			args := []exec.Expr{b.col(0)}
			for _, x := range extra {
				args = append(args, b.lit(x))
			}
			return b.call(name, out, args...)
		}
	}
	cases := []exprCase{
		one("abs-f", f, fr, fn("abs", tF64), "2.5", "3.5", "0"),
		one("abs-i", i, ir, fn("abs", tI32), "7", "5"),
		{name: "abs-overflow", types: i, rows: `[{"c0":-2147483648}]`, build: fn("abs", tI32), err: "integer out of range"},
		one("abs-d", d, dr, fn("abs", tDec(10, 3)), "2.555", "3.505", "0"),
		one("round-f", f, fr, fn("round", tF64), "2", "-4", "0"),
		one("round-d", d, dr, fn("round", tDec(10, 0)), "3", "-4", "0"),
		one("round-d-2", d, dr, fn("round", tDec(10, 2), int32(2)), "2.56", "-3.51", "0"),
		one("round-d-neg", []arrow.DataType{tDec(10, 1)}, `[{"c0":"1250.0"}]`, fn("round", tDec(10, 0), int32(-2)), "1300"),
		one("trunc-d", d, dr, fn("trunc", tDec(10, 1), int32(1)), "2.5", "-3.5", "0"),
		one("ceil-d", d, dr, fn("ceil", tDec(10, 0)), "3", "-3", "0"),
		one("floor-d", d, dr, fn("floor", tDec(10, 0)), "2", "-4", "0"),
		one("floor-f", f, fr, fn("floor", tF64), "2", "-4", "0"),
		one("sign", f, fr, fn("sign", tF64), "1", "-1", "0"),
		one("mod-i", i, ir, fn("mod", tI32, int32(3)), "-1", "2"),
		one("mod-d", d, dr, fn("mod", tDec(10, 3), decimalLit(1)), "0.555", "-0.505", "0"),
		{name: "mod-zero", types: i, rows: ir, build: fn("mod", tI32, int32(0)), err: "division by zero"},
		one("sqrt", []arrow.DataType{tF64}, `[{"c0":16}]`, fn("sqrt", tF64), "4"),
		{name: "sqrt-neg", types: f, rows: fr, build: fn("sqrt", tF64), err: "cannot take square root of a negative number"},
		one("cbrt", []arrow.DataType{tF64}, `[{"c0":27}]`, fn("cbrt", tF64), "3"),
		one("power", []arrow.DataType{tF64}, `[{"c0":2}]`, fn("power", tF64, 10.0), "1024"),
		{name: "power-zero-neg", types: []arrow.DataType{tF64}, rows: `[{"c0":0}]`, build: fn("power", tF64, -1.0), err: "zero raised to a negative power is undefined"},
		one("ln-exp", []arrow.DataType{tF64}, `[{"c0":1}]`, func(b eb) exec.Expr { return b.call("ln", tF64, b.call("exp", tF64, b.col(0))) }, "1"),
		one("log10", []arrow.DataType{tF64}, `[{"c0":1000}]`, fn("log10", tF64), "3"),
		{name: "ln-zero", types: f, rows: `[{"c0":0}]`, build: fn("ln", tF64), err: "cannot take logarithm of zero"},
		one("log-base", []arrow.DataType{tF64}, `[{"c0":2}]`, fn("log", tF64, 8.0), "3"),
		{name: "greatest", types: []arrow.DataType{tI32, tI32}, rows: `[{"c0":1,"c1":null},{"c0":3,"c1":9}]`, nullRow: "7",
			build: func(b eb) exec.Expr { return b.call("greatest", tI32, b.col(0), b.col(1), b.lit(int32(7))) }, want: []string{"7", "9"}},
		{name: "least-str", types: []arrow.DataType{tStr, tStr}, rows: `[{"c0":"b","c1":null},{"c0":"b","c1":"a"}]`,
			build: func(b eb) exec.Expr { return b.call("least", tStr, b.col(0), b.col(1)) }, want: []string{"b", "a"}},
		{name: "pi", types: []arrow.DataType{tI32}, rows: `[{"c0":1}]`, nullRow: "3.141592653589793",
			build: func(b eb) exec.Expr { return b.call("pi", tF64) }, want: []string{"3.141592653589793"}},
	}
	runExprCases(t, cases)
}

func decimalLit(v int64) any {
	return scalarDec(v, 10, 0)
}

func scalarDec(v int64, p, s int32) scalar.Scalar {
	return scalar.NewDecimal128Scalar(decimal128.FromI64(v), tDec(p, s))
}

func TestIntervalCompareAndSort(t *testing.T) {
	ivs := []arrow.DataType{tIv, tIv}
	rows := `[{"c0":{"months":0,"days":1,"nanoseconds":0},"c1":{"months":0,"days":0,"nanoseconds":86400000000000}},
		{"c0":{"months":1,"days":0,"nanoseconds":0},"c1":{"months":0,"days":29,"nanoseconds":0}}]`
	runExprCases(t, []exprCase{
		one("iv-eq", ivs, rows, func(b eb) exec.Expr { return b.call("equal", nil, b.col(0), b.col(1)) }, "true", "false"),
		one("iv-gt", ivs, rows, func(b eb) exec.Expr { return b.call("gt", nil, b.col(0), b.col(1)) }, "false", "true"),
		one("regexp_like", []arrow.DataType{tStr}, `[{"c0":"abc"},{"c0":"ABC"}]`, func(b eb) exec.Expr { return b.call("regexp_like", nil, b.col(0), b.lit("^a"), b.lit("i")) }, "true", "true"),
		one("make_date", []arrow.DataType{tI32}, `[{"c0":2024}]`, func(b eb) exec.Expr { return b.call("make_date", nil, b.col(0), b.lit(int32(2)), b.lit(int32(29))) }, "2024-02-29"),
		{name: "make_date-bad", types: []arrow.DataType{tI32}, rows: `[{"c0":2023}]`, err: "date field value out of range",
			build: func(b eb) exec.Expr { return b.call("make_date", nil, b.col(0), b.lit(int32(2)), b.lit(int32(29))) }},
	})
	mem := exectest.Alloc(t)
	s := schemaOf(tIv)
	rec := exectest.Record(t, mem, s, `[{"c0":{"months":1,"days":0,"nanoseconds":0}},{"c0":null},{"c0":{"months":0,"days":2,"nanoseconds":5}},{"c0":{"months":0,"days":0,"nanoseconds":3600000000000}}]`)
	defer rec.Release()
	op, err := exec.NewSort(exec.Env{Alloc: mem}, exectest.SourceOf(rec, 7), []exec.SortKey{{Col: 0}})
	if err != nil {
		t.Fatal(err)
	}
	got := exectest.Rows(t, op)
	if len(got) != 4 || !strings.Contains(got[0], "3600000000000") || !strings.Contains(got[1], "5") || got[3] != "NULL" {
		t.Fatalf("sorted intervals: %q", got)
	}
}

func TestIntervalAggregatesAndJustify(t *testing.T) {
	runExprCases(t, []exprCase{
		one("justify_hours", []arrow.DataType{tIv}, `[{"c0":{"months":0,"days":0,"nanoseconds":129600000000000}}]`,
			func(b eb) exec.Expr {
				iv := b.call("justify_hours", nil, b.col(0))
				return b.call("concat", tStr, b.cast(b.call("extract", tI32, b.lit("day"), iv), tStr), b.lit("/"), b.cast(b.call("extract", tI32, b.lit("hour"), iv), tStr))
			}, "1/12"),
	})
	s := arrow.NewSchema([]arrow.Field{{Name: "g", Type: tI32}, {Name: "v", Type: tIv, Nullable: true}}, nil)
	for _, size := range exectest.BatchSizes {
		mem := exectest.Alloc(t)
		rec := exectest.Record(t, mem, s, `[{"g":1,"v":{"months":1,"days":0,"nanoseconds":0}},{"g":1,"v":null},{"g":1,"v":{"months":0,"days":31,"nanoseconds":5000}}]`)
		op, err := exec.NewHashAggregate(exec.Env{Alloc: mem, BatchSize: size}, exectest.SourceOf(rec, size), []int{0}, []exec.AggSpec{
			{Func: exec.AggSum, Arg: 1, Out: tIv, Name: "s"}, {Func: exec.AggMax, Arg: 1, Out: tIv, Name: "mx"},
			{Func: exec.AggMin, Arg: 1, Out: tIv, Name: "mn"}, {Func: exec.AggAvg, Arg: 1, Out: tIv, Name: "a"}})
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
		got := exectest.Rows(t, op)
		if len(got) != 1 || got[0] != `1|{"months":1,"days":31,"nanoseconds":5000}|{"months":0,"days":31,"nanoseconds":5000}|{"months":1,"days":0,"nanoseconds":0}|{"months":0,"days":30,"nanoseconds":43200000003000}` {
			t.Fatalf("interval aggregates: %q", got)
		}
	}
}
