package planner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/proto/errs"
)

// deepShapes are the shapes of SQL whose parse tree grows one level per repeat: each makes
// pg_query's C parser overflow its stack (SIGSEGV, the process dies) when repeated enough.
var deepShapes = map[string]func(n int) string{
	"plus":     func(n int) string { return "SELECT 1" + strings.Repeat("+1", n) },
	"concat":   func(n int) string { return "SELECT 'a'" + strings.Repeat("||'a'", n) },
	"cast":     func(n int) string { return "SELECT 1" + strings.Repeat("::int", n) },
	"is_null":  func(n int) string { return "SELECT 1" + strings.Repeat(" IS NULL", n) },
	"union":    func(n int) string { return "SELECT 1" + strings.Repeat(" UNION SELECT 1", n) },
	"join":     func(n int) string { return "SELECT 1 FROM t" + strings.Repeat(" JOIN t ON true", n) },
	"paren":    func(n int) string { return "SELECT " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n) },
	"func":     func(n int) string { return "SELECT " + strings.Repeat("abs(", n) + "1" + strings.Repeat(")", n) },
	"subquery": func(n int) string { return strings.Repeat("SELECT (", n) + "SELECT 1" + strings.Repeat(")", n) },
	"from_subquery": func(n int) string {
		return strings.Repeat("SELECT * FROM (", n) + "SELECT 1" + strings.Repeat(") s", n)
	},
	"case": func(n int) string {
		return "SELECT " + strings.Repeat("CASE WHEN true THEN ", n) + "1" + strings.Repeat(" END", n)
	},
	"not":   func(n int) string { return "SELECT " + strings.Repeat("NOT ", n) + "true" },
	"array": func(n int) string { return "SELECT " + strings.Repeat("ARRAY[", n) + "1" + strings.Repeat("]", n) },
	"row":   func(n int) string { return "SELECT " + strings.Repeat("ROW(", n) + "1" + strings.Repeat(")", n) },
	"exists": func(n int) string {
		return "SELECT 1 WHERE " + strings.Repeat("EXISTS (SELECT 1 WHERE ", n) + "true" + strings.Repeat(")", n)
	},
	"in_subquery": func(n int) string {
		return "SELECT 1 WHERE 1 IN " + strings.Repeat("(SELECT 1 WHERE 1 IN ", n) + "(1)" + strings.Repeat(")", n)
	},
	"mixed": func(n int) string {
		return "SELECT " + strings.Repeat("(1 + CASE WHEN (SELECT ", n) + "1" + strings.Repeat(") THEN 1 END)", n)
	},
}

// TestDeepSQLRefusedBeforeTheParser replays the attack of issue 10: statements whose trees
// are deeper than the C parser's stack must come back as InvalidArgument naming the limit
// (before the fix, the first one killed the process).
func TestDeepSQLRefusedBeforeTheParser(t *testing.T) {
	p := testPlanner()
	for name, gen := range deepShapes {
		for _, n := range []int{25_000, 50_000} {
			sql := gen(n)
			_, err := p.Plan(context.Background(), Session{}, sql, nil)
			if !errors.Is(err, errs.ErrInvalidArgument) || !strings.Contains(err.Error(), "statement too complex") {
				t.Errorf("%s x%d: got %v, want InvalidArgument: statement too complex", name, n, err)
			}
			if _, err := p.Prepare(context.Background(), Session{}, sql); !errors.Is(err, errs.ErrInvalidArgument) {
				t.Errorf("Prepare %s x%d: got %v", name, n, err)
			}
		}
	}
	// the limit also guards SQL parsed from strings (table names) and view definitions
	_, err := p.Plan(context.Background(), Session{}, "SELECT * FROM t FOR SYSTEM_TIME AS OF '"+strings.Repeat("(SELECT ", 20000)+"'", nil)
	if err != nil && isInternal(err) {
		t.Fatal(err)
	}
	if _, _, err := parseSQL("SELECT FROM " + deepShapes["subquery"](20000)); err == nil || !strings.Contains(err.Error(), "statement too complex") {
		t.Errorf("parseSQL of a deep name: %v", err)
	}
}

// TestWideSQLAccepted: lists are wide, not deep; they must keep working at any length up to
// the size limit, and ordinary nesting must stay well inside the depth limit.
func TestWideSQLAccepted(t *testing.T) {
	list := func(n int, item string) string { return strings.TrimSuffix(strings.Repeat(item+",", n), ",") }
	for _, sql := range []string{
		"SELECT a FROM t WHERE a IN (" + list(200_000, "12345") + ")",
		"SELECT * FROM (VALUES " + list(50_000, "(1, 'x', 2.5)") + ") v(a, b, c)",
		"SELECT " + list(5_000, "a + b * 2 - 1") + " FROM t",
		"SELECT a FROM t WHERE " + strings.TrimSuffix(strings.Repeat("a = 1 AND b <> 'x' OR ", 50_000), " OR "),
		"SELECT 1" + strings.Repeat("+1", 1500),
		deepShapes["subquery"](300),
		deepShapes["case"](500),
		deepShapes["union"](1500),
		"SELECT 'a''" + strings.Repeat("(((+", 100_000) + "' AS quoted, $$" + strings.Repeat("((", 100_000) + "$$ /* " + strings.Repeat("((", 100_000) + " */ -- " + strings.Repeat("((", 1000),
	} {
		if _, err := newSQLText(sql); err != nil {
			t.Errorf("%.60s...: %v", sql, err)
		}
	}
	if _, err := newSQLText(strings.Repeat(" ", MaxSQLBytes+1)); !errors.Is(err, errs.ErrInvalidArgument) || !strings.Contains(err.Error(), "statement too large") {
		t.Errorf("oversized statement: %v", err)
	}
}

// TestDepthLimitLeavesCStackMargin parses, for every deep shape, the deepest statement the
// limit lets through in a child process whose threads have a 1 MiB stack (an eighth of the
// usual 8 MiB, half of glibc's default when the stack is unlimited): none may crash.
func TestDepthLimitLeavesCStackMargin(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	if sql := os.Getenv("TERN_PARSE_CHILD"); sql != "" {
		_, err := pg.Parse(sql)
		fmt.Println("parsed:", err)
		return
	}
	for name, gen := range deepShapes {
		lo, hi := 1, 20_000 // lo accepted, hi refused
		for hi-lo > 1 {
			m := (lo + hi) / 2
			if _, err := newSQLText(gen(m)); err == nil {
				lo = m
			} else {
				hi = m
			}
		}
		cmd := exec.Command("/bin/sh", "-c", `ulimit -s 1024 && exec "$0" -test.run '^TestDepthLimitLeavesCStackMargin$'`, os.Args[0])
		cmd.Env = append(os.Environ(), "TERN_PARSE_CHILD="+gen(lo))
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "parsed:") {
			t.Errorf("%s: the deepest accepted statement (%d levels) crashed the parser on a 1 MiB stack: %v\n%.300s", name, lo, err, out)
			continue
		}
		t.Logf("%s: deepest accepted %d levels: %s", name, lo, strings.TrimSpace(string(out[strings.Index(string(out), "parsed:"):])))
	}
}

func inList(n int) string {
	var b strings.Builder
	b.WriteString("SELECT a FROM t WHERE a IN (")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%d", i)
	}
	b.WriteString(")")
	return b.String()
}

// TestPlanningIsLinear: planning an IN list of 4x the literals must take about 4x the time
// (it took 12x and more while each literal's character position was counted from the start
// of the text). The bound is generous (8x, best of three runs) for loaded machines.
func TestPlanningIsLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	p := testPlanner()
	best := func(sql string) time.Duration {
		var min time.Duration
		for i := 0; i < 3; i++ {
			start := time.Now()
			if _, err := p.Plan(context.Background(), Session{}, sql, nil); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); i == 0 || d < min {
				min = d
			}
		}
		return min
	}
	small, large := best(inList(20_000)), best(inList(80_000))
	t.Logf("20k literals: %v, 80k literals: %v (x%.1f)", small, large, float64(large)/float64(small))
	if large > 8*small {
		t.Errorf("planning grows faster than linearly: 20k literals %v, 80k literals %v", small, large)
	}
}

// TestPlanningCancelled: a client that gives up on a million-literal statement gets
// Canceled promptly and the planner stops working for it. Parsing itself (C code, ~2 s per
// million literals) cannot be interrupted, so the cancel comes after the parse.
func TestPlanningCancelled(t *testing.T) {
	if testing.Short() {
		t.Skip("large statement")
	}
	sql := inList(1_000_000)
	start := time.Now()
	if _, _, err := parseSQL(sql); err != nil {
		t.Fatal(err)
	}
	parse := time.Since(start)
	p := testPlanner()
	for _, after := range []time.Duration{parse + parse/2, parse * 3} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := p.Plan(ctx, Session{}, sql, nil)
			done <- err
		}()
		time.Sleep(after)
		cancel()
		cancelled := time.Now()
		select {
		case err := <-done:
			took := time.Since(cancelled)
			t.Logf("cancelled after %v: returned in %v: %v", after, took, err)
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Fatalf("want Canceled, got %v", err)
			}
			if took > 1500*time.Millisecond {
				t.Errorf("planning went on for %v after the cancel", took)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("planning did not stop 30 s after the cancel")
		}
	}
}

// TestQuestionMarkPlaceholders: JDBC-style ? placeholders are $1..$n in order, counted
// outside string constants, quoted identifiers, dollar quotes and comments; ?? is a literal
// ? (as in pgjdbc); mixing ? and $n is an error.
func TestQuestionMarkPlaceholders(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{in: "SELECT a FROM t WHERE a = ? AND b = ?", want: "SELECT a FROM t WHERE a = $1 AND b = $2"},
		{in: "SELECT a FROM t WHERE a=?", want: "SELECT a FROM t WHERE a=$1"},
		{in: "SELECT ?+?", want: "SELECT $1+$2"},
		{in: "SELECT a?1", want: "SELECT a $1 1"},
		{in: "SELECT '?', \"?\", E'\\'?', $$?$$, $x$ ? $x$, ? -- ?\n /* ? /* ? */ ? */ , ?", want: "SELECT '?', \"?\", E'\\'?', $$?$$, $x$ ? $x$, $1 -- ?\n /* ? /* ? */ ? */ , $2"},
		{in: "SELECT a ?? b, ?", want: "SELECT a ? b, $1"},
		{in: "SELECT $1, $2", want: "SELECT $1, $2"},
		{in: "SELECT $1, ?", err: "cannot mix ? and $n"},
		{in: "SELECT a$b, ?", want: "SELECT a$b, $1"},
	} {
		got, err := newSQLText(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, errs.ErrInvalidArgument) {
				t.Errorf("%q: got %v, want error %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got.parsed != tc.want {
			t.Errorf("%q: rewritten to %q, want %q", tc.in, got.parsed, tc.want)
		}
	}
	p := testPlanner()
	ctx := context.Background()
	prep, err := p.Prepare(ctx, Session{}, "SELECT a FROM t WHERE a = ? AND b = ?")
	if err != nil || len(prep.Params) != 2 {
		t.Fatalf("Prepare: %+v, %v", prep, err)
	}
	two := []scalar.Scalar{scalar.NewInt64Scalar(1), scalar.NewStringScalar("x")}
	if _, err := p.Plan(ctx, Session{}, "SELECT a FROM t WHERE a = ? AND b = ?", two); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sql    string
		params []scalar.Scalar
		want   string
	}{
		{"SELECT a FROM t WHERE a = ?", two, "bind message supplies 2 parameters, but prepared statement requires 1"},
		{"SELECT a FROM t WHERE a = ? AND b = ? AND a = ?", two, "bind message supplies 2 parameters, but prepared statement requires 3"},
		{"SELECT a FROM t WHERE a = $1", two, "bind message supplies 2 parameters, but prepared statement requires 1"},
		{"SELECT 1", two[:1], "bind message supplies 1 parameters, but prepared statement requires 0"},
	} {
		_, err := p.Plan(ctx, Session{}, tc.sql, tc.params)
		if !errors.Is(err, errs.ErrInvalidArgument) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.sql, err, tc.want)
		}
	}
	// positions are the client's, not those of the rewritten text
	sql := "SELECT a FROM t WHERE a = ? AND b = ? AND nope = 1"
	_, err = p.Plan(ctx, Session{}, sql, two)
	var pe *errs.PositionError
	if !errors.As(err, &pe) || pe.Pos != strings.Index(sql, "nope")+1 {
		t.Errorf("position of the unknown column: %v (%+v)", err, pe)
	}
	sql = "SELECT ?, ?, 'é' FROM t WHERE a = ? AND AND"
	_, err = p.Plan(ctx, Session{}, sql, nil)
	if !errors.As(err, &pe) || pe.Pos != len([]rune(sql[:strings.LastIndex(sql, "AND")]))+1 {
		t.Errorf("syntax error position: %v (%+v)", err, pe)
	}
}

// TestExponentialWithRefused: WITH entries are inlined at every reference, so a chain of
// entries each using the previous twice doubles the plan per entry (30 entries: a billion
// scans, planning forever). The expansion is bounded and refused with InvalidArgument.
func TestExponentialWithRefused(t *testing.T) {
	p := testPlanner()
	chain := func(n int) string {
		parts := []string{"a0 AS (SELECT 1 AS x)"}
		for i := 1; i <= n; i++ {
			parts = append(parts, fmt.Sprintf("a%d AS (SELECT * FROM a%d UNION ALL SELECT * FROM a%d)", i, i-1, i-1))
		}
		return "WITH " + strings.Join(parts, ", ") + fmt.Sprintf(" SELECT count(*) FROM a%d", n)
	}
	if _, err := p.Plan(context.Background(), Session{}, chain(8), nil); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := p.Plan(context.Background(), Session{}, chain(30), nil)
	if !errors.Is(err, errs.ErrInvalidArgument) || !strings.Contains(err.Error(), "statement too complex") {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("refusing took %v", d)
	}
}

// TestBinderDepthBounded: whatever produced a parse tree, the binder refuses one nested
// deeper than maxBindDepth instead of growing the Go stack without bound.
func TestBinderDepthBounded(t *testing.T) {
	n := pg.MakeAConstIntNode(1, 0)
	for i := 0; i < 3*maxBindDepth; i++ {
		n = pg.MakeAExprNode(pg.A_Expr_Kind_AEXPR_OP, []*pg.Node{pg.MakeStrNode("+")}, n, pg.MakeAConstIntNode(1, 0), 0)
	}
	b := newBinder(context.Background(), &planner{}, Session{}, nil, nil, false)
	_, err := b.bindExpr(n, exprCtx{scope: &scope{}})
	if !errors.Is(err, errs.ErrInvalidArgument) || !strings.Contains(err.Error(), "statement too complex") {
		t.Fatalf("got %v", err)
	}
}
