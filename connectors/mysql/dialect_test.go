package mysql

import (
	"flag"
	"os"
	"testing"

	"github.com/tern-db/tern/connectors/remotesql"
)

var update = flag.Bool("update", false, "rewrite testdata/pushdown.golden")

// TestPushdownGolden pins the SQL sent to MySQL and MariaDB for each kind of pushdown, with names
// and values that try to escape their quotes (go test ./connectors/mysql -update).
func TestPushdownGolden(t *testing.T) {
	got := remotesql.RenderGolden(Dialect{}) + "\n" + remotesql.OrderGolden(Dialect{})
	const path = "testdata/pushdown.golden"
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Fatalf("remote SQL differs from %s (rerun with -update and review the diff):\n%s", path, got)
	}
}
