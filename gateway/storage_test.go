package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto"
)

// Native storage through the gateway: partitioning and pruning, bytes scanned, dry runs,
// DML, time travel, compaction and the system views (issue #5).

// scanned plans and runs sql in-process and returns its rows and the bytes its scans read.
func scanned(t testing.TB, ts *testServer, sql string) ([]string, int64) {
	t.Helper()
	ctx := context.Background()
	sess := planner.Session{Tenant: catalog.DefaultTenant, User: "admin", Schema: catalog.DefaultSchema}
	st, err := ts.planner.Plan(ctx, sess, sql, nil)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	q, ok := st.(*planner.Query)
	if !ok {
		t.Fatalf("%s: %T is not a query", sql, st)
	}
	var n atomic.Int64
	qctx := files.WithBytesCounter(ctx, &n)
	op, err := ts.exec.Run(qctx, &proto.Fragment{QueryID: "t", Tenant: sess.Tenant, Plan: q.Plan})
	if err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	if err := op.Open(qctx); err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		b, err := op.Next(qctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		out = append(out, render(b)...)
		b.Release()
	}
	return out, n.Load()
}

// loadEvents writes rows events (id bigint, ts timestamp, v bigint) spread evenly over days
// days from 2022-01-01, in batches, through the native writer, and commits one snapshot.
func loadEvents(t testing.TB, ts *testServer, table string, rows, days int64) {
	t.Helper()
	ctx := context.Background()
	tb, err := ts.cat.GetTable(ctx, catalog.TableRef{Tenant: catalog.DefaultTenant, Schema: "public", Name: table})
	if err != nil {
		t.Fatal(err)
	}
	w := ts.store.NewWriter(tb)
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	step := days * 86400 * 1000000 / rows
	schema := w.Schema()
	const batch = 65536
	for off := int64(0); off < rows; off += batch {
		k := min(batch, rows-off)
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for i := off; i < off+k; i++ {
			b.Field(0).(*array.Int64Builder).Append(i)
			b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(start + i*step))
			b.Field(2).(*array.Int64Builder).Append(i % 100)
		}
		rec := b.NewRecordBatch()
		b.Release()
		err := w.Write(ctx, rec)
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Commit(ctx, tb.CurrentSnapshot, "insert"); err != nil {
		t.Fatal(err)
	}
}

func TestStoragePartitionPruning(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, "CREATE TABLE events (id bigint NOT NULL, ts timestamp, v bigint) WITH (partition_by = 'day(ts)', cluster_by = 'id')")
	const rows, days = 200_000, 730
	loadEvents(t, ts, "events", rows, days)

	all, bytesAll := scanned(t, ts, "SELECT count(*), sum(v) FROM events")
	want(t, all, fmt.Sprintf("%d|%d", rows, int64(rows/100)*4950))
	q := "SELECT count(*), min(ts) FROM events WHERE ts >= '2023-03-01' AND ts < '2023-03-02'"
	one, bytesOne := scanned(t, ts, q)
	perDay := rows / days
	if n, _ := strconv.Atoi(strings.Split(one[0], "|")[0]); n < int(perDay) || n > int(perDay)+1 {
		t.Fatalf("one day: %v", one)
	}
	dry := c.query(t, "EXPLAIN (DRY_RUN) "+q)
	f := strings.Split(dry[0], "|")
	est, _ := strconv.ParseInt(f[0], 10, 64)
	table, _ := strconv.ParseInt(f[1], 10, 64)
	if f[2] != "1" || f[3] != strconv.Itoa(days) {
		t.Fatalf("dry run files: %v", dry)
	}
	if est != bytesOne {
		t.Fatalf("dry run estimated %d bytes, the scan read %d", est, bytesOne)
	}
	ratio := float64(bytesOne) / float64(table)
	t.Logf("one day of %d rows over %d days: %d of %d table bytes (%.3f%%); full scan of two columns %d", rows, days, bytesOne, table, 100*ratio, bytesAll)
	if ratio >= 0.02 {
		t.Fatalf("one day read %.2f%% of the table", 100*ratio)
	}
	// Other predicates prune too, and give the same answers as unpruned scans.
	for _, tc := range []struct {
		where string
		files int
	}{
		{"ts BETWEEN '2022-01-05' AND '2022-01-06 23:59:59'", 2},
		{"ts IN ('2022-02-01 00:00:00', '2022-02-03 12:00:00')", 2},
		{"ts IS NULL", 0},
		{"ts < '2022-01-03'", 2},
		{"id = 5", 1},
	} {
		dry := c.query(t, "EXPLAIN (DRY_RUN) SELECT count(*) FROM events WHERE "+tc.where)
		if got := strings.Split(dry[0], "|")[2]; got != strconv.Itoa(tc.files) {
			t.Errorf("%s: %s files, want %d (%v)", tc.where, got, tc.files, dry)
		}
	}
	lines := c.query(t, "EXPLAIN "+q)
	if !strings.Contains(strings.Join(lines, "\n"), "Native scans: 1 of 730 files") {
		t.Fatalf("EXPLAIN: %v", lines)
	}
}
