package exec

import (
	"bytes"
	"strings"
	"testing"
)

func TestNormalizeJSON(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"b":1,"a":[1,2]}`, `{"a": [1, 2], "b": 1}`},
		{`{"aa":1,"b":2,"a":3}`, `{"a": 3, "b": 2, "aa": 1}`},
		{`{"a":1,"a":2}`, `{"a": 2}`},
		{`[1e2, 1.5e-3, -0, 0.00, -1.0E+1, 1.50]`, `[100, 0.0015, 0, 0.00, -10, 1.50]`},
		{` "a\u00e9\n" `, `"aé\n"`},
		{`"\ud83d\ude00"`, `"😀"`},
		{`[]`, `[]`}, {`{}`, `{}`}, {`null`, `null`}, {`true`, `true`},
		{`{"a":{"d":null,"c":[{}]}}`, `{"a": {"c": [{}], "d": null}}`},
	} {
		got, err := NormalizeJSON(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizeJSON(%s) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestParseJSONErrors(t *testing.T) {
	for _, c := range []struct{ in, detail string }{
		{``, `The input string ended unexpectedly.`},
		{`{"a":}`, `Expected JSON value, but found "}".`},
		{`{"a" 1}`, `Expected ":", but found "1".`},
		{`[1 2]`, `Expected "," or "]", but found "2".`},
		{`{1:2}`, `Expected string or "}", but found "1".`},
		{`{"a":1,}`, `Expected string, but found "}".`},
		{`abc`, `Token "abc" is invalid.`},
		{`1 2`, `Expected end of input, but found "2".`},
		{`[1,`, `The input string ended unexpectedly.`},
		{`"\x"`, `Escape sequence "\x" is invalid.`},
		{`01`, `Token "01" is invalid.`},
	} {
		_, err := ParseJSON(c.in, "json")
		if err == nil || !strings.Contains(err.Error(), "invalid input syntax for type json") || !strings.Contains(err.Error(), c.detail) {
			t.Errorf("ParseJSON(%q) = %v; want detail %q", c.in, err, c.detail)
		}
	}
	if _, err := ParseJSON(strings.Repeat("[", maxJSONDepth+1), "jsonb"); err == nil || !strings.Contains(err.Error(), "stack depth") {
		t.Errorf("deep nesting: %v", err)
	}
}

// jsonb's btree order, from PostgreSQL 15 (jsonb.slt checks the same against the server).
func TestJSONSortKeyOrder(t *testing.T) {
	ordered := []string{`[]`, `null`, `"a"`, `"b"`, `-1.5`, `1`, `2`, `10`, `false`, `true`,
		`[1]`, `[null, 1]`, `[1, 2]`, `{}`, `{"a": 9}`, `{"b": 1}`, `{"a": 1, "b": 1}`}
	keys := make([][]byte, len(ordered))
	for i, s := range ordered {
		v, err := ParseJSON(s, "jsonb")
		if err != nil {
			t.Fatal(err)
		}
		n, err := Normalize(v)
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = JSONSortKey(n)
	}
	for i := 1; i < len(keys); i++ {
		if bytes.Compare(keys[i-1], keys[i]) >= 0 {
			t.Errorf("%s should sort before %s", ordered[i-1], ordered[i])
		}
	}
	a, _ := ParseJSON(`1.0`, "jsonb")
	b, _ := ParseJSON(`1`, "jsonb")
	if JSONCompare(a, b) != 0 {
		t.Errorf("1.0 and 1 differ")
	}
}

func TestJSONOps(t *testing.T) {
	p := func(s string) *JValue {
		v, err := ParseJSON(s, "jsonb")
		if err != nil {
			t.Fatal(err)
		}
		n, _ := Normalize(v)
		return n
	}
	if got := concat(p(`{"a":1,"b":2}`), p(`{"b":3,"aa":4}`)).String(); got != `{"a": 1, "b": 3, "aa": 4}` {
		t.Errorf("concat = %s", got)
	}
	if !contains(p(`{"a":[1,2],"b":{"c":1}}`), p(`{"a":[2],"b":{}}`), true) || contains(p(`[1]`), p(`[[1]]`), true) {
		t.Errorf("contains")
	}
	r, err := setPath(p(`{"a":[1,2]}`), []string{"a", "-1"}, p(`9`), false, true, true)
	if err != nil || r.String() != `{"a": [1, 2, 9]}` {
		t.Errorf("jsonb_insert = %v, %v", r, err)
	}
	if _, err := deleteIndex(p(`{"a":1}`), 0); err == nil {
		t.Errorf("delete by index from an object must fail")
	}
	arr, nulls, err := parseTextArray(`{a, "b c", NULL,"d\"e"}`)
	if err != nil || strings.Join(arr, "|") != `a|b c|NULL|d"e` || !nulls[2] || nulls[0] {
		t.Errorf("parseTextArray = %q %v %v", arr, nulls, err)
	}
}

// FuzzJSON feeds outside bytes to the parser, the normalizer, the printer and the order:
// nothing panics, normalized text is a fixed point, and its sort key survives a reparse.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":[1,2,{"c":null}]}`, `[1e2,-0.5E-3,"\u00e9\ud83d\ude00"]`, `"x"`, `{`, `[1,]`,
		`{"a":1,"a":2}`, `1e1001`, `"\u0000"`, `[[[[]]]]`, `{"a" : true , "b":false}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = ValidateJSON(s)
		v, err := ParseJSON(s, "jsonb")
		if err != nil {
			return
		}
		_ = v.Kind.typeof()
		n, err := Normalize(v)
		if err != nil {
			return
		}
		out := n.String()
		again, err := NormalizeJSON(out)
		if err != nil || again != out {
			t.Fatalf("normalized %q to %q, which normalizes to %q (%v)", s, out, again, err)
		}
		re, err := ParseJSON(out, "jsonb")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(JSONSortKey(n), JSONSortKey(re)) {
			t.Fatalf("sort key of %q changed after a reparse", out)
		}
		_ = n.Pretty()
		_ = stripNulls(n).String()
		_ = contains(n, re, true)
		_ = concat(n, re).String()
	})
}
