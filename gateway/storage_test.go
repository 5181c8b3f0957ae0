package gateway

import (
	"context"
	"errors"
	"fmt"
	"github.com/tern-db/tern/connectors/native"
	"io"
	"os"
	"path/filepath"
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
	w := ts.coord.Store().NewWriter(tb)
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
		{"ts IN ('2022-02-01 12:00:00', '2022-02-03 12:00:00')", 2},
		{"ts = '2022-02-01 00:00:00'", 0}, // before the day's first row: pruned by the file's min
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

// TestStoragePartitionPruningLong is the acceptance figure: 60 million rows
// partitioned by day over two years; a query for one day must read under 2% of the table's
// bytes. It takes minutes: TERN_LONG_TESTS=1 runs it.
func TestStoragePartitionPruningLong(t *testing.T) {
	if os.Getenv("TERN_LONG_TESTS") == "" {
		t.Skip("TERN_LONG_TESTS=1 runs the 60-million-row test")
	}
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, "CREATE TABLE events (id bigint NOT NULL, ts timestamp, v bigint) WITH (partition_by = 'day(ts)')")
	const rows, days = 60_000_000, 730
	start := time.Now()
	loadEvents(t, ts, "events", rows, days)
	t.Logf("loaded %d rows in %s", rows, time.Since(start))
	q := "SELECT count(*), sum(v) FROM events WHERE ts >= '2023-03-01' AND ts < '2023-03-02'"
	got, n := scanned(t, ts, q)
	dry := strings.Split(c.query(t, "EXPLAIN (DRY_RUN) "+q)[0], "|")
	table, _ := strconv.ParseInt(dry[1], 10, 64)
	t.Logf("%s -> %v: read %d of %d bytes (%.4f%%), dry run %s", q, got, n, table, 100*float64(n)/float64(table), dry[0])
	if float64(n) >= 0.02*float64(table) {
		t.Fatalf("one day read %d of %d bytes", n, table)
	}
}

func TestStorageDML(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, "CREATE TABLE acct (id int NOT NULL, region text, bal numeric(10,2)) WITH (partition_by = 'region')")
	c.exec(t, "INSERT INTO acct VALUES (1, 'eu', 10), (2, 'eu', 20), (3, 'us', 30), (4, 'us', 40), (5, NULL, 50)")
	c.exec(t, "INSERT INTO acct VALUES (6, 'ap', 60)")
	before := fileSet(t, ts, "acct")

	if n := c.exec(t, "DELETE FROM acct WHERE id = 2"); n != 1 {
		t.Fatalf("DELETE reported %d rows", n)
	}
	want(t, c.query(t, "SELECT id, region, bal FROM acct ORDER BY id"),
		"1|eu|10.00", "3|us|30.00", "4|us|40.00", "5|NULL|50.00", "6|ap|60.00")
	// Only the eu file was rewritten (pruned by partition and statistics).
	after := fileSet(t, ts, "acct")
	if gone := diffCount(before, after); gone != 1 {
		t.Fatalf("DELETE replaced %d files, want 1", gone)
	}
	if n := c.exec(t, "UPDATE acct SET bal = bal * 2, region = 'us' WHERE region = 'eu' OR id = 5"); n != 2 {
		t.Fatalf("UPDATE reported %d rows", n)
	}
	want(t, c.query(t, "SELECT id, region, bal FROM acct ORDER BY id"),
		"1|us|20.00", "3|us|30.00", "4|us|40.00", "5|us|100.00", "6|ap|60.00")
	if n := c.exec(t, "UPDATE acct SET bal = 0 WHERE id = 999"); n != 0 {
		t.Fatalf("UPDATE of nothing reported %d rows", n)
	}
	if n := c.exec(t, "DELETE FROM acct WHERE bal IS NULL"); n != 0 {
		t.Fatalf("DELETE of nothing reported %d", n)
	}

	// MERGE: update matched, delete matched with a condition, insert the rest.
	c.exec(t, "CREATE TABLE chg (id int, delta numeric(10,2), del boolean)")
	c.exec(t, "INSERT INTO chg VALUES (1, 5, false), (3, 0, true), (7, 70, false), (8, 80, true)")
	n := c.exec(t, `MERGE INTO acct a USING chg c ON a.id = c.id
		WHEN MATCHED AND c.del THEN DELETE
		WHEN MATCHED THEN UPDATE SET bal = a.bal + c.delta
		WHEN NOT MATCHED AND NOT c.del THEN INSERT (id, region, bal) VALUES (c.id, 'new', c.delta)`)
	if n != 3 {
		t.Fatalf("MERGE reported %d rows, want 3", n)
	}
	want(t, c.query(t, "SELECT id, region, bal FROM acct ORDER BY id"),
		"1|us|25.00", "4|us|40.00", "5|us|100.00", "6|ap|60.00", "7|new|70.00")
	// A source row matching two target rows is an error and changes nothing.
	c.exec(t, "INSERT INTO chg VALUES (1, 1, false)")
	if _, err := c.ExecuteUpdate(c.ctx, "MERGE INTO acct a USING chg c ON a.id = c.id WHEN MATCHED THEN UPDATE SET bal = 0"); err == nil {
		t.Fatal("MERGE with a doubly matched row succeeded")
	}
	want(t, c.query(t, "SELECT count(*), sum(bal) FROM acct"), "5|295.00")
	// NOT NULL holds through UPDATE.
	if _, err := c.ExecuteUpdate(c.ctx, "UPDATE acct SET id = NULL WHERE id = 1"); err == nil || !strings.Contains(err.Error(), "not-null") {
		t.Fatalf("UPDATE to NULL: %v", err)
	}
	if n := c.exec(t, "DELETE FROM acct"); n != 5 {
		t.Fatalf("DELETE all reported %d", n)
	}
	want(t, c.query(t, "SELECT count(*) FROM acct"), "0")
}

func fileSet(t testing.TB, ts *testServer, table string) map[string]bool {
	t.Helper()
	ctx := context.Background()
	tb, err := ts.cat.GetTable(ctx, catalog.TableRef{Tenant: catalog.DefaultTenant, Schema: "public", Name: table})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := ts.cat.Snapshot(ctx, tb.ID, tb.CurrentSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, f := range snap.Files {
		out[f.Path] = true
	}
	return out
}

func diffCount(before, after map[string]bool) int {
	n := 0
	for p := range before {
		if !after[p] {
			n++
		}
	}
	return n
}

func TestStorageTimeTravelAndMaintenance(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, "CREATE TABLE tt (id int, v text) WITH (snapshot_retention = '1 hour')")
	c.exec(t, "INSERT INTO tt VALUES (1, 'a'), (2, 'b')")
	time.Sleep(20 * time.Millisecond)
	mid := time.Now().UTC()
	time.Sleep(20 * time.Millisecond)
	c.exec(t, "UPDATE tt SET v = 'B' WHERE id = 2")
	c.exec(t, "DELETE FROM tt WHERE id = 1")
	c.exec(t, "INSERT INTO tt VALUES (3, 'c')")
	want(t, c.query(t, "SELECT id, v FROM tt ORDER BY id"), "2|B", "3|c")
	at := mid.Format("2006-01-02 15:04:05.999999")
	want(t, c.query(t, "SELECT id, v FROM tern.as_of('tt', '"+at+"') AS old ORDER BY id"), "1|a", "2|b")
	want(t, c.query(t, "SELECT operation FROM tern.snapshots('public.tt') ORDER BY snapshot_id"), "insert", "update", "delete", "insert")
	snaps := c.query(t, "SELECT snapshot_id FROM tern.snapshots('tt') ORDER BY snapshot_id")
	want(t, c.query(t, "SELECT count(*) FROM tern.as_of('tt', "+snaps[2]+")"), "1")
	if _, err := c.Execute(c.ctx, "SELECT * FROM tern.as_of('tt', '2001-01-01')"); err == nil || !strings.Contains(err.Error(), "did not exist") {
		t.Fatalf("as of before creation: %v", err)
	}

	// Expiry: with retention 0 every replaced snapshot expires; files only they held go.
	ctx := context.Background()
	tb, _ := ts.cat.GetTable(ctx, catalog.TableRef{Tenant: catalog.DefaultTenant, Schema: "public", Name: "tt"})
	tb.Options["snapshot_retention"] = "0"
	h := ts.cat.(catalog.History)
	if n, err := h.ExpireSnapshots(ctx, tb.ID, time.Now()); err != nil || n != 3 {
		t.Fatalf("expired %d: %v", n, err)
	}
	if err := ts.coord.Store().CleanBefore(ctx, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Execute(c.ctx, "SELECT * FROM tern.as_of('tt', '"+at+"')"); err == nil || !strings.Contains(err.Error(), "older than its retained") {
		t.Fatalf("as of an expired snapshot: %v", err)
	}
	want(t, c.query(t, "SELECT id, v FROM tt ORDER BY id"), "2|B", "3|c")
	// The current files are all that is left on disk, after an orphan sweep too.
	os.WriteFile(filepath.Join(ts.cfg.DataDir, "tables", "default", strconv.FormatUint(tb.ID, 10), "orphan.parquet"), []byte("x"), 0o644)
	if n, err := ts.coord.Store().SweepOrphans(ctx, time.Now().Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("swept %d orphans: %v", n, err)
	}
	cur := fileSet(t, ts, "tt")
	onDisk := 0
	filepath.Walk(filepath.Join(ts.cfg.DataDir, "tables"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			onDisk++
		}
		return nil
	})
	if onDisk != len(cur) {
		t.Fatalf("%d files on disk, %d in the current snapshot", onDisk, len(cur))
	}
	want(t, c.query(t, "SELECT id, v FROM tt ORDER BY id"), "2|B", "3|c")
}

func TestStorageCompaction(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, "CREATE TABLE cp (d date, k int, v text) WITH (partition_by = 'month(d)', cluster_by = 'k')")
	for i := 0; i < 6; i++ {
		c.exec(t, fmt.Sprintf("INSERT INTO cp VALUES ('2024-01-%02d', %d, 'x'), ('2024-02-01', %d, 'y')", i+1, 10-i, i))
	}
	if n := len(fileSet(t, ts, "cp")); n != 12 {
		t.Fatalf("%d files before compaction", n)
	}
	before := c.query(t, "SELECT d, k, v FROM cp ORDER BY d, k")
	res, err := ts.coord.Store().Compact(context.Background(), catalog.TableRef{Tenant: catalog.DefaultTenant, Schema: "public", Name: "cp"}, native.CompactOptions{MinFiles: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.FilesRemoved != 12 || res.FilesAdded != 2 || res.Partitions != 2 {
		t.Fatalf("compaction %+v", res)
	}
	want(t, c.query(t, "SELECT d, k, v FROM cp ORDER BY d, k"), before...)
	// Clustered: the January file is sorted by k.
	want(t, c.query(t, "SELECT k FROM cp WHERE d < '2024-02-01'"), "5", "6", "7", "8", "9", "10")
}

func TestStorageSystemViewsAndGrammar(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, "CREATE TABLE sales (day date NOT NULL, region varchar(8), amount numeric(12,2)) PARTITION BY RANGE (date_trunc('month', day))")
	c.exec(t, "CREATE TABLE regions (name text) PARTITION BY LIST (name)")
	c.exec(t, "CREATE TABLE r2 (id bigint) PARTITION BY RANGE (id) WITH (partition_width = 100)")
	if _, err := c.ExecuteUpdate(c.ctx, "CREATE TABLE bad (id bigint) PARTITION BY RANGE (id)"); err == nil {
		t.Fatal("RANGE on an integer without a width was accepted")
	}
	if _, err := c.ExecuteUpdate(c.ctx, "CREATE TABLE bad (id bigint) WITH (partition_by = 'day(id)')"); err == nil {
		t.Fatal("day() of a bigint was accepted")
	}
	if _, err := c.ExecuteUpdate(c.ctx, "CREATE TABLE bad (a int, b int, c int, d int, e int) WITH (cluster_by = 'a,b,c,d,e')"); err == nil {
		t.Fatal("five clustering columns were accepted")
	}
	c.exec(t, "INSERT INTO sales VALUES ('2024-01-05', 'eu', 1), ('2024-01-20', 'us', 2), ('2024-02-01', 'eu', 3)")
	c.exec(t, "INSERT INTO r2 VALUES (5), (150), (151), (-1)")
	want(t, c.query(t, "SELECT table_name, partition_expression, partition_key, files, row_count FROM information_schema.partitions ORDER BY table_name, partition_key"),
		"r2|range(id, 100)|[-100,0)|1|1", "r2|range(id, 100)|[0,100)|1|1", "r2|range(id, 100)|[100,200)|1|2",
		"sales|month(day)|2024-01|1|2", "sales|month(day)|2024-02|1|1")
	want(t, c.query(t, "SELECT table_schema, table_name, table_type FROM information_schema.tables ORDER BY table_name"),
		"public|r2|BASE TABLE", "public|regions|BASE TABLE", "public|sales|BASE TABLE")
	want(t, c.query(t, "SELECT column_name, ordinal_position, is_nullable, data_type, character_maximum_length, numeric_precision, numeric_scale FROM information_schema.columns WHERE table_name = 'sales' ORDER BY ordinal_position"),
		"day|1|NO|date|NULL|NULL|NULL", "region|2|YES|character varying|8|NULL|NULL", "amount|3|YES|numeric|NULL|12|2")
	want(t, c.query(t, "SELECT schema_name FROM information_schema.schemata ORDER BY schema_name"), "information_schema", "pg_catalog", "public")
	want(t, c.query(t, `SELECT c.relname, a.attname, t.typname FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid JOIN pg_type t ON t.oid = a.atttypid
		WHERE n.nspname = 'public' AND c.relname = 'sales' ORDER BY a.attnum`),
		"sales|day|date", "sales|region|varchar", "sales|amount|numeric")
	want(t, c.query(t, "SELECT datname FROM pg_database"), "tern")
	want(t, c.query(t, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"), "r2", "regions", "sales")
}

func TestStorageDryRunAnalyzeVacuum(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, "CREATE TABLE m (k int, v text) WITH (partition_by = 'range(k, 10)')")
	for i := 0; i < 4; i++ {
		c.exec(t, fmt.Sprintf("INSERT INTO m VALUES (%d, 'a'), (%d, 'b'), (NULL, 'c')", i, i+10))
	}
	if _, err := c.Execute(c.ctx, "SET tern.dry_run = on"); err != nil {
		t.Fatal(err)
	}
	dry := c.query(t, "SELECT v FROM m WHERE k = 3")
	if f := strings.Split(dry[0], "|"); len(f) != 6 || f[2] != "1" || f[3] != "12" {
		t.Fatalf("dry run: %v", dry)
	}
	if _, err := c.Execute(c.ctx, "SET tern.dry_run = off"); err != nil {
		t.Fatal(err)
	}
	want(t, c.query(t, "SELECT v FROM m WHERE k = 3"), "a")

	c.exec(t, "ANALYZE m")
	st, err := ts.cat.(catalog.StatsStore).TableStats(context.Background(), catalog.TableRef{Tenant: catalog.DefaultTenant, Schema: "public", Name: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows != 12 || st.Columns[0].Distinct != 8 || st.Columns[0].Nulls != 4 || st.Columns[1].Distinct != 3 || st.Columns[0].Min != "i:0" || st.Columns[0].Max != "i:13" {
		t.Fatalf("ANALYZE: %+v", st)
	}
	c.exec(t, "VACUUM m")
	if n := len(fileSet(t, ts, "m")); n != 3 { // one per partition: [0,10), [10,20), NULL
		t.Fatalf("%d files after VACUUM", n)
	}
	want(t, c.query(t, "SELECT count(*), count(k), sum(k) FROM m"), "12|8|52")
}
