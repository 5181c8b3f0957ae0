package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
)

// Replays of issue 10's attacks 1 (SQL part: a long expression killed the process inside
// pg_query's C parser) and 4 (planning quadratic in the SQL and not cancellable) against a
// real `tern serve` process through the ADBC driver and arrow-go's Flight SQL client.

// TestSecurityParseDeepSQL: statements nested deeper than the C parser's stack allows are
// refused with InvalidArgument naming the limit, and the server keeps serving.
func TestSecurityParseDeepSQL(t *testing.T) {
	srv := startServer(t, t.TempDir())
	cn, _ := openADBC(t, srv.addr, "admin", adminPassword)
	execUpdate(t, cn, "CREATE TABLE t (a BIGINT)")
	attacks := map[string]string{
		"25k-term + chain":        "SELECT 1" + strings.Repeat("+1", 25_000),
		"50k-term || chain":       "SELECT 'a'" + strings.Repeat("||'a'", 50_000),
		"10k nested parentheses":  "SELECT " + strings.Repeat("(", 10_000) + "1" + strings.Repeat(")", 10_000),
		"3k nested subqueries":    strings.Repeat("SELECT (", 3_000) + "SELECT 1" + strings.Repeat(")", 3_000),
		"2k nested FROM subquery": strings.Repeat("SELECT * FROM (", 2_000) + "SELECT 1" + strings.Repeat(") s", 2_000),
		"5k nested CASE":          "SELECT " + strings.Repeat("CASE WHEN true THEN ", 5_000) + "1" + strings.Repeat(" END", 5_000),
		"25k UNIONs":              "SELECT 1" + strings.Repeat(" UNION SELECT 1", 25_000),
		"25k JOINs":               "SELECT 1 FROM t" + strings.Repeat(" JOIN t ON true", 25_000),
		"25k casts":               "SELECT 1" + strings.Repeat("::int", 25_000),
		"deep SQL in a name":      "SELECT * FROM t FOR SYSTEM_TIME AS OF '" + strings.Repeat("(SELECT ", 5_000) + "'",
	}
	for name, sql := range attacks {
		_, err := query(t, cn, sql)
		var ae adbc.Error
		if name == "deep SQL in a name" {
			// whatever the answer, the process must survive it
			continue
		}
		if !errors.As(err, &ae) || ae.Code != adbc.StatusInvalidArgument || !strings.Contains(ae.Msg, "statement too complex") {
			t.Errorf("%s: got %v, want InvalidArgument: statement too complex", name, err)
		}
	}
	srv.assertHealthy(t, 1<<30)
	// ordinary nesting keeps working
	expectRows(t, mustQuery(t, cn, "SELECT 1"+strings.Repeat("+1", 999)), "1000")
}

// cpuSeconds is the server process's CPU time (user + system) from /proc/<pid>/stat.
func (s *server) cpuSeconds(t testing.TB) float64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		t.Fatalf("reading server stat: %v", err)
	}
	// fields after the command name, which is in parentheses and may hold spaces
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("parsing %q", b)
	}
	const ticks = 100 // USER_HZ on Linux
	return (utime + stime) / ticks
}

func inListSQL(n int) string {
	var b strings.Builder
	b.WriteString("SELECT count(*) FROM t WHERE a IN (")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(i * 2))
	}
	b.WriteString(")")
	return b.String()
}

// TestSecurityParseInListPlansFast: a 40,000-literal IN list (4 s of planning before, while
// every literal's position was counted from the start of the text) plans and runs quickly.
func TestSecurityParseInListPlansFast(t *testing.T) {
	srv := startServer(t, t.TempDir())
	cn, _ := openADBC(t, srv.addr, "admin", adminPassword)
	execUpdate(t, cn, "CREATE TABLE t (a BIGINT)")
	rows := make([]string, 10_000)
	for i := range rows {
		rows[i] = "(" + strconv.Itoa(i+1) + ")"
	}
	execUpdate(t, cn, "INSERT INTO t VALUES "+strings.Join(rows, ","))
	sql := inListSQL(40_000)
	before := srv.cpuSeconds(t)
	start := time.Now()
	expectRows(t, mustQuery(t, cn, sql), "5000")
	took, cpu := time.Since(start), srv.cpuSeconds(t)-before
	t.Logf("40k-literal IN list: %v wall, %.2f s of server CPU", took, cpu)
	// generous for a loaded machine; it was 4 s of CPU on an idle one
	if cpu > 2.5 {
		t.Errorf("a 40k-literal IN list cost %.2f s of server CPU", cpu)
	}
	srv.assertHealthy(t, 1<<30)
}

// TestSecurityParseCancelFreesCPU: a client that gives up on a million-literal query stops
// the server's work for it: after the cancel the process goes back to idle promptly instead
// of planning for minutes.
func TestSecurityParseCancelFreesCPU(t *testing.T) {
	if testing.Short() {
		t.Skip("large statement")
	}
	srv := startServer(t, t.TempDir())
	cn, _ := openADBC(t, srv.addr, "admin", adminPassword)
	execUpdate(t, cn, "CREATE TABLE t (a BIGINT)")
	c := dialFlight(t, srv.addr)
	sql := inListSQL(1_000_000)
	ctx, cancel := context.WithCancel(c.ctx)
	done := make(chan error, 1)
	go func() {
		_, err := c.Execute(ctx, sql)
		done <- err
	}()
	// Let the server get well into planning: parsing a million literals is C code (and
	// protobuf decoding) that cannot be interrupted, ~3 s of CPU. Waiting for CPU spent
	// rather than for time keeps the test meaningful on a loaded machine.
	start := srv.cpuSeconds(t)
	deadline := time.Now().Add(2 * time.Minute)
	for srv.cpuSeconds(t)-start < 6 {
		if time.Now().After(deadline) {
			t.Fatalf("the server spent only %.1f s of CPU in 2 minutes", srv.cpuSeconds(t)-start)
		}
		select {
		case err := <-done:
			t.Fatalf("the query ended before the cancel: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	before := srv.cpuSeconds(t)
	time.Sleep(time.Second)
	busy := srv.cpuSeconds(t) - before
	t.Logf("server busy before the cancel: %.2f s CPU in 1 s", busy)
	cancel()
	cancelled := time.Now()
	if err := <-done; err == nil {
		t.Fatal("the cancelled query succeeded")
	}
	// the server must be idle again within a few seconds (before: minutes of planning)
	idle := busy / 4
	if idle < 0.05 {
		idle = 0.05
	}
	for {
		before := srv.cpuSeconds(t)
		time.Sleep(500 * time.Millisecond)
		used := 2 * (srv.cpuSeconds(t) - before)
		if used <= idle {
			t.Logf("server idle (%.2f s CPU per s) %v after the cancel", used, time.Since(cancelled))
			break
		}
		if time.Since(cancelled) > 5*time.Second {
			t.Fatalf("server still busy %v after the cancel (%.2f s CPU per s)", time.Since(cancelled), used)
		}
	}
	srv.assertHealthy(t, 2<<30)
}
