package gateway

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
)

// TestMissingFileNotFound: a missing file inside an allowed directory is NotFound with
// PostgreSQL's wording; outside, existing or not, it is PermissionDenied with the same text
// (nothing tells whether the file exists) (issue 9 item 8).
func TestMissingFileNotFound(t *testing.T) {
	allowed, outside := t.TempDir(), t.TempDir()
	ts := startServer(t, func(c *Config) { c.AllowDirs = []string{allowed} })
	cn := ts.openADBC(t, nil)
	adbcExec(t, cn, "CREATE TABLE t (id bigint)")
	missing := filepath.Join(allowed, "y.parquet")
	for _, sql := range []string{
		"SELECT * FROM read_parquet('" + missing + "')",
		"COPY t FROM '" + missing + "' (FORMAT parquet)",
		"COPY t FROM '" + filepath.Join(allowed, "sub", "y.csv") + "' (FORMAT csv)",
	} {
		_, err := tryQuery(cn, sql)
		var ae adbc.Error
		if !errors.As(err, &ae) || ae.Code != adbc.StatusNotFound || !strings.Contains(ae.Msg, `: No such file or directory`) || !strings.Contains(ae.Msg, `could not open file "`+allowed) {
			t.Errorf("%s: want NotFound `could not open file \"...\": No such file or directory`, got %v", sql, err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "exists.parquet"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, name := range []string{"exists.parquet", "missing.parquet"} {
		p := filepath.Join(outside, name)
		_, err := tryQuery(cn, "SELECT * FROM read_parquet('"+p+"')")
		var ae adbc.Error
		if !errors.As(err, &ae) || ae.Code != adbc.StatusUnauthorized {
			t.Fatalf("%s: want PermissionDenied, got %v", p, err)
		}
		msgs = append(msgs, strings.ReplaceAll(ae.Msg, name, "NAME"))
	}
	if msgs[0] != msgs[1] {
		t.Errorf("refusals differ between an existing and a missing file:\n%s\n%s", msgs[0], msgs[1])
	}
}
