package coordinator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// json and jsonb columns are utf8 in batches and files: COPY TO writes their text (CSV and
// Parquet) and COPY FROM reads it back.
func TestCopyJSON(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, dir)
	h.mustExec(nil, "CREATE TABLE js (id bigint, j json, b jsonb)")
	h.mustExec(nil, `INSERT INTO js VALUES (1, '{"b":1, "a":2}', '{"b":1, "a":2}'), (2, NULL, '[1, 2.50]')`)
	for _, format := range []string{"csv", "parquet"} {
		out := filepath.Join(dir, "out."+format)
		if n := h.mustExec(nil, "COPY (SELECT id, j, b, b -> 'a' AS a FROM js) TO '"+out+"' (FORMAT "+format+")"); n != 2 {
			t.Errorf("COPY TO %s reported %d rows, want 2", format, n)
		}
	}
	h.mustExec(nil, "CREATE TABLE back (id bigint, j json, b jsonb, a jsonb)")
	h.mustExec(nil, "COPY back FROM '"+filepath.Join(dir, "out.parquet")+"' (FORMAT parquet)")
	h.want(nil, "SELECT id, j, b, a FROM back ORDER BY id", `1|{"b":1, "a":2}|{"a": 2, "b": 1}|2`, `2|(null)|[1, 2.50]|(null)`)
}

// COPY FROM CSV reads json through its input function: invalid text is refused, jsonb is
// normalized.
func TestCopyJSONFromCSV(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, dir)
	good := filepath.Join(dir, "good.csv")
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(good, []byte("id,b\n1,\"{\"\"b\"\": 1, \"\"a\"\": [1e2]}\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("id,b\n1,{oops\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.mustExec(nil, "CREATE TABLE js (id bigint, b jsonb)")
	h.mustExec(nil, "COPY js FROM '"+good+"' (FORMAT csv, HEADER true)")
	h.want(nil, "SELECT b FROM js", `{"a": [100], "b": 1}`)
	if _, err := h.exec(nil, "COPY js FROM '"+bad+"' (FORMAT csv, HEADER true)"); err == nil || !strings.Contains(err.Error(), "invalid input syntax for type json") {
		t.Errorf("COPY FROM of invalid json: %v", err)
	}
}
