package planner

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tern-db/tern/proto/errs"
)

// TestSetOpLiteralTypes pins how a set operation types the bare literals of its plain SELECT
// inputs (bind_setop_types.go): they take the other input's type; a nested set operation, a
// VALUES list, a subquery or a DISTINCT/ORDER BY input has made them text already.
func TestSetOpLiteralTypes(t *testing.T) {
	p := testPlanner()
	ok := []struct {
		sql   string
		types []string
	}{
		{"SELECT 1, 'a' UNION SELECT NULL, NULL", []string{"int32", "utf8"}},
		{"SELECT NULL, NULL UNION SELECT 1, 'a'", []string{"int32", "utf8"}},
		{"SELECT NULL, 'x' UNION ALL SELECT 1::bigint, NULL", []string{"int64", "utf8"}},
		{"SELECT '2' INTERSECT SELECT a FROM t", []string{"int32"}},
		{"SELECT a FROM t EXCEPT SELECT NULL", []string{"int32"}},
		{"SELECT 1 UNION (SELECT NULL LIMIT 1)", []string{"int32"}},
		{"SELECT 1, 2 UNION (SELECT 3, NULL ORDER BY 1)", []string{"int32", "int32"}},
		{"SELECT NULL UNION SELECT NULL", []string{"utf8"}},
		{"SELECT 1 UNION (SELECT NULL UNION SELECT 2)", []string{"int32"}},
		{"SELECT x FROM (SELECT 1 UNION ALL SELECT NULL UNION ALL SELECT 2.5::float8) s(x)", []string{"float64"}},
	}
	for _, c := range ok {
		st, err := p.Plan(context.Background(), Session{}, c.sql, nil)
		if err != nil {
			t.Errorf("%q: %v", c.sql, err)
			continue
		}
		sch := st.(*Query).Schema
		if sch.NumFields() != len(c.types) {
			t.Errorf("%q: %d columns, want %d", c.sql, sch.NumFields(), len(c.types))
			continue
		}
		for i, want := range c.types {
			if got := sch.Field(i).Type.String(); got != want {
				t.Errorf("%q column %d: type %s, want %s", c.sql, i+1, got, want)
			}
		}
	}
	bad := []struct{ sql, msg string }{
		{"SELECT 1 UNION SELECT 'a'", `invalid input syntax for type integer: "a"`},
		{"SELECT NULL UNION SELECT NULL UNION SELECT 1", "UNION types text and integer cannot be matched"},
		{"SELECT 1 UNION (SELECT NULL UNION SELECT NULL)", "UNION types integer and text cannot be matched"},
		{"SELECT 1 UNION VALUES (NULL)", "UNION types integer and text cannot be matched"},
		{"SELECT 1 UNION SELECT x FROM (SELECT NULL) s(x)", "UNION types integer and text cannot be matched"},
		{"SELECT 1 UNION (SELECT DISTINCT NULL)", "UNION types integer and text cannot be matched"},
		{"SELECT 1 EXCEPT (SELECT NULL ORDER BY 1)", "EXCEPT types integer and text cannot be matched"},
	}
	for _, c := range bad {
		_, err := p.Plan(context.Background(), Session{}, c.sql, nil)
		if err == nil {
			t.Errorf("%q: expected error %q", c.sql, c.msg)
			continue
		}
		if !errors.Is(err, errs.ErrInvalidArgument) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%q: error %v, want InvalidArgument %q", c.sql, err, c.msg)
		}
	}
}

// TestSetOpParamTypes: a bare $n in a set operation input is typed by the match too.
func TestSetOpParamTypes(t *testing.T) {
	p := testPlanner()
	for _, c := range []struct{ sql, want string }{
		{"SELECT 1 UNION SELECT $1", "integer"},
		{"SELECT $1 UNION SELECT 1::bigint", "bigint"},
		{"SELECT $1 UNION SELECT NULL", "text"},
		{"SELECT 1, $1 UNION SELECT NULL, 'a'", "text"},
	} {
		pr, err := p.Prepare(context.Background(), Session{}, c.sql)
		if err != nil {
			t.Errorf("%q: %v", c.sql, err)
			continue
		}
		if len(pr.Params) != 1 || opTypeName(pr.Params[0]) != c.want {
			t.Errorf("%q: parameter types %v, want [%s]", c.sql, pr.Params, c.want)
		}
	}
}
