package exec_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/tern-db/tern/exec"
)

func TestArithmeticInt(t *testing.T) {
	rows := `[{"c0":1,"c1":2},{"c0":-7,"c1":2},{"c0":null,"c1":3},{"c0":7,"c1":-2},{"c0":5,"c1":null},{"c0":0,"c1":9}]`
	var cases []exprCase
	for _, tt := range []struct {
		typ  arrow.DataType
		name string
		want []string
	}{
		{tI16, "add", []string{"3", "-5", "NULL", "5", "NULL", "9"}},
		{tI32, "subtract", []string{"-1", "-9", "NULL", "9", "NULL", "-9"}},
		{tI64, "multiply", []string{"2", "-14", "NULL", "-14", "NULL", "0"}},
		{tI32, "divide", []string{"0", "-3", "NULL", "-3", "NULL", "0"}},
		{tI64, "divide", []string{"0", "-3", "NULL", "-3", "NULL", "0"}},
		{tI32, "modulus", []string{"1", "-1", "NULL", "1", "NULL", "0"}},
		{tI64, "modulus", []string{"1", "-1", "NULL", "1", "NULL", "0"}},
	} {
		tt := tt
		cases = append(cases, exprCase{
			name: tt.name + "/" + tt.typ.String(), types: []arrow.DataType{tt.typ, tt.typ}, rows: rows,
			build: func(b eb) exec.Expr { return b.call(tt.name, tt.typ, b.col(0), b.col(1)) },
			want:  tt.want,
		})
	}
	cases = append(cases,
		exprCase{name: "add-literal", types: []arrow.DataType{tI32}, rows: `[{"c0":1},{"c0":null},{"c0":41}]`,
			build: func(b eb) exec.Expr { return b.call("add", tI32, b.col(0), b.lit(int32(1))) },
			want:  []string{"2", "NULL", "42"}},
		exprCase{name: "negate", types: []arrow.DataType{tI64}, rows: `[{"c0":1},{"c0":null},{"c0":-41}]`,
			build: func(b eb) exec.Expr { return b.call("negate", tI64, b.col(0)) },
			want:  []string{"-1", "NULL", "41"}},
		exprCase{name: "null-literal", types: []arrow.DataType{tI32}, rows: `[{"c0":1},{"c0":2}]`,
			build: func(b eb) exec.Expr { return b.call("add", tI32, b.col(0), b.null(tI32)) },
			want:  []string{"NULL", "NULL"}},
		exprCase{name: "overflow-int32", types: []arrow.DataType{tI32}, rows: `[{"c0":1},{"c0":2147483647}]`,
			build: func(b eb) exec.Expr { return b.call("add", tI32, b.col(0), b.lit(int32(1))) },
			err:   "integer out of range"},
		exprCase{name: "overflow-int16", types: []arrow.DataType{tI16}, rows: `[{"c0":200}]`,
			build: func(b eb) exec.Expr { return b.call("multiply", tI16, b.col(0), b.col(0)) },
			err:   "smallint out of range"},
		exprCase{name: "overflow-int64", types: []arrow.DataType{tI64}, rows: `[{"c0":9223372036854775807}]`,
			build: func(b eb) exec.Expr { return b.call("multiply", tI64, b.col(0), b.lit(int64(2))) },
			err:   "bigint out of range"},
		exprCase{name: "overflow-int64-sub", types: []arrow.DataType{tI64}, rows: `[{"c0":-9223372036854775807}]`,
			build: func(b eb) exec.Expr { return b.call("subtract", tI64, b.col(0), b.lit(int64(2))) },
			err:   "bigint out of range"},
		exprCase{name: "div-zero", types: []arrow.DataType{tI32, tI32}, rows: `[{"c0":1,"c1":1},{"c0":1,"c1":0}]`,
			build: func(b eb) exec.Expr { return b.call("divide", tI32, b.col(0), b.col(1)) },
			err:   "division by zero"},
		exprCase{name: "mod-zero", types: []arrow.DataType{tI64, tI64}, rows: `[{"c0":1,"c1":0}]`,
			build: func(b eb) exec.Expr { return b.call("modulus", tI64, b.col(0), b.col(1)) },
			err:   "division by zero"},
		// A NULL dividend with a zero divisor is NULL, not an error.
		exprCase{name: "div-zero-null", types: []arrow.DataType{tI32, tI32}, rows: `[{"c0":null,"c1":0},{"c0":4,"c1":2}]`,
			build: func(b eb) exec.Expr { return b.call("divide", tI32, b.col(0), b.col(1)) },
			want:  []string{"NULL", "2"}},
		exprCase{name: "min-div-minus-one", types: []arrow.DataType{tI64}, rows: `[{"c0":-9223372036854775808}]`,
			build: func(b eb) exec.Expr { return b.call("divide", tI64, b.col(0), b.lit(int64(-1))) },
			err:   "bigint out of range"},
	)
	runExprCases(t, cases)
}

func TestArithmeticFloatDate(t *testing.T) {
	runExprCases(t, []exprCase{
		{name: "float-add", types: []arrow.DataType{tF64, tF64}, rows: `[{"c0":1.5,"c1":2.25},{"c0":null,"c1":1}]`,
			build: func(b eb) exec.Expr { return b.call("add", tF64, b.col(0), b.col(1)) },
			want:  []string{"3.75", "NULL"}},
		{name: "float-div-zero", types: []arrow.DataType{tF64}, rows: `[{"c0":1.5}]`,
			build: func(b eb) exec.Expr { return b.call("divide", tF64, b.col(0), b.lit(float64(0))) },
			err:   "division by zero"},
		{name: "float-overflow", types: []arrow.DataType{tF64}, rows: `[{"c0":1e308}]`,
			build: func(b eb) exec.Expr { return b.call("multiply", tF64, b.col(0), b.lit(float64(10))) },
			err:   "value out of range: overflow"},
		{name: "float32", types: []arrow.DataType{tF32}, rows: `[{"c0":1.5}]`,
			build: func(b eb) exec.Expr { return b.call("subtract", tF32, b.col(0), b.lit(float32(0.5))) },
			want:  []string{"1"}},
		{name: "date-plus-int", types: []arrow.DataType{tDate, tI32}, rows: `[{"c0":"1998-12-01","c1":30},{"c0":"2000-02-28","c1":1}]`,
			build: func(b eb) exec.Expr { return b.cast(b.call("add", tDate, b.col(0), b.col(1)), tStr) },
			want:  []string{"1998-12-31", "2000-02-29"}},
		{name: "date-minus-int", types: []arrow.DataType{tDate}, rows: `[{"c0":"1998-12-01"}]`,
			build: func(b eb) exec.Expr {
				return b.cast(b.call("subtract", tDate, b.col(0), b.lit(int32(90))), tStr)
			},
			want: []string{"1998-09-02"}},
		{name: "date-minus-interval", types: []arrow.DataType{tDate}, rows: `[{"c0":"1998-12-01"},{"c0":"2000-03-31"}]`,
			build: func(b eb) exec.Expr {
				iv := b.lit(scalar.NewMonthDayNanoIntervalScalar(arrow.MonthDayNanoInterval{Months: 1, Days: 90}))
				return b.cast(b.call("subtract", tDate, b.col(0), iv), tStr)
			},
			want: []string{"1998-08-03", "1999-12-01"}},
		{name: "timestamp-plus-interval", types: []arrow.DataType{tTs}, rows: `[{"c0":"2000-01-31 10:00:00"}]`,
			build: func(b eb) exec.Expr {
				iv := b.lit(scalar.NewMonthDayNanoIntervalScalar(arrow.MonthDayNanoInterval{Months: 1, Nanoseconds: 3600e9}))
				return b.cast(b.call("add", nil, b.col(0), iv), tStr)
			},
			want: []string{"2000-02-29 11:00:00"}},
		{name: "date-minus-date", types: []arrow.DataType{tDate, tDate}, rows: `[{"c0":"1998-12-01","c1":"1998-01-01"}]`,
			build: func(b eb) exec.Expr { return b.call("subtract", tI32, b.col(0), b.col(1)) },
			want:  []string{"334"}},
	})
}

func TestArithmeticDecimal(t *testing.T) {
	d152 := tDec(15, 2)
	d124 := tDec(12, 4)
	runExprCases(t, []exprCase{
		{name: "add-mixed-scale", types: []arrow.DataType{d152, d124},
			rows:  `[{"c0":"1.25","c1":"0.0001"},{"c0":"-3.10","c1":"2.5555"},{"c0":null,"c1":"1"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.call("add", tDec(17, 4), b.col(0), b.col(1)), tStr) },
			want:  []string{"1.2501", "-0.5445", "NULL"}},
		{name: "subtract-round", types: []arrow.DataType{d124, d124},
			rows:  `[{"c0":"1.0005","c1":"0"},{"c0":"-1.0005","c1":"0"},{"c0":"1.0004","c1":"0"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.call("subtract", tDec(12, 3), b.col(0), b.col(1)), tStr) },
			want:  []string{"1.001", "-1.001", "1.000"}},
		{name: "multiply", types: []arrow.DataType{d152, d152},
			rows:  `[{"c0":"1.25","c1":"0.96"},{"c0":"-100.01","c1":"1.01"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.call("multiply", tDec(31, 4), b.col(0), b.col(1)), tStr) },
			want:  []string{"1.2000", "-101.0101"}},
		{name: "multiply-round-2", types: []arrow.DataType{d152, d152},
			rows:  `[{"c0":"1.25","c1":"0.95"},{"c0":"-1.25","c1":"0.95"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.call("multiply", tDec(15, 2), b.col(0), b.col(1)), tStr) },
			want:  []string{"1.19", "-1.19"}},
		{name: "divide", types: []arrow.DataType{d152, d152},
			rows:  `[{"c0":"1.00","c1":"3.00"},{"c0":"2.00","c1":"3.00"},{"c0":"-2.00","c1":"3.00"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.call("divide", tDec(38, 6), b.col(0), b.col(1)), tStr) },
			want:  []string{"0.333333", "0.666667", "-0.666667"}},
		{name: "modulus", types: []arrow.DataType{d152, d124},
			rows:  `[{"c0":"10.50","c1":"3.0000"},{"c0":"-10.50","c1":"3.0000"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.call("modulus", tDec(12, 4), b.col(0), b.col(1)), tStr) },
			want:  []string{"1.5000", "-1.5000"}},
		{name: "big-values", types: []arrow.DataType{tDec(38, 0), tDec(38, 0)},
			rows:  `[{"c0":"12345678901234567890123456789","c1":"1000000000"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.call("multiply", tDec(38, 0), b.col(0), b.col(1)), tStr) },
			want:  []string{"12345678901234567890123456789000000000"}},
		{name: "overflow", types: []arrow.DataType{tDec(38, 0)},
			rows:  `[{"c0":"99999999999999999999999999999999999999"}]`,
			build: func(b eb) exec.Expr { return b.call("add", tDec(38, 0), b.col(0), b.dec(1, 38, 0)) },
			err:   "numeric field overflow"},
		{name: "div-zero", types: []arrow.DataType{d152},
			rows:  `[{"c0":"1.00"}]`,
			build: func(b eb) exec.Expr { return b.call("divide", tDec(38, 6), b.col(0), b.dec(0, 15, 2)) },
			err:   "division by zero"},
		{name: "negate", types: []arrow.DataType{d152},
			rows:  `[{"c0":"1.25"},{"c0":"-0.01"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.call("negate", d152, b.col(0)), tStr) },
			want:  []string{"-1.25", "0.01"}},
	})
}

func TestCompare(t *testing.T) {
	var cases []exprCase
	ops := []string{"equal", "not_equal", "lt", "lte", "gt", "gte"}
	type fam struct {
		name  string
		types []arrow.DataType
		rows  string
		want  map[string][]string
	}
	rowsInt := `[{"c0":1,"c1":2},{"c0":2,"c1":2},{"c0":3,"c1":2},{"c0":null,"c1":2}]`
	want := map[string][]string{
		"equal":     {"false", "true", "false", "NULL"},
		"not_equal": {"true", "false", "true", "NULL"},
		"lt":        {"true", "false", "false", "NULL"},
		"lte":       {"true", "true", "false", "NULL"},
		"gt":        {"false", "false", "true", "NULL"},
		"gte":       {"false", "true", "true", "NULL"},
	}
	fams := []fam{
		{"int16", []arrow.DataType{tI16, tI16}, rowsInt, want},
		{"int32", []arrow.DataType{tI32, tI32}, rowsInt, want},
		{"int64", []arrow.DataType{tI64, tI64}, rowsInt, want},
		{"float64", []arrow.DataType{tF64, tF64}, `[{"c0":1.5,"c1":2},{"c0":2,"c1":2},{"c0":3,"c1":2},{"c0":null,"c1":2}]`, want},
		{"string", []arrow.DataType{tStr, tStr}, `[{"c0":"a","c1":"b"},{"c0":"b","c1":"b"},{"c0":"ba","c1":"b"},{"c0":null,"c1":"b"}]`, want},
		{"bool", []arrow.DataType{tBool, tBool}, `[{"c0":false,"c1":true},{"c0":true,"c1":true},{"c0":true,"c1":false},{"c0":null,"c1":true}]`, want},
		{"date", []arrow.DataType{tDate, tDate}, `[{"c0":"1998-01-01","c1":"1998-01-02"},{"c0":"1998-01-02","c1":"1998-01-02"},{"c0":"1999-01-01","c1":"1998-01-02"},{"c0":null,"c1":"1998-01-02"}]`, want},
		{"timestamp", []arrow.DataType{tTs, tTs}, `[{"c0":"1998-01-01 00:00:00","c1":"1998-01-01 00:00:01"},{"c0":"1998-01-01 00:00:01","c1":"1998-01-01 00:00:01"},{"c0":"1999-01-01 00:00:00","c1":"1998-01-01 00:00:01"},{"c0":null,"c1":"1998-01-01 00:00:01"}]`, want},
		{"decimal-scales", []arrow.DataType{tDec(10, 1), tDec(12, 3)}, `[{"c0":"1.9","c1":"1.950"},{"c0":"1.9","c1":"1.900"},{"c0":"2.0","c1":"1.999"},{"c0":null,"c1":"1"}]`, want},
	}
	for _, f := range fams {
		for _, op := range ops {
			f, op := f, op
			cases = append(cases, exprCase{name: f.name + "/" + op, types: f.types, rows: f.rows,
				build: func(b eb) exec.Expr { return b.call(op, nil, b.col(0), b.col(1)) },
				want:  f.want[op]})
		}
	}
	cases = append(cases,
		exprCase{name: "literal-rhs", types: []arrow.DataType{tI64}, rows: `[{"c0":1},{"c0":5},{"c0":null}]`,
			build: func(b eb) exec.Expr { return b.call("gt", nil, b.col(0), b.lit(int64(3))) },
			want:  []string{"false", "true", "NULL"}},
		exprCase{name: "literal-lhs", types: []arrow.DataType{tStr}, rows: `[{"c0":"a"},{"c0":"z"}]`,
			build: func(b eb) exec.Expr { return b.call("lt", nil, b.lit("m"), b.col(0)) },
			want:  []string{"false", "true"}},
		exprCase{name: "nan", types: []arrow.DataType{tF64}, rows: `[{"c0":1}]`,
			build: func(b eb) exec.Expr {
				nan := b.call("divide", tF64, b.lit(float64(0)), b.lit(float64(1)))
				_ = nan
				return b.call("gt", nil, b.cast(b.lit("NaN"), tF64), b.col(0))
			},
			want: []string{"true"}},
		exprCase{name: "is_null", types: []arrow.DataType{tI32}, rows: `[{"c0":1},{"c0":null}]`,
			build: func(b eb) exec.Expr { return b.call("is_null", nil, b.col(0)) },
			want:  []string{"false", "true"}, nullRow: "true"},
		exprCase{name: "is_not_null", types: []arrow.DataType{tStr}, rows: `[{"c0":"x"},{"c0":null}]`,
			build: func(b eb) exec.Expr { return b.call("is_not_null", nil, b.col(0)) },
			want:  []string{"true", "false"}, nullRow: "false"},
		exprCase{name: "is_distinct_from", types: []arrow.DataType{tI32, tI32},
			rows:  `[{"c0":1,"c1":1},{"c0":1,"c1":2},{"c0":null,"c1":2},{"c0":1,"c1":null},{"c0":null,"c1":null}]`,
			build: func(b eb) exec.Expr { return b.call("is_distinct_from", nil, b.col(0), b.col(1)) },
			want:  []string{"false", "true", "true", "true", "false"}, nullRow: "false"},
		exprCase{name: "is_not_distinct_from", types: []arrow.DataType{tStr, tStr},
			rows:  `[{"c0":"a","c1":"a"},{"c0":"a","c1":"b"},{"c0":null,"c1":"b"},{"c0":null,"c1":null}]`,
			build: func(b eb) exec.Expr { return b.call("is_not_distinct_from", nil, b.col(0), b.col(1)) },
			want:  []string{"true", "false", "false", "true"}, nullRow: "true"},
	)
	runExprCases(t, cases)
}

func TestLogic(t *testing.T) {
	// All nine combinations of TRUE, FALSE, NULL.
	rows := `[{"c0":true,"c1":true},{"c0":true,"c1":false},{"c0":true,"c1":null},
	{"c0":false,"c1":true},{"c0":false,"c1":false},{"c0":false,"c1":null},
	{"c0":null,"c1":true},{"c0":null,"c1":false},{"c0":null,"c1":null}]`
	bb := []arrow.DataType{tBool, tBool}
	runExprCases(t, []exprCase{
		{name: "and", types: bb, rows: rows,
			build: func(b eb) exec.Expr { return b.call("and", nil, b.col(0), b.col(1)) },
			want:  []string{"true", "false", "NULL", "false", "false", "false", "NULL", "false", "NULL"}},
		{name: "or", types: bb, rows: rows,
			build: func(b eb) exec.Expr { return b.call("or", nil, b.col(0), b.col(1)) },
			want:  []string{"true", "true", "true", "true", "false", "NULL", "true", "NULL", "NULL"}},
		{name: "not", types: bb, rows: rows,
			build: func(b eb) exec.Expr { return b.call("not", nil, b.col(1)) },
			want:  []string{"false", "true", "NULL", "false", "true", "NULL", "false", "true", "NULL"}},
		{name: "and-variadic-literal", types: bb, rows: rows,
			build: func(b eb) exec.Expr { return b.call("and", nil, b.col(0), b.col(1), b.lit(true)) },
			want:  []string{"true", "false", "NULL", "false", "false", "false", "NULL", "false", "NULL"}},
		{name: "or-false-literal", types: bb, rows: rows,
			build: func(b eb) exec.Expr { return b.call("or", nil, b.lit(false), b.col(1)) },
			want:  []string{"true", "false", "NULL", "true", "false", "NULL", "true", "false", "NULL"}},
		{name: "or-null-literal", types: bb, rows: rows,
			build: func(b eb) exec.Expr { return b.call("or", nil, b.null(tBool), b.col(1)) },
			want:  []string{"true", "NULL", "NULL", "true", "NULL", "NULL", "true", "NULL", "NULL"}},
		{name: "in-list", types: []arrow.DataType{tI32}, rows: `[{"c0":1},{"c0":2},{"c0":5}]`,
			build: func(b eb) exec.Expr {
				in, err := exec.NewInList(b.col(0), []exec.Expr{b.lit(int32(1)), b.lit(int32(5))})
				if err != nil {
					t.Fatal(err)
				}
				return in
			},
			want: []string{"true", "false", "true"}},
		{name: "in-list-null-option", types: []arrow.DataType{tStr}, rows: `[{"c0":"a"},{"c0":"b"}]`,
			build: func(b eb) exec.Expr {
				in, err := exec.NewInList(b.col(0), []exec.Expr{b.lit("a"), b.null(tStr)})
				if err != nil {
					t.Fatal(err)
				}
				return in
			},
			want: []string{"true", "NULL"}},
	})
}

func TestStrings(t *testing.T) {
	s := []arrow.DataType{tStr}
	runExprCases(t, []exprCase{
		{name: "concat", types: []arrow.DataType{tStr, tStr}, rows: `[{"c0":"ab","c1":"cd"},{"c0":"","c1":"x"},{"c0":"a","c1":null}]`,
			build: func(b eb) exec.Expr { return b.call("concat", tStr, b.col(0), b.lit("-"), b.col(1)) },
			want:  []string{"ab-cd", "-x", "NULL"}},
		{name: "lower-upper", types: s, rows: `[{"c0":"AbÇ"},{"c0":""}]`,
			build: func(b eb) exec.Expr {
				return b.call("concat", tStr, b.call("lower", tStr, b.col(0)), b.call("upper", tStr, b.col(0)))
			},
			want: []string{"abçABÇ", ""}},
		{name: "char_length", types: s, rows: `[{"c0":"héllo"},{"c0":""}]`,
			build: func(b eb) exec.Expr { return b.call("char_length", tI32, b.col(0)) },
			want:  []string{"5", "0"}},
		{name: "substring", types: s, rows: `[{"c0":"hello"},{"c0":"héllo"}]`,
			build: func(b eb) exec.Expr { return b.call("substring", tStr, b.col(0), b.lit(int32(2)), b.lit(int32(3))) },
			want:  []string{"ell", "éll"}},
		{name: "substring-from-zero", types: s, rows: `[{"c0":"hello"}]`,
			build: func(b eb) exec.Expr { return b.call("substring", tStr, b.col(0), b.lit(int32(0)), b.lit(int32(3))) },
			want:  []string{"he"}},
		{name: "substring-no-length", types: s, rows: `[{"c0":"hello"},{"c0":"hi"}]`,
			build: func(b eb) exec.Expr { return b.call("substring", tStr, b.col(0), b.lit(int64(3))) },
			want:  []string{"llo", ""}},
		{name: "substring-negative", types: s, rows: `[{"c0":"hello"}]`,
			build: func(b eb) exec.Expr { return b.call("substring", tStr, b.col(0), b.lit(int32(1)), b.lit(int32(-1))) },
			err:   "negative substring length not allowed"},
		{name: "like-prefix", types: s, rows: `[{"c0":"PROMO BRUSHED"},{"c0":"STANDARD"},{"c0":"promo"}]`,
			build: func(b eb) exec.Expr { return b.call("like", tBool, b.col(0), b.lit("PROMO%")) },
			want:  []string{"true", "false", "false"}},
		{name: "like-general", types: s, rows: `[{"c0":"special requests"},{"c0":"specialrequest"},{"c0":"x special y requests z"},{"c0":"a%b"}]`,
			build: func(b eb) exec.Expr { return b.call("like", tBool, b.col(0), b.lit("%special%requests%")) },
			want:  []string{"true", "false", "true", "false"}},
		{name: "like-underscore-escape", types: s, rows: `[{"c0":"a%c"},{"c0":"abc"},{"c0":"a%"},{"c0":"ab"}]`,
			build: func(b eb) exec.Expr { return b.call("like", tBool, b.col(0), b.lit(`a\%_`)) },
			want:  []string{"true", "false", "false", "false"}},
		{name: "like-exact-suffix", types: s, rows: `[{"c0":"xyzBRASS"},{"c0":"BRASS"},{"c0":"BRAS"}]`,
			build: func(b eb) exec.Expr { return b.call("like", tBool, b.col(0), b.lit("%BRASS")) },
			want:  []string{"true", "true", "false"}},
		{name: "ilike", types: s, rows: `[{"c0":"Hello World"},{"c0":"HELLO"}]`,
			build: func(b eb) exec.Expr { return b.call("ilike", tBool, b.col(0), b.lit("hello%")) },
			want:  []string{"true", "true"}},
		{name: "like-column-pattern", types: []arrow.DataType{tStr, tStr}, rows: `[{"c0":"abc","c1":"a_c"},{"c0":"abc","c1":"b%"},{"c0":"abc","c1":null}]`,
			build: func(b eb) exec.Expr { return b.call("like", tBool, b.col(0), b.col(1)) },
			want:  []string{"true", "false", "NULL"}},
	})
}

func TestCase(t *testing.T) {
	ii := []arrow.DataType{tI32}
	runExprCases(t, []exprCase{
		// CASE WHEN x = 0 THEN 0 ELSE 100 / x END: the ELSE branch never sees x = 0.
		{name: "lazy-division", types: ii, rows: `[{"c0":0},{"c0":5},{"c0":-3},{"c0":0},{"c0":null},{"c0":100}]`,
			build: func(b eb) exec.Expr {
				c, err := exec.NewCase(
					[]exec.Expr{b.call("equal", nil, b.col(0), b.lit(int32(0)))},
					[]exec.Expr{b.lit(int32(0))},
					b.call("divide", tI32, b.lit(int32(100)), b.col(0)), tI32)
				if err != nil {
					t.Fatal(err)
				}
				return c
			},
			want: []string{"0", "20", "-33", "0", "NULL", "1"}},
		{name: "multi-when-no-else", types: ii, rows: `[{"c0":1},{"c0":2},{"c0":3}]`,
			build: func(b eb) exec.Expr {
				c, err := exec.NewCase(
					[]exec.Expr{b.call("equal", nil, b.col(0), b.lit(int32(1))), b.call("lte", nil, b.col(0), b.lit(int32(2)))},
					[]exec.Expr{b.lit("one"), b.lit("small")}, nil, tStr)
				if err != nil {
					t.Fatal(err)
				}
				return c
			},
			want: []string{"one", "small", "NULL"}},
		{name: "all-one-branch", types: ii, rows: `[{"c0":1},{"c0":2}]`,
			build: func(b eb) exec.Expr {
				c, err := exec.NewCase([]exec.Expr{b.call("gt", nil, b.col(0), b.lit(int32(0)))},
					[]exec.Expr{b.col(0)}, b.lit(int32(-1)), tI32)
				if err != nil {
					t.Fatal(err)
				}
				return c
			},
			want: []string{"1", "2"}, nullRow: "-1"},
	})
}

func TestCast(t *testing.T) {
	runExprCases(t, []exprCase{
		{name: "text-to-int", types: []arrow.DataType{tStr}, rows: `[{"c0":" 42 "},{"c0":"-7"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.col(0), tI32) },
			want:  []string{"42", "-7"}},
		{name: "text-to-int-bad", types: []arrow.DataType{tStr}, rows: `[{"c0":"abc"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.col(0), tI32) },
			err:   `invalid input syntax for type integer: "abc"`},
		{name: "text-to-int-range", types: []arrow.DataType{tStr}, rows: `[{"c0":"99999999999"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.col(0), tI32) },
			err:   `value "99999999999" is out of range for type integer`},
		{name: "float-to-int-rounds-even", types: []arrow.DataType{tF64}, rows: `[{"c0":2.5},{"c0":3.5},{"c0":-2.5},{"c0":2.6}]`,
			build: func(b eb) exec.Expr { return b.cast(b.col(0), tI32) },
			want:  []string{"2", "4", "-2", "3"}},
		{name: "numeric-to-int-rounds-away", types: []arrow.DataType{tDec(10, 1)}, rows: `[{"c0":"2.5"},{"c0":"-2.5"},{"c0":"2.4"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.col(0), tI64) },
			want:  []string{"3", "-3", "2"}},
		{name: "int-narrowing-range", types: []arrow.DataType{tI64}, rows: `[{"c0":40000}]`,
			build: func(b eb) exec.Expr { return b.cast(b.col(0), tI16) },
			err:   "smallint out of range"},
		{name: "int-to-numeric", types: []arrow.DataType{tI32}, rows: `[{"c0":12},{"c0":-3}]`,
			build: func(b eb) exec.Expr { return b.cast(b.cast(b.col(0), tDec(5, 2)), tStr) },
			want:  []string{"12.00", "-3.00"}},
		{name: "int-to-numeric-overflow", types: []arrow.DataType{tI32}, rows: `[{"c0":1234}]`,
			build: func(b eb) exec.Expr { return b.cast(b.col(0), tDec(5, 2)) },
			err:   "numeric field overflow"},
		{name: "numeric-rescale", types: []arrow.DataType{tDec(10, 3)}, rows: `[{"c0":"1.005"},{"c0":"-1.005"},{"c0":"1.004"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.cast(b.col(0), tDec(10, 2)), tStr) },
			want:  []string{"1.01", "-1.01", "1.00"}},
		{name: "text-to-numeric", types: []arrow.DataType{tStr}, rows: `[{"c0":"1.235"},{"c0":"-0.5e1"},{"c0":".5"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.cast(b.col(0), tDec(10, 2)), tStr) },
			want:  []string{"1.24", "-5.00", "0.50"}},
		{name: "float-to-numeric", types: []arrow.DataType{tF64}, rows: `[{"c0":0.1},{"c0":2.675}]`,
			build: func(b eb) exec.Expr { return b.cast(b.cast(b.col(0), tDec(10, 2)), tStr) },
			want:  []string{"0.10", "2.68"}},
		{name: "numeric-to-float", types: []arrow.DataType{tDec(10, 2)}, rows: `[{"c0":"0.10"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.col(0), tF64) },
			want:  []string{"0.1"}},
		{name: "float-to-text", types: []arrow.DataType{tF64}, rows: `[{"c0":0.1},{"c0":1e15},{"c0":123456789012345},{"c0":0.0001},{"c0":0.00001},{"c0":-2.5}]`,
			build: func(b eb) exec.Expr { return b.cast(b.col(0), tStr) },
			want:  []string{"0.1", "1e+15", "123456789012345", "0.0001", "1e-05", "-2.5"}},
		{name: "bool-text", types: []arrow.DataType{tStr}, rows: `[{"c0":"t"},{"c0":"off"},{"c0":"YES"},{"c0":"0"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.cast(b.col(0), tBool), tStr) },
			want:  []string{"true", "false", "true", "false"}},
		{name: "bool-bad", types: []arrow.DataType{tStr}, rows: `[{"c0":"maybe"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.col(0), tBool) },
			err:   `invalid input syntax for type boolean: "maybe"`},
		{name: "bool-int", types: []arrow.DataType{tBool}, rows: `[{"c0":true},{"c0":false}]`,
			build: func(b eb) exec.Expr { return b.cast(b.col(0), tI32) },
			want:  []string{"1", "0"}},
		{name: "date-text", types: []arrow.DataType{tStr}, rows: `[{"c0":"1998-12-01"},{"c0":"2000-02-29"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.cast(b.col(0), tDate), tStr) },
			want:  []string{"1998-12-01", "2000-02-29"}},
		{name: "date-bad", types: []arrow.DataType{tStr}, rows: `[{"c0":"1999-02-29"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.col(0), tDate) },
			err:   `invalid input syntax for type date: "1999-02-29"`},
		{name: "timestamp-text", types: []arrow.DataType{tStr}, rows: `[{"c0":"1998-12-01 10:00:00"},{"c0":"1998-12-01T10:00:00.5"},{"c0":"1960-01-01"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.cast(b.col(0), tTs), tStr) },
			want:  []string{"1998-12-01 10:00:00", "1998-12-01 10:00:00.5", "1960-01-01 00:00:00"}},
		{name: "timestamptz-text", types: []arrow.DataType{tStr}, rows: `[{"c0":"1998-12-01 10:00:00+02"},{"c0":"1998-12-01 10:00:00"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.cast(b.col(0), tTsz), tStr) },
			want:  []string{"1998-12-01 08:00:00+00", "1998-12-01 10:00:00+00"}},
		{name: "timestamp-to-date", types: []arrow.DataType{tStr}, rows: `[{"c0":"1969-12-31 23:00:00"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.cast(b.cast(b.col(0), tTs), tDate), tStr) },
			want:  []string{"1969-12-31"}},
		{name: "date-to-timestamptz", types: []arrow.DataType{tDate}, rows: `[{"c0":"1998-12-01"}]`,
			build: func(b eb) exec.Expr { return b.cast(b.cast(b.col(0), tTsz), tStr) },
			want:  []string{"1998-12-01 00:00:00+00"}},
		{name: "int-text", types: []arrow.DataType{tI64}, rows: `[{"c0":-12}]`,
			build: func(b eb) exec.Expr { return b.cast(b.col(0), tStr) },
			want:  []string{"-12"}},
		{name: "literal-cast", types: []arrow.DataType{tI32}, rows: `[{"c0":1},{"c0":2}]`,
			build: func(b eb) exec.Expr { return b.call("add", tI32, b.col(0), b.cast(b.lit("10"), tI32)) },
			want:  []string{"11", "12"}},
	})
}
