package optimizer

import (
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

func TestFoldConstants(t *testing.T) {
	a := colRef(0, "a")
	tr := &logical.Literal{Typ: catalog.Bool, Value: true}
	null := &logical.Literal{Typ: catalog.Int32}
	cases := []struct {
		in   logical.Expr
		want string
	}{
		{fn("add", catalog.Int32, i32(1), i32(2)), "3::integer"},
		{fn("multiply", catalog.Int32, i32(1<<30), i32(4)), "multiply(1073741824::integer, 4::integer)"}, // overflow: runtime error
		{fn("divide", catalog.Int32, i32(7), i32(-2)), "-3::integer"},
		{fn("divide", catalog.Int32, i32(7), i32(0)), "divide(7::integer, 0::integer)"},
		{fn("modulus", catalog.Int32, i32(-7), i32(3)), "-1::integer"},
		{fn("add", catalog.Int32, a, null), "NULL::integer"},
		{fn("lt", catalog.Bool, i32(1), i32(2)), "true::boolean"},
		{fn("and", catalog.Bool, tr, fn("gt", catalog.Bool, a, i32(1))), "gt(a#0, 1::integer)"},
		{fn("or", catalog.Bool, &logical.Literal{Typ: catalog.Bool, Value: false}, tr), "true::boolean"},
		{&logical.Cast{Input: &logical.Literal{Typ: catalog.Type{}, Value: "2020-01-02"}, To: catalog.Date}, "2020-01-02::date"},
		{&logical.Case{Whens: []logical.When{{Cond: &logical.Literal{Typ: catalog.Bool, Value: false}, Result: i32(1)}}, Else: a, Typ: catalog.Int32}, "a#0"},
		{fn("is_null", catalog.Bool, null), "true::boolean"},
		// timestamp - timestamp is an interval (int64 operands, not an int64 result): folded by
		// the executor's kernel, which knows the difference
		{fn("subtract", catalog.Interval, &logical.Literal{Typ: catalog.Timestamp, Value: int64(86400_000000)}, &logical.Literal{Typ: catalog.Timestamp, Value: int64(0)}),
			"'1 day'::interval"},
		{fn("subtract", catalog.Int16, i16(-32768), i16(1)), "subtract(-32768::smallint, 1::smallint)"}, // overflow of smallint
		{fn("divide", catalog.Numeric(38, 16), dec("1", 0), dec("3", 0)), "0.3333333333333333::numeric(38,16)"},
		{fn("concat", catalog.Text, &logical.Literal{Typ: catalog.Text, Value: "a"}, &logical.Literal{Typ: catalog.Text, Value: "b"}), "'ab'::text"},
		{fn(logical.FnConcatFunc, catalog.Text, &logical.Literal{Typ: catalog.Text, Value: "a"}, &logical.Literal{Typ: catalog.Text}, &logical.Literal{Typ: catalog.Text, Value: "b"}), "'ab'::text"},
	}
	for _, c := range cases {
		if got := Fold(c.in).String(); got != c.want {
			t.Errorf("Fold(%s) = %s, want %s", c.in, got, c.want)
		}
	}
	// a filter that folds to true disappears
	s := scan("t", 10, "a")
	out, changed := apply(t, FoldConstants{}, &logical.Filter{Input: s, Cond: fn("lt", catalog.Bool, i32(1), i32(2))})
	if !changed || out != logical.Node(s) {
		t.Errorf("true filter kept: %s", explain(out))
	}
	if _, changed := apply(t, FoldConstants{}, s); changed {
		t.Errorf("unchanged plan reported as changed")
	}
}

func i16(v int64) *logical.Literal { return &logical.Literal{Typ: catalog.Int16, Value: v} }

// dec is the numeric(38,s) literal of the decimal text v.
func dec(v string, s int32) *logical.Literal {
	t := catalog.Numeric(38, s)
	x, err := logical.ParseValue(v, t)
	if err != nil {
		panic(err)
	}
	return &logical.Literal{Typ: t, Value: x}
}
