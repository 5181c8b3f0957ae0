package logical

import (
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/proto/errs"
)

func TestCastValue(t *testing.T) {
	unknown := catalog.Type{}
	cases := []struct {
		v        any
		from, to catalog.Type
		want     string // FormatValue of the result, or "error"
	}{
		{"42", unknown, catalog.Int32, "42"},
		{"1995-03-15", unknown, catalog.Date, "1995-03-15"},
		{"2020-01-01 10:11:12.5", unknown, catalog.Timestamp, "2020-01-01 10:11:12.5"},
		{"1.255", unknown, catalog.Numeric(10, 2), "1.26"},
		{"-1.255", unknown, catalog.Numeric(10, 2), "-1.26"},
		{"123456", unknown, catalog.Numeric(5, 2), "error"},
		{"yes", unknown, catalog.Bool, "true"},
		{"x", unknown, catalog.Int32, "error"},
		{int64(70000), catalog.Int32, catalog.Int16, "error"},
		{2.5, catalog.Float64, catalog.Int32, "2"},
		{3.5, catalog.Float64, catalog.Int32, "4"},
		{decimal128.FromI64(12345), catalog.Numeric(10, 2), catalog.Int32, "123"},
		{int32(1), catalog.Date, catalog.Timestamp, "1970-01-02 00:00:00"},
		{int64(5), catalog.Int64, catalog.Text, "'5'"},
		{"abcdef", catalog.Text, catalog.Type{Kind: catalog.TypeText, Precision: 3}, "'abc'"},
		{true, catalog.Bool, catalog.Date, "error"},
	}
	for _, c := range cases {
		got, err := CastValue(c.v, c.from, c.to)
		if c.want == "error" {
			if err == nil || !errors.Is(err, errs.ErrInvalidArgument) {
				t.Errorf("CastValue(%v, %s, %s) = %v, %v; want invalid argument", c.v, c.from, c.to, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("CastValue(%v, %s, %s): %v", c.v, c.from, c.to, err)
			continue
		}
		if s := FormatValue(c.to, got); s != c.want {
			t.Errorf("CastValue(%v, %s, %s) = %s, want %s", c.v, c.from, c.to, s, c.want)
		}
	}
}
