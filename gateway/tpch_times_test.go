package gateway_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTPCHTimes measures the SF0.1 queries in-process: TERN_TPCH_RUNS=N runs each query N times
// after one load and logs the load time and each query's fastest run (skipped without it);
// TERN_TPCH_QUERIES=1,6 runs only those.
//
//	TERN_TPCH_RUNS=5 go test ./gateway -run TestTPCHTimes -count=1 -v
func TestTPCHTimes(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv("TERN_TPCH_RUNS"))
	if runs <= 0 {
		t.Skip("set TERN_TPCH_RUNS to measure")
	}
	dir := tpchDir(t)
	db := openTernWithDirs(t, dir)
	start := time.Now()
	loadTPCH(t, db, dir)
	t.Logf("load %.3fs", time.Since(start).Seconds())
	only := map[string]bool{} // TERN_TPCH_QUERIES=1,6: only these
	for _, q := range strings.Split(os.Getenv("TERN_TPCH_QUERIES"), ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(q)); err == nil {
			only[fmt.Sprintf("q%02d", n)] = true
		}
	}
	var total time.Duration
	for q := 1; q <= 22; q++ {
		name := fmt.Sprintf("q%02d", q)
		if len(only) > 0 && !only[name] {
			continue
		}
		text, err := os.ReadFile(filepath.Join(dir, "queries", name+".sql"))
		if err != nil {
			t.Fatal(err)
		}
		best := time.Duration(1 << 62)
		for r := 0; r < runs; r++ {
			start := time.Now()
			if _, err := db.Query(context.Background(), string(text)); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			best = min(best, time.Since(start))
		}
		total += best
		t.Logf("%s %.4fs", name, best.Seconds())
	}
	t.Logf("total %.3fs", total.Seconds())
}
