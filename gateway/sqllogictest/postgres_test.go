package sqllogictest

import (
	"flag"
	"testing"
)

var rewriteFlag = flag.Bool("slt.rewrite", false, "rewrite expected output in testdata/slt from PostgreSQL's results")

// TestTestdataPostgres replays testdata/slt against PostgreSQL. It is the same check as
// gateway's TestSLTPostgres, kept here so the files can be verified (and rewritten) while the
// gateway package does not build.
func TestTestdataPostgres(t *testing.T) {
	OpenPostgresT(t) // skip (or fail on CI) once, not per file
	RunFiles(t, "../../testdata/slt/*.slt", "postgres", *rewriteFlag, func(t *testing.T) DB {
		return OpenPostgresT(t)
	})
}

func TestPostgresValues(t *testing.T) {
	db := OpenPostgresT(t)
	res, err := db.Query(t.Context(), `SELECT 1::int2, 2::int8, 1.50::numeric(5,2), 1e20::float8,
		'infinity'::float4, true, ''::text, NULL::text, 'a'||chr(10)||'b',
		'2024-01-02'::date, '2024-01-02 10:00:00.250'::timestamp, '2024-01-02 10:00:00+02'::timestamptz`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1", "2", "1.50", "1e+20", "Infinity", "t", "(empty)", "NULL", `a\nb`,
		"2024-01-02", "2024-01-02 10:00:00.25", "2024-01-02 08:00:00+00"}
	if res.Types != "IIRRRBTTTDDD" {
		t.Errorf("types %q", res.Types)
	}
	if len(res.Rows) != 1 {
		t.Fatalf("rows %v", res.Rows)
	}
	for i, w := range want {
		if res.Rows[0][i] != w {
			t.Errorf("column %d: got %q, want %q", i, res.Rows[0][i], w)
		}
	}
	if _, err := db.Query(t.Context(), "SELECT * FROM nowhere"); err == nil {
		t.Error("expected an error")
	}
}
