package exec

import (
	"math/big"
	"strings"
	"testing"
)

func TestNumericToChar(t *testing.T) {
	cases := []struct {
		v     int64
		scale int32
		f     string
		want  string
	}{
		{5, 1, "9.99", "  .50"},
		{-5, 1, "9.99", " -.50"},
		{12345, 0, "999", " ###"},
		{12345, 1, "FM9,999.90", "1,234.50"},
		{-485, 0, "999PR", "<485>"},
		{485, 0, "RN", "        CDLXXXV"},
		{5, 0, "009", " 005"},
		{21, 0, "FM99th", "21st"},
		{12345678, 4, "9.99EEEE", " 1.23e+03"},
		{42, 0, `"Total: "999`, "Total:   42"},
	}
	for _, c := range cases {
		d, err := parseNumFormat(c.f)
		if err != nil {
			t.Fatalf("%q: %v", c.f, err)
		}
		got, err := numericToChar(big.NewInt(c.v), c.scale, *d)
		if err != nil || got != c.want {
			t.Errorf("to_char(%d e-%d, %q) = %q, %v; want %q", c.v, c.scale, c.f, got, err, c.want)
		}
	}
}

func TestNumFormatErrors(t *testing.T) {
	for f, want := range map[string]string{
		"9.9.9":     "multiple decimal points",
		"9V9.9":     `cannot use "V" and decimal point together`,
		"S9S":       `cannot use "S" twice`,
		"PR9":       `"9" must be ahead of "PR"`,
		"FM9EEEE":   `"EEEE" is incompatible with other formats`,
		"9EEEEEEEE": `cannot use "EEEE" twice`,
	} {
		if _, err := parseNumFormat(f); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", f, err, want)
		}
	}
}

func TestToNumber(t *testing.T) {
	cases := []struct{ in, f, want string }{
		{"12,454.8-", "99G999D9S", "-12454.8"},
		{"$1,234.56", "L9,999.99", "1234.56"},
		{"<123>", "999PR", "-123"},
		{"1.567", "9.99", "1.56"},
		{"15", "99V9", "1.5"},
	}
	for _, c := range cases {
		d, err := parseNumFormat(c.f)
		if err != nil {
			t.Fatal(err)
		}
		u, sc, err := toNumber(c.in, *d)
		if err != nil {
			t.Fatalf("to_number(%q, %q): %v", c.in, c.f, err)
		}
		if got := new(big.Rat).SetFrac(u, bigPow10(sc)).FloatString(int(sc)); strings.TrimRight(strings.TrimRight(got, "0"), ".") != c.want {
			t.Errorf("to_number(%q, %q) = %s, want %s", c.in, c.f, got, c.want)
		}
	}
	d, _ := parseNumFormat("999")
	if _, _, err := toNumber("abc", *d); err == nil {
		t.Error("to_number('abc', '999') succeeded")
	}
}

// FuzzNumberTemplates feeds arbitrary templates and inputs through to_char and to_number:
// errors are fine, panics are not.
func FuzzNumberTemplates(f *testing.F) {
	for _, s := range []string{"9.99", "FM9,999.90", "999PR", "RN", "9.9EEEE", "S999", "99V9", `"x"9`, "9th"} {
		f.Add(s, "12,454.8-", int64(-12345), int32(2))
	}
	f.Fuzz(func(t *testing.T, tmpl, in string, v int64, scale int32) {
		if scale < 0 || scale > 38 || len(tmpl) > 64 {
			return
		}
		d, err := parseNumFormat(tmpl)
		if err != nil {
			return
		}
		_, _ = numericToChar(big.NewInt(v), scale, *d)
		_, _ = intToChar(v, *d)
		_, _ = floatToChar(float64(v)/3, 15, *d)
		_, _, _ = toNumber(in, *d)
	})
}
