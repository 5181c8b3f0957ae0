package fuzz

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/native"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/flightnodes"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto/errs"
)

var setup = []string{
	"CREATE TABLE t (a INTEGER, b TEXT, c NUMERIC(10,2), d DATE, f DOUBLE PRECISION, g BOOLEAN)",
	"CREATE TABLE u (a INTEGER, x BIGINT, s VARCHAR(5))",
	"CREATE TABLE e (a INTEGER)",
	"INSERT INTO t VALUES (1, 'one', 1.50, '2024-01-01', 0.5, true), (2, 'two', NULL, '2024-02-29', -1.25, false), (NULL, NULL, 3.25, NULL, NULL, NULL), (2, 'deux', -0.01, '1999-12-31', 1e10, true)",
	"INSERT INTO u VALUES (1, 10, 'x'), (2, 20, 'yy'), (2, 21, NULL), (5, NULL, 'zzz'), (NULL, 7, '')",
}

var seeds = []string{
	"SELECT * FROM t", "SELECT a, count(*) FROM t GROUP BY a", "SELECT * FROM t JOIN u ON t.a = u.a",
	"SELECT * FROM t LEFT JOIN u USING (a) ORDER BY 1", "SELECT * FROM t FULL JOIN u ON t.a < u.a",
	"SELECT a FROM t WHERE a IN (SELECT a FROM u)", "SELECT a FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.a = t.a)",
	"SELECT (SELECT max(x) FROM u WHERE u.a = t.a) FROM t", "SELECT a FROM t UNION SELECT a FROM u", "SELECT a FROM t EXCEPT ALL SELECT a FROM e",
	"WITH w AS (SELECT a, sum(c) s FROM t GROUP BY a) SELECT * FROM w w1, w w2 WHERE w1.a = w2.a",
	"SELECT a, row_number() OVER (PARTITION BY a ORDER BY c) FROM t", "SELECT a, sum(c) OVER (ORDER BY d ROWS 1 PRECEDING) FROM t",
	"SELECT a, b, sum(c) FROM t GROUP BY ROLLUP (a, b)", "SELECT count(DISTINCT a), sum(c) FILTER (WHERE g) FROM t",
	"SELECT DISTINCT a FROM t ORDER BY a NULLS FIRST LIMIT 2", "VALUES (1, 'a'), (2, NULL)", "SELECT c * 2.5 / 3, a % 2, -f FROM t",
	"SELECT substring(b, 2), upper(b) || s, length(s) FROM t, u", "SELECT d + 1, d - DATE '2000-01-01', extract(year FROM d) FROM t",
	"SELECT CAST(b AS integer) FROM t", "SELECT 1 / 0", "SELECT coalesce(a, 0), nullif(a, 2), greatest(a, 1) FROM t",
	"SELECT a FROM t ORDER BY c DESC NULLS LAST LIMIT 1 OFFSET 1", "SELECT * FROM t, u, e WHERE t.a = u.a AND u.a = e.a",
	"SELECT a, (SELECT count(*) FROM u WHERE u.a = t.a) FROM t", "SELECT * FROM t WHERE a NOT IN (SELECT a FROM u)",
	"SELECT d + INTERVAL '1 month' FROM t", "SELECT a::text || '-' || b FROM t WHERE b LIKE '%o%'",
}

// engine is a planner and an executor over a fresh catalog and data directory.
type engine struct {
	p     planner.Planner
	store *native.Store
	cat   catalog.Catalog
}

func newEngine(t testing.TB) *engine {
	cat := catalog.NewMemory()
	store := native.New(t.TempDir(), cat)
	e := &engine{p: planner.New(cat, nil, store), store: store, cat: cat}
	for _, sql := range setup {
		if err := e.exec(context.Background(), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	return e
}

// exec plans and runs one statement (queries are drained, writes committed).
func (e *engine) exec(ctx context.Context, sql string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: panic: %v", errPanic, r)
		}
	}()
	st, err := e.p.Plan(ctx, planner.Session{}, sql, nil)
	if err != nil {
		return err
	}
	run := func(q *planner.Query, sink func(op exec.Operator) error) error {
		op, err := flightnodes.Compile(ctx, q.Plan, exec.Env{Alloc: memory.NewGoAllocator(), BatchSize: 3})
		if err != nil {
			return err
		}
		defer op.Close()
		return sink(op)
	}
	switch st := st.(type) {
	case *planner.Query:
		return run(st, func(op exec.Operator) error {
			bs, err := exec.Drain(ctx, op)
			for _, b := range bs {
				b.Release()
			}
			return err
		})
	case *planner.CreateTable:
		_, err := e.cat.CreateTable(ctx, st.Table, nil)
		return err
	case *planner.Insert:
		w := e.store.NewWriter(st.Table)
		if err := run(st.Source, func(op exec.Operator) error { return w.WriteAll(ctx, op) }); err != nil {
			w.Abort()
			return err
		}
		_, err := w.Commit(ctx, st.Base, st.Operation)
		return err
	}
	return nil
}

var errPanic = errors.New("panic")

// FuzzExecute runs SQL through the planner and the executor on small tables: no input may
// panic, and the planner never reports an internal error.
func FuzzExecute(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	e := newEngine(f)
	f.Fuzz(func(t *testing.T, sql string) {
		if len(sql) > 2000 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// reads only: writes would grow the tables without bound
		st, err := e.p.Prepare(ctx, planner.Session{}, sql)
		if err != nil {
			if errors.Is(err, errs.ErrInternal) {
				t.Fatalf("Prepare(%q): %v", sql, err)
			}
			return
		}
		if st.Kind != planner.KindQuery {
			return
		}
		if err := e.exec(ctx, sql); err != nil && (errors.Is(err, errPanic) || isPlannerInternal(err)) {
			t.Fatalf("%q: %v", sql, err)
		}
	})
}

func isPlannerInternal(err error) bool {
	return errors.Is(err, errs.ErrInternal) && !errors.Is(err, context.DeadlineExceeded)
}

// TestSeeds runs the seed corpus once (go test without -fuzz).
func TestSeeds(t *testing.T) {
	e := newEngine(t)
	for _, s := range seeds {
		if err := e.exec(context.Background(), s); err != nil && (errors.Is(err, errPanic) || isPlannerInternal(err)) {
			t.Errorf("%q: %v", s, err)
		}
	}
}
