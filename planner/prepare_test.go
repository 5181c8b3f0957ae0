package planner

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/proto/errs"
)

func TestPrepare(t *testing.T) {
	p := testPlanner()
	cases := []struct {
		sql    string
		kind   Kind
		params []catalog.Type
		names  []string
	}{
		{"SELECT a, b AS bee FROM t WINDOW w AS (PARTITION BY a) ORDER BY x", KindQuery, nil, nil}, // error below
		{"SELECT a, b AS bee, a + 1, sum(c), '1'::int, a::text, CASE WHEN g THEN 1 END, true FROM t GROUP BY a, b, g",
			KindQuery, nil, []string{"a", "bee", "?column?", "sum", "int4", "a", "case", "bool"}},
		{"SELECT a FROM t WHERE a = $1 AND d < $2 AND b LIKE $3 LIMIT $4", KindQuery,
			[]catalog.Type{catalog.Int32, catalog.Date, catalog.Text, catalog.Int64}, []string{"a"}},
		{"SELECT $1", KindQuery, []catalog.Type{catalog.Text}, []string{"?column?"}},
		{"SELECT $1::numeric(10,2) + f FROM t", KindQuery, []catalog.Type{catalog.Numeric(10, 2)}, []string{"?column?"}},
		{"INSERT INTO t (a, d) VALUES ($1, $2)", KindUpdate, []catalog.Type{catalog.Int32, catalog.Date}, nil},
		{"CREATE TABLE q (a int)", KindUpdate, nil, nil},
		{"EXPLAIN SELECT 1", KindQuery, nil, []string{"QUERY PLAN"}},
		{"SET statement_timeout = 1", KindUpdate, nil, nil},
	}
	for i, c := range cases {
		prep, err := p.Prepare(context.Background(), Session{}, c.sql)
		if i == 0 {
			if !errors.Is(err, errs.ErrNotFound) {
				t.Errorf("unknown ORDER BY column: got %v, want ErrNotFound", err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.sql, err)
			continue
		}
		if prep.Kind != c.kind {
			t.Errorf("%q: kind %v, want %v", c.sql, prep.Kind, c.kind)
		}
		if len(prep.Params) != len(c.params) {
			t.Errorf("%q: params %v, want %v", c.sql, prep.Params, c.params)
		} else {
			for j := range c.params {
				if prep.Params[j] != c.params[j] {
					t.Errorf("%q: param $%d is %v, want %v", c.sql, j+1, prep.Params[j], c.params[j])
				}
			}
		}
		if c.kind == KindUpdate && prep.ResultSchema != nil {
			t.Errorf("%q: update has a result schema", c.sql)
		}
		if c.names != nil {
			if prep.ResultSchema == nil || prep.ResultSchema.NumFields() != len(c.names) {
				t.Errorf("%q: schema %v, want names %v", c.sql, prep.ResultSchema, c.names)
				continue
			}
			for j, n := range c.names {
				if got := prep.ResultSchema.Field(j).Name; got != n {
					t.Errorf("%q: column %d named %q, want %q", c.sql, j, got, n)
				}
			}
		}
	}
}

func TestPlanParams(t *testing.T) {
	p := testPlanner()
	ctx := context.Background()
	sql := "SELECT a FROM t WHERE d < $1 AND a = $2"
	if _, err := p.Plan(ctx, Session{}, sql, []scalar.Scalar{scalar.NewStringScalar("2020-01-01")}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("missing parameter: got %v", err)
	}
	st, err := p.Plan(ctx, Session{}, sql, []scalar.Scalar{scalar.NewStringScalar("2020-01-01"), scalar.NewInt64Scalar(4)})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.(*Query); !ok {
		t.Fatalf("got %T", st)
	}
	if _, err := p.Plan(ctx, Session{}, sql, []scalar.Scalar{scalar.NewStringScalar("nope"), scalar.NewInt64Scalar(4)}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("bad date parameter: got %v", err)
	}
	if _, err := p.Plan(ctx, Session{}, sql, []scalar.Scalar{scalar.NewStringScalar("2020-01-01"), scalar.NewInt64Scalar(1 << 40)}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("out of range parameter: got %v", err)
	}
}

func TestStatements(t *testing.T) {
	p := testPlanner()
	ctx := context.Background()
	st, err := p.Plan(ctx, Session{Schema: "public", Tenant: "acme"}, `CREATE TABLE IF NOT EXISTS "MixedCase" (Id INT NOT NULL, n NUMERIC, v VARCHAR(5), c CHAR(3), r REAL, f FLOAT, ts TIMESTAMPTZ, s SMALLINT) WITH (cluster_by = 'id')`, nil)
	if err != nil {
		t.Fatal(err)
	}
	ct := st.(*CreateTable)
	if ct.Table.Ref != (catalog.TableRef{Tenant: "acme", Schema: "public", Name: "MixedCase"}) || !ct.IfNotExists {
		t.Errorf("ref %+v", ct.Table.Ref)
	}
	want := []catalog.Column{
		{Name: "id", Type: catalog.Int32}, {Name: "n", Type: catalog.Numeric(38, 10), Nullable: true},
		{Name: "v", Type: catalog.Type{Kind: catalog.TypeText, Precision: 5}, Nullable: true},
		{Name: "c", Type: catalog.Char(3), Nullable: true},
		{Name: "r", Type: catalog.Float32, Nullable: true}, {Name: "f", Type: catalog.Float64, Nullable: true},
		{Name: "ts", Type: catalog.TimestampTZ, Nullable: true}, {Name: "s", Type: catalog.Int16, Nullable: true},
	}
	for i, c := range want {
		if ct.Table.Columns[i] != c {
			t.Errorf("column %d: %+v, want %+v", i, ct.Table.Columns[i], c)
		}
	}
	if ct.Table.Options["cluster_by"] != "id" {
		t.Errorf("options %v", ct.Table.Options)
	}
	st, err = p.Plan(ctx, Session{}, "DROP TABLE IF EXISTS s1.x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := st.(*DropTable); d.Ref.Schema != "s1" || d.Ref.Name != "x" || !d.IfExists || d.Ref.Tenant != catalog.DefaultTenant {
		t.Errorf("drop %+v", d)
	}
	for sql, want := range map[string]Set{
		"SET statement_timeout = '1min'":     {Name: "statement_timeout", Value: "1min"},
		"SET statement_timeout = 1500":       {Name: "statement_timeout", Value: "1500ms"},
		"SET search_path TO public, x":       {Name: "search_path", Value: "public, x"},
		`SET search_path TO "$user", public`: {Name: "search_path", Value: `"$user", public`},
		"SET DateStyle = 'ISO'":              {Name: "datestyle", Value: "ISO, MDY"},
		"RESET Statement_Timeout":            {Name: "statement_timeout", Reset: true},
		"SET tern.dry_run TO DEFAULT":        {Name: "tern.dry_run", Reset: true},
		"SET SESSION tern.dry_run = true":    {Name: "tern.dry_run", Value: "on"},
		"RESET ALL":                          {Name: "all", Reset: true},
	} {
		st, err := p.Plan(ctx, Session{}, sql, nil)
		if err != nil {
			t.Errorf("%q: %v", sql, err)
			continue
		}
		if got := *st.(*Set); got != want {
			t.Errorf("%q: %+v, want %+v", sql, got, want)
		}
	}
	for sql, msg := range map[string]string{
		"SET tern.memory_limit = '1GB'":   `unrecognized configuration parameter "tern.memory_limit"`,
		"RESET x":                         `unrecognized configuration parameter "x"`,
		"SHOW x":                          `unrecognized configuration parameter "x"`,
		"SET statement_timeout = 'abc'":   `invalid value for parameter "statement_timeout": "abc"`,
		"SET statement_timeout = '-1'":    `invalid value for parameter "statement_timeout"`,
		"SET statement_timeout = '1 yr'":  `valid units for this parameter are`,
		"SET extra_float_digits = 9":      `9 is outside the valid range for parameter "extra_float_digits" (-15 .. 3)`,
		"SET TimeZone = 'Asia/Tokyo'":     `invalid value for parameter "TimeZone": "Asia/Tokyo" (Tern runs in UTC only)`,
		"SET IntervalStyle = 'iso_8601'":  `invalid value for parameter "IntervalStyle"`,
		"SET tern.dry_run = 'maybe'":      `invalid value for parameter "tern.dry_run"`,
		"SET server_version = '1'":        `parameter "server_version" cannot be changed`,
		"SET search_path = nowhere":       `schema "nowhere" does not exist`,
		"SET LOCAL statement_timeout = 1": "SET LOCAL is not supported",
	} {
		_, err := p.Plan(ctx, Session{}, sql, nil)
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: %v, want %q", sql, err, msg)
		}
	}
	st, err = p.Plan(ctx, Session{}, "EXPLAIN SELECT a FROM t WHERE a = 1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if ex := st.(*Explain); len(ex.Lines) < 2 {
		t.Errorf("explain %v", ex.Lines)
	}
}
