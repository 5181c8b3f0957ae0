package coordinator

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tern-db/tern/proto/errs"
)

// COPY FROM stores CHAR(n) values padded, as INSERT does, so that they meet constants and
// inserted values; a longer value is PostgreSQL's "value too long for type character(n)".
func TestCopyFromChar(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, dir)
	h.mustExec(nil, "CREATE TABLE src (id bigint, name text)")
	h.mustExec(nil, "INSERT INTO src VALUES (1, 'ab'), (2, 'abc   ')")
	out := filepath.Join(dir, "out.csv")
	h.mustExec(nil, "COPY src TO '"+out+"' (FORMAT csv, HEADER true)")
	h.mustExec(nil, "CREATE TABLE dst (id bigint, name char(4))")
	if n := h.mustExec(nil, "COPY dst FROM '"+out+"' (FORMAT csv, HEADER true)"); n != 2 {
		t.Errorf("COPY FROM reported %d rows, want 2", n)
	}
	h.want(nil, "SELECT id, '|' || name || '|', octet_length(name) FROM dst ORDER BY id", "1||ab||4", "2||abc||4")
	h.want(nil, "SELECT id FROM dst WHERE name = 'ab'", "1")
	h.mustExec(nil, "CREATE TABLE narrow (id bigint, name char(2))")
	_, err := h.exec(nil, "COPY narrow FROM '"+out+"' (FORMAT csv, HEADER true)")
	if !errors.Is(err, errs.ErrInvalidArgument) || !strings.Contains(err.Error(), "value too long for type character(2) (COPY narrow, row 2, column name") {
		t.Errorf("COPY FROM of a value too long: %v", err)
	}
}
