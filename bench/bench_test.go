package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Smoke tests: the harness end to end at CI size (a few SF0.1 queries, tiny micro sizes).
// They build and start a real `tern serve`; the shared TPC-H files must be at ../../shared.

func sharedOrSkip(t *testing.T) {
	if _, err := os.Stat(filepath.Join("..", "..", "shared", "tpch", "sf0.1", "lineitem.parquet")); err != nil {
		t.Skip("no ../../shared/tpch/sf0.1")
	}
}

func runBench(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	results := filepath.Join(t.TempDir(), "RESULTS.md")
	args = append(args, "--data", filepath.Join(t.TempDir(), "data"), "--results", results)
	if bin := os.Getenv("TERN_BIN"); bin != "" {
		args = append(args, "--tern-bin", bin) // a built tern instead of building ../
	}
	if code := run(ctx, args, &out, &errb); code != 0 {
		t.Fatalf("bench %v: exit %d\n%s\n%s", args, code, out.String(), errb.String())
	}
	md, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "- machine: ") || !strings.Contains(string(md), "- command: `cd bench && go run . "+args[0]) {
		t.Errorf("RESULTS.md lacks the run header:\n%s", md)
	}
	return out.String()
}

func TestSmokeTPCH(t *testing.T) {
	sharedOrSkip(t)
	out := runBench(t, "tpch", "--sf", "0.1", "--runs", "1", "--queries", "1,6,13")
	if !strings.Contains(out, "Tern server peak memory") {
		t.Errorf("output lacks the memory line:\n%s", out)
	}
	// Both engines' answers must match the reference answers: a wrong Tern result is a Tern
	// bug, a wrong DuckDB result a broken harness.
	checked := resultChecks(out)
	for _, q := range []string{"Q01", "Q06", "Q13"} {
		c, ok := checked[q]
		if !ok {
			t.Errorf("no result row for %s:\n%s", q, out)
			continue
		}
		if !isOK(c.tern) {
			t.Errorf("%s: Tern result %q", q, c.tern)
		}
		if !isOK(c.duck) {
			t.Errorf("%s: DuckDB result %q", q, c.duck)
		}
	}
}

type resultCheck struct{ tern, duck string }

// resultChecks reads the check columns of the TPC-H table, by query:
// | query | Tern | DuckDB | Tern/DuckDB | Tern result | DuckDB result |
func resultChecks(out string) map[string]resultCheck {
	m := map[string]resultCheck{}
	for _, line := range strings.Split(out, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 8 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "Q") {
			continue
		}
		m[strings.TrimSpace(cells[1])] = resultCheck{tern: strings.TrimSpace(cells[5]), duck: strings.TrimSpace(cells[6])}
	}
	return m
}

// isOK: "ok", or "ok (note)" when rows with equal sort keys came in another order.
func isOK(cell string) bool { return cell == "ok" || strings.HasPrefix(cell, "ok (") }

func TestResultChecks(t *testing.T) {
	out := "| query | Tern | DuckDB | Tern/DuckDB | Tern result | DuckDB result |\n" +
		"| Q01 | 0.1 | 0.2 | 0.50x | ok | ok |\n| Q06 | failed | 0.1 | — | error: boom | ok (ties) |\n" +
		"| Q13 | 0.1 | 0.1 | 1.00x | WRONG: row 1 | ok |\n| total of the 2 queries both ran | 0.2 | 0.3 | x | | |\n"
	c := resultChecks(out)
	if len(c) != 3 || !isOK(c["Q01"].tern) || isOK(c["Q06"].tern) || !isOK(c["Q06"].duck) || isOK(c["Q13"].tern) {
		t.Errorf("resultChecks: %+v", c)
	}
}

func TestSmokeMicro(t *testing.T) {
	sharedOrSkip(t)
	out := runBench(t, "micro", "--stream-rows", "100000", "--ingest-rows", "10000", "--scan-sf", "0.1",
		"--clients", "1,4", "--duration", "300ms")
	for _, want := range []string{"Result streaming", "bare arrow-go", "Parquet scan", "pqarrow", "Ingest", "Concurrency"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCheck(t *testing.T) {
	want := &result{rows: [][]string{{"A", "1.00"}, {"B", "2.5"}}}
	if ok, msg := check(&result{rows: [][]string{{"A", "1.004"}, {"B", "2.5"}}}, want); !ok {
		t.Errorf("within 0.01: %s", msg)
	}
	if ok, msg := check(&result{rows: [][]string{{"B", "2.5"}, {"A", "1"}}}, want); !ok || msg == "" {
		t.Errorf("reordered rows: ok=%v msg=%q", ok, msg)
	}
	if ok, _ := check(&result{rows: [][]string{{"A", "1.02"}, {"B", "2.5"}}}, want); ok {
		t.Error("1.02 vs 1.00 passed")
	}
	if ok, _ := check(&result{rows: [][]string{{"A", "1"}}}, want); ok {
		t.Error("missing row passed")
	}
	if !cellsEqual("5320753880.69", "5320753880.6900001") || cellsEqual("x", "y") {
		t.Error("cellsEqual")
	}
}
