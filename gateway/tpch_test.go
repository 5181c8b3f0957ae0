package gateway_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tern-db/tern/gateway/sqllogictest"
)

// tpchDir finds the TPC-H reference set: $TERN_TPCH_DIR, else ../shared/tpch beside the repo.
// Without it the test is skipped, saying why — except on CI, where .ci/run sets the variable
// and a missing folder is a failure.
func tpchDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("TERN_TPCH_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "tpch")
	}
	if _, err := os.Stat(filepath.Join(dir, "sf0.1", "lineitem.parquet")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("TPC-H reference set not found at %s (TERN_TPCH_DIR): %v", dir, err)
		}
		t.Skipf("TPC-H reference set not found at %s; set TERN_TPCH_DIR to run the TPC-H gate", dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// loadTPCH creates the eight tables with the types of schema.txt and COPYs the SF0.1 Parquet
// files into them.
func loadTPCH(t *testing.T, db sqllogictest.DB, dir string) {
	t.Helper()
	if err := loadTPCHTables(context.Background(), db, dir); err != nil {
		t.Fatal(err)
	}
}

// loadTPCHTables is Tern's half of the .slt `load tpch` record: CREATE TABLE with the types of
// schema.txt, then COPY from the SF0.1 Parquet files (Tern's own ingest path).
func loadTPCHTables(ctx context.Context, db sqllogictest.DB, dir string) error {
	tables, err := sqllogictest.TPCHTables(dir)
	if err != nil {
		return err
	}
	for _, tbl := range tables {
		if _, err := db.Exec(ctx, fmt.Sprintf("CREATE TABLE %s (%s)", tbl.Name, strings.Join(tbl.Columns, ", "))); err != nil {
			return fmt.Errorf("create %s: %w", tbl.Name, err)
		}
		path := filepath.Join(dir, "sf0.1", tbl.Name+".parquet")
		if _, err := db.Exec(ctx, fmt.Sprintf("COPY %s FROM '%s' (FORMAT parquet)", tbl.Name, path)); err != nil {
			return fmt.Errorf("copy %s: %w", tbl.Name, err)
		}
	}
	return nil
}

// TestTPCH is the correctness gate: the 22 TPC-H queries on SF0.1 loaded into native tables
// must return the reference answers (numbers within 0.01). Timings are the bench's business
// (they assert nothing): `cd bench && go run . tpch --sf 0.1 --runs 5 --queries 1,6` times
// Tern (and DuckDB) on the same files and checks both against these answers.
func TestTPCH(t *testing.T) {
	dir := tpchDir(t)
	db := openTernWithDirs(t, dir)
	loadTPCH(t, db, dir)
	for q := 1; q <= 22; q++ {
		name := fmt.Sprintf("q%02d", q)
		t.Run(name, func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join(dir, "queries", name+".sql"))
			if err != nil {
				t.Fatal(err)
			}
			want := readAnswer(t, filepath.Join(dir, "answers-sf0.1", name+".csv"))
			// A query that runs away fails on its own instead of eating CI's time.
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			res, err := db.Query(ctx, string(text))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if msg := compareAnswers(res.Rows, want); msg != "" {
				t.Fatalf("%s: %s", name, msg)
			}
		})
	}
}

func readAnswer(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs[1:] // header
}

// compareAnswers compares rows in order; if that fails only because rows with equal sort
// keys came out in another order, the multiset comparison decides.
func compareAnswers(got, want [][]string) string {
	if len(got) != len(want) {
		return fmt.Sprintf("got %d rows, want %d\nfirst got: %v\nfirst want: %v", len(got), len(want), first(got), first(want))
	}
	inOrder := ""
	for i := range want {
		if msg := compareRow(got[i], want[i]); msg != "" {
			inOrder = fmt.Sprintf("row %d: %s\n got: %v\nwant: %v", i+1, msg, got[i], want[i])
			break
		}
	}
	if inOrder == "" {
		return ""
	}
	g, w := sortedRows(got), sortedRows(want)
	for i := range w {
		if compareRow(g[i], w[i]) != "" {
			return inOrder
		}
	}
	return ""
}

func first(rows [][]string) []string {
	if len(rows) == 0 {
		return nil
	}
	return rows[0]
}

func sortedRows(rows [][]string) [][]string {
	out := append([][]string(nil), rows...)
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i], "\x00") < strings.Join(out[j], "\x00") })
	return out
}

func compareRow(got, want []string) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d columns, want %d", len(got), len(want))
	}
	for c := range want {
		g, w := strings.TrimSpace(got[c]), strings.TrimSpace(want[c])
		if g == w {
			continue
		}
		gf, err1 := strconv.ParseFloat(g, 64)
		wf, err2 := strconv.ParseFloat(w, 64)
		if err1 == nil && err2 == nil {
			if d := math.Abs(gf - wf); d <= 0.01 || d <= 1e-9*math.Abs(wf) {
				continue
			}
		}
		return fmt.Sprintf("column %d: got %q, want %q", c+1, g, w)
	}
	return ""
}
