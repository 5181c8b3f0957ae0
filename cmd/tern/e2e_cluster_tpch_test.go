package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
)

// TestClusterTPCH: TPC-H SF0.1 on a gateway with three nodes answers exactly as a
// single-process gateway does, with one fragment per query and with plans cut into
// exchanges between the nodes (SET tern.partitions = 3). Long: TERN_LONG_TESTS=1.
func TestClusterTPCH(t *testing.T) {
	longTests(t)
	dir := os.Getenv("TERN_TPCH_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "tpch")
	}
	dir, _ = filepath.Abs(dir)
	if _, err := os.Stat(filepath.Join(dir, "sf0.1", "lineitem.parquet")); err != nil {
		t.Skipf("TPC-H set not found at %s (TERN_TPCH_DIR)", dir)
	}
	consul := startConsul(t)
	t.Setenv("TERN_SECRET", clusterSecret)
	for i := 0; i < 3; i++ {
		startNode(t, "127.0.0.1:0", consul.addr)
	}
	consul.waitHealthy(t, 3)
	single := startServer(t, t.TempDir(), "--allow-dir", dir)
	clustered := startServer(t, t.TempDir(), "--allow-dir", dir, "--consul", consul.addr)
	one, _ := openADBC(t, single.addr, "admin", adminPassword)
	many, _ := openADBC(t, clustered.addr, "admin", adminPassword)
	start := time.Now()
	for _, cn := range []adbc.Connection{one, many} {
		loadTPCHTables(t, cn, dir)
	}
	t.Logf("loaded TPC-H SF0.1 twice in %v", time.Since(start))
	for q := 1; q <= 22; q++ {
		raw, err := os.ReadFile(filepath.Join(dir, "queries", fmt.Sprintf("q%02d.sql", q)))
		if err != nil {
			t.Fatal(err)
		}
		sql := strings.TrimSuffix(strings.TrimSpace(string(raw)), ";")
		want := mustQuery(t, one, sql)
		execUpdate(t, many, "SET tern.partitions = 1")
		if got := mustQuery(t, many, sql); !slices.Equal(got, want) {
			t.Errorf("q%02d on the nodes differs:\n got %q\nwant %q", q, got, want)
		}
		execUpdate(t, many, "SET tern.partitions = 3")
		got := mustQuery(t, many, sql)
		w := slices.Clone(want)
		sort.Strings(got)
		sort.Strings(w)
		if !slices.Equal(got, w) {
			t.Errorf("q%02d cut into exchanges between nodes differs:\n got %q\nwant %q", q, got, w)
		}
	}
}

// loadTPCHTables creates the eight tables with schema.txt's types and copies the Parquet
// files into them.
func loadTPCHTables(t *testing.T, cn adbc.Connection, dir string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "schema.txt"))
	if err != nil {
		t.Fatal(err)
	}
	cols := map[string][]string{}
	var order []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		name, typ, _ := strings.Cut(strings.TrimSpace(line), " ")
		tbl, col, _ := strings.Cut(name, ".")
		if _, seen := cols[tbl]; !seen {
			order = append(order, tbl)
		}
		cols[tbl] = append(cols[tbl], col+" "+typ)
	}
	for _, tbl := range order {
		execUpdate(t, cn, fmt.Sprintf("CREATE TABLE %s (%s)", tbl, strings.Join(cols[tbl], ", ")))
		execUpdate(t, cn, fmt.Sprintf("COPY %s FROM '%s' (FORMAT parquet)", tbl, filepath.Join(dir, "sf0.1", tbl+".parquet")))
	}
}
