package gateway

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// lastMetadata runs sql and returns the app metadata of the result's last batch.
func lastMetadata(t *testing.T, c *client, sql string) (ResultMetadata, int) {
	t.Helper()
	info, err := c.Execute(c.ctx, sql)
	if err != nil {
		t.Fatal(err)
	}
	var md ResultMetadata
	var rows int
	for _, ep := range info.Endpoint {
		rdr, err := c.DoGet(c.ctx, ep.Ticket)
		if err != nil {
			t.Fatal(err)
		}
		var last []byte
		for rdr.Next() {
			rows += int(rdr.RecordBatch().NumRows())
			last = rdr.LatestAppMetadata()
		}
		if err := rdr.Err(); err != nil {
			t.Fatal(err)
		}
		rdr.Release()
		if err := json.Unmarshal(last, &md); err != nil {
			t.Fatalf("last batch metadata %q: %v", last, err)
		}
	}
	return md, rows
}

func TestResultMetadataAndExplainAnalyze(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, `CREATE TABLE m (k INTEGER, v TEXT, pad TEXT)`)
	c.exec(t, `INSERT INTO m SELECT k, 'v' || k, repeat('x', 200) FROM (VALUES (1),(2),(3),(4),(5),(6),(7),(8)) AS s(k)`)

	md, rows := lastMetadata(t, c, `SELECT k, v FROM m WHERE k > 2`)
	if rows != 6 || md.Rows != 6 || md.BytesScanned <= 0 || md.QueryID == "" {
		t.Fatalf("metadata %+v for %d rows: want rows=6 and bytes scanned > 0", md, rows)
	}
	// Reading fewer columns reads fewer bytes: only the needed column chunks are scanned.
	narrow, _ := lastMetadata(t, c, `SELECT k FROM m`)
	wide, _ := lastMetadata(t, c, `SELECT k, pad FROM m`)
	if !(narrow.BytesScanned > 0 && narrow.BytesScanned < wide.BytesScanned) {
		t.Fatalf("bytes scanned: k alone %d, k and pad %d", narrow.BytesScanned, wide.BytesScanned)
	}
	// An empty result still reports its totals.
	if md, rows := lastMetadata(t, c, `SELECT k FROM m WHERE k > 100`); rows != 0 || md.Rows != 0 || md.QueryID == "" {
		t.Fatalf("empty result metadata %+v", md)
	}

	out := strings.Join(c.query(t, `EXPLAIN ANALYZE SELECT v, count(*) FROM m WHERE k > 2 GROUP BY v ORDER BY v`), "\n")
	for _, re := range []string{
		`(?m)^Logical plan:`,
		`(?m)^Physical plan \(actual\):`,
		`rows=6 batches=\d+ time=[0-9.]+ms`,
		`peak_mem=[0-9.]+KiB`,
		`(?m)^Rows: 6$`,
		`(?m)^Bytes scanned: [1-9]\d*$`,
		`(?m)^Execution time: [0-9.]+ ms$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Fatalf("EXPLAIN ANALYZE output lacks %s:\n%s", re, out)
		}
	}
}
