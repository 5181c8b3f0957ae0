package planner

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tern-db/tern/proto/errs"
)

func TestBindErrors(t *testing.T) {
	p := testPlanner()
	cases := []struct {
		sql      string
		sentinel error
		msg      string
		pos      int // 0: not checked
	}{
		{"SELECT * FROM nosuch", errs.ErrNotFound, `relation "nosuch" does not exist`, 15},
		{"SELECT * FROM other.t", errs.ErrNotFound, `relation "other.t" does not exist`, 15},
		{"SELECT nope FROM t", errs.ErrNotFound, `column "nope" does not exist`, 8},
		{"SELECT t.nope FROM t", errs.ErrNotFound, `column t.nope does not exist`, 8},
		{"SELECT x.a FROM t", errs.ErrInvalidArgument, `missing FROM-clause entry for table "x"`, 8},
		{"SELECT a FROM t, u", errs.ErrInvalidArgument, `column reference "a" is ambiguous`, 8},
		{"SELECT 'é' || a FROM t WHERE b = 1", errs.ErrInvalidArgument, `operator does not exist: text = integer`, 32},
		{"SELECT a FROM t WHERE a = 'x'", errs.ErrInvalidArgument, `invalid input syntax for type integer: "x"`, 27},
		{"SELECT a FROM t WHERE a - d > 1", errs.ErrInvalidArgument, `operator does not exist: integer - date`, 25},
		{"SELECT a FROM t WHERE a", errs.ErrInvalidArgument, `argument of WHERE must be type boolean, not type integer`, 23},
		{"SELECT a, count(*) FROM t", errs.ErrInvalidArgument, `column "t.a" must appear in the GROUP BY clause or be used in an aggregate function`, 8},
		{"SELECT a FROM t WHERE count(*) > 1", errs.ErrInvalidArgument, `aggregate functions are not allowed in WHERE`, 23},
		{"SELECT sum(count(*)) FROM t", errs.ErrInvalidArgument, `aggregate function calls cannot be nested`, 12},
		{"SELECT sum(b) FROM t", errs.ErrNotFound, `function sum(text) does not exist`, 8},
		{"SELECT foo(a) FROM t", errs.ErrNotFound, `function foo(integer) does not exist`, 8},
		{"SELECT a FROM t ORDER BY 5", errs.ErrInvalidArgument, `ORDER BY position 5 is not in select list`, 26},
		{"SELECT a FROM t GROUP BY 3", errs.ErrInvalidArgument, `GROUP BY position 3 is not in select list`, 26},
		{"SELECT DISTINCT a FROM t ORDER BY c", errs.ErrInvalidArgument, `for SELECT DISTINCT, ORDER BY expressions must appear in select list`, 0},
		{"SELECT DISTINCT ON (a) a, b FROM t ORDER BY b, a", errs.ErrInvalidArgument, `SELECT DISTINCT ON expressions must match initial ORDER BY expressions`, 21},
		{"SELECT DISTINCT ON (a, b) a FROM t ORDER BY a, c", errs.ErrInvalidArgument, `SELECT DISTINCT ON expressions must match initial ORDER BY expressions`, 24},
		{"SELECT DISTINCT ON (3) a FROM t", errs.ErrInvalidArgument, `DISTINCT ON position 3 is not in select list`, 21},
		{"SELECT CAST(d AS integer) FROM t", errs.ErrInvalidArgument, `cannot cast type date to integer`, 0},
		{"SELECT c % 2 FROM t", errs.ErrInvalidArgument, `operator does not exist: double precision % integer`, 0},
		{"SELEC 1", errs.ErrInvalidArgument, `syntax error at or near "SELEC"`, 1},
		{"SELECT 1; SELECT 2", errs.ErrInvalidArgument, `cannot insert multiple commands into a prepared statement`, 0},
		{"", errs.ErrInvalidArgument, `empty query`, 0},
		{"SELECT * FROM t, t", errs.ErrInvalidArgument, `table name "t" specified more than once`, 0},
		{"SELECT (SELECT 1, 2)", errs.ErrInvalidArgument, `subquery must return only one column`, 8},
		{"SELECT 1 UNION SELECT 2, 3", errs.ErrInvalidArgument, `each UNION query must have the same number of columns`, 0},
		{"SELECT * FROM read_parquet('/etc/passwd')", errs.ErrPermissionDenied, `outside the allowed directories`, 15},
		{"COPY t FROM '/etc/passwd' (FORMAT csv)", errs.ErrPermissionDenied, `outside the allowed directories`, 0},
		{"INSERT INTO t (a, zz) VALUES (1, 2)", errs.ErrNotFound, `column "zz" of relation "t" does not exist`, 19},
		{"INSERT INTO t (a) VALUES (1, 2)", errs.ErrInvalidArgument, `INSERT has more expressions than target columns`, 0},
		{"INSERT INTO t (a) VALUES (true)", errs.ErrInvalidArgument, `column "a" is of type integer but expression is of type boolean`, 27},
		{"INSERT INTO nn SELECT d, b FROM t", errs.ErrInvalidArgument, `column "id" is of type integer but expression is of type date`, 0},
		{"INSERT INTO t (a) VALUES (99999999999)", errs.ErrInvalidArgument, `integer out of range`, 27},
		{"CREATE TABLE x (a nosuchtype)", errs.ErrNotFound, `type "nosuchtype" does not exist`, 19},
		{"CREATE TABLE x (a int, a int)", errs.ErrAlreadyExists, `column "a" specified more than once`, 0},
		{"CREATE TABLE x (a numeric(50, 2))", errs.ErrInvalidArgument, `NUMERIC precision 50 must be between 1 and 38`, 0},
		{"SELECT DATE 'nope'", errs.ErrInvalidArgument, `invalid input syntax for type date: "nope"`, 13},
		{"SELECT INTERVAL 'x'", errs.ErrInvalidArgument, `invalid input syntax for type interval: "x"`, 17},
		{"MERGE INTO t USING t AS s ON true WHEN MATCHED THEN DELETE RETURNING t.a", errs.ErrNotSupported, `RETURNING is not supported yet`, 0},
		{"SELECT a FROM t LIMIT 'x'", errs.ErrInvalidArgument, `invalid input syntax for type bigint: "x"`, 0},
		{"SELECT a FROM t LIMIT -1", errs.ErrInvalidArgument, `LIMIT must not be negative`, 0},
		{"SELECT * FROM t JOIN u USING (zz)", errs.ErrNotFound, `column "zz" specified in USING clause does not exist in left table`, 0},
	}
	for _, c := range cases {
		_, err := p.Plan(context.Background(), Session{}, c.sql, nil)
		if err == nil {
			t.Errorf("%q: expected error %q", c.sql, c.msg)
			continue
		}
		if !errors.Is(err, c.sentinel) {
			t.Errorf("%q: error %v does not wrap %v", c.sql, err, c.sentinel)
		}
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%q: error %q does not contain %q", c.sql, err, c.msg)
		}
		if c.pos != 0 {
			var pe *errs.PositionError
			if !errors.As(err, &pe) {
				t.Errorf("%q: error %v has no position, want %d", c.sql, err, c.pos)
			} else if pe.Pos != c.pos {
				t.Errorf("%q: position %d, want %d", c.sql, pe.Pos, c.pos)
			}
		}
	}
}
