package main

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Durability of native storage (issue #5): kill -9 the server while it runs COPY, bulk
// ingest, DELETE and background compaction, restart it on the same data directory, and check
// that every table reads as exactly one committed snapshot: nothing half-written is visible,
// and every acknowledged change is there.

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.t.Fatal("tern serve did not die")
	}
}

// runUntilKilled runs op(i) for i = 0, 1, ... until it fails, counting the acknowledged
// calls; after minAcked acknowledgements (and a random pause inside a later call) the server
// is killed. It returns the number acknowledged.
func runUntilKilled(t *testing.T, srv *server, minAcked int64, op func(i int64) error) int64 {
	t.Helper()
	var acked atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := int64(0); ; i++ {
			if err := op(i); err != nil {
				return
			}
			acked.Add(1)
		}
	}()
	deadline := time.Now().Add(15 * time.Second)
	for acked.Load() < minAcked && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if acked.Load() < minAcked {
		t.Fatalf("only %d operations acknowledged before the deadline\n%s", acked.Load(), srv.out.String())
	}
	time.Sleep(time.Duration(rand.Intn(40)) * time.Millisecond) // somewhere inside a later call
	before := acked.Load()
	srv.kill()
	wg.Wait()
	if n := acked.Load(); n > before+1 {
		t.Fatalf("acknowledged %d calls after the kill was sent", n-before)
	}
	return acked.Load()
}

func count(t *testing.T, cn adbc.Connection, q string) int64 {
	t.Helper()
	rows := mustQuery(t, cn, q)
	n, err := strconv.ParseInt(rows[0], 10, 64)
	if err != nil {
		t.Fatalf("%s: %v", q, rows)
	}
	return n
}

func TestDurabilityKillDuringCopy(t *testing.T) {
	data, files := t.TempDir(), t.TempDir()
	const rowsPerFile = 20000
	path := filepath.Join(files, "batch.parquet")
	writeIDs(t, path, rowsPerFile)
	srv := startServer(t, data, "--allow-dir", files)
	cn, _ := openADBC(t, srv.addr, "admin", adminPassword)
	execUpdate(t, cn, "CREATE TABLE c (id bigint, v bigint) WITH (partition_by = 'range(id, 1000)')")
	acked := runUntilKilled(t, srv, 3, func(int64) error {
		return tryExec(cn, "COPY c FROM '"+path+"' (FORMAT parquet)")
	})

	srv = startServer(t, data, "--allow-dir", files)
	cn2, _ := openADBC(t, srv.addr, "admin", adminPassword)
	n := count(t, cn2, "SELECT count(*) FROM c")
	if n%rowsPerFile != 0 || n < acked*rowsPerFile || n > (acked+1)*rowsPerFile {
		t.Fatalf("after the crash: %d rows; %d copies of %d were acknowledged", n, acked, rowsPerFile)
	}
	copies := n / rowsPerFile
	expectRows(t, mustQuery(t, cn2, "SELECT count(DISTINCT id), sum(v) FROM c"),
		fmt.Sprintf("%d|%d", rowsPerFile, copies*rowsPerFile*(rowsPerFile-1)/2))
}

func TestDurabilityKillDuringIngest(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	cn, _ := openADBC(t, srv.addr, "admin", adminPassword)
	mem := memory.DefaultAllocator // not the checked one: a killed server leaves the driver's buffers behind
	execUpdate(t, cn, "CREATE TABLE g (id bigint, v bigint)")
	const batch = 50000
	acked := runUntilKilled(t, srv, 3, func(i int64) error {
		st, err := cn.NewStatement()
		if err != nil {
			return err
		}
		defer st.Close()
		st.SetOption(adbc.OptionKeyIngestTargetTable, "g")
		st.SetOption(adbc.OptionKeyIngestMode, adbc.OptionValueIngestModeAppend)
		rec := idBatch(mem, i*batch, batch)
		defer rec.Release()
		if err := st.Bind(context.Background(), rec); err != nil {
			return err
		}
		_, err = st.ExecuteUpdate(context.Background())
		return err
	})
	srv = startServer(t, data)
	cn2, _ := openADBC(t, srv.addr, "admin", adminPassword)
	n := count(t, cn2, "SELECT count(*) FROM g")
	if n%batch != 0 || n < acked*batch || n > (acked+1)*batch {
		t.Fatalf("after the crash: %d rows; %d ingests of %d acknowledged", n, acked, batch)
	}
	if got := count(t, cn2, "SELECT count(DISTINCT id) FROM g"); got != n {
		t.Fatalf("%d distinct ids in %d rows", got, n)
	}
}

func TestDurabilityKillDuringDelete(t *testing.T) {
	data, files := t.TempDir(), t.TempDir()
	const rows = 100000
	path := filepath.Join(files, "ids.parquet")
	writeIDs(t, path, rows)
	srv := startServer(t, data, "--allow-dir", files)
	cn, _ := openADBC(t, srv.addr, "admin", adminPassword)
	execUpdate(t, cn, "CREATE TABLE d (id bigint, v bigint) WITH (partition_by = 'range(id, 5000)')")
	execUpdate(t, cn, "COPY d FROM '"+path+"' (FORMAT parquet)")
	// DELETE k removes the ids whose last digit is k: after j deletes, 10000*(10-j) rows.
	acked := runUntilKilled(t, srv, 2, func(k int64) error {
		if k >= 10 {
			time.Sleep(time.Hour)
		}
		return tryExec(cn, fmt.Sprintf("DELETE FROM d WHERE id %% 10 = %d", k))
	})
	srv = startServer(t, data, "--allow-dir", files)
	cn2, _ := openADBC(t, srv.addr, "admin", adminPassword)
	n := count(t, cn2, "SELECT count(*) FROM d")
	done := 10 - n/(rows/10)
	if n%(rows/10) != 0 || done < acked || done > acked+1 {
		t.Fatalf("after the crash: %d rows; %d deletes acknowledged", n, acked)
	}
	if got := count(t, cn2, fmt.Sprintf("SELECT count(*) FROM d WHERE id %% 10 < %d", done)); got != 0 {
		t.Fatalf("%d rows of committed deletes are back", got)
	}
}

func TestDurabilityKillDuringCompaction(t *testing.T) {
	data := t.TempDir()
	t.Setenv("TERN_MAINTENANCE_EVERY", "20ms") // the child inherits it
	srv := startServer(t, data)
	cn, _ := openADBC(t, srv.addr, "admin", adminPassword)
	execUpdate(t, cn, "CREATE TABLE p (id bigint, k int) WITH (partition_by = 'k', cluster_by = 'id')")
	// Small appends: background compaction keeps merging them while more arrive.
	acked := runUntilKilled(t, srv, 40, func(i int64) error {
		return tryExec(cn, fmt.Sprintf("INSERT INTO p VALUES (%d, %d), (%d, %d)", 2*i, i%3, 2*i+1, (i+1)%3))
	})
	srv2 := startServer(t, data)
	cn3, _ := openADBC(t, srv2.addr, "admin", adminPassword)
	snaps := mustQuery(t, cn3, "SELECT count(*) FROM tern.snapshots('p') WHERE operation = 'compact'")
	n := count(t, cn3, "SELECT count(*) FROM p")
	if n != 2*acked && n != 2*acked+2 {
		t.Fatalf("after the crash: %d rows; %d inserts of 2 acknowledged", n, acked)
	}
	if got := count(t, cn3, "SELECT count(DISTINCT id) FROM p"); got != n {
		t.Fatalf("%d distinct ids in %d rows", got, n)
	}
	t.Logf("%d inserts acknowledged, compactions committed before the kill: %v", acked, snaps)
}

func tryExec(cn adbc.Connection, q string) error {
	st, err := cn.NewStatement()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SetSqlQuery(q); err != nil {
		return err
	}
	_, err = st.ExecuteUpdate(context.Background())
	return err
}

func idBatch(mem memory.Allocator, from, n int64) arrow.RecordBatch {
	sc := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	for i := from; i < from+n; i++ {
		b.Field(0).(*array.Int64Builder).Append(i)
		b.Field(1).(*array.Int64Builder).Append(i % 7)
	}
	return b.NewRecordBatch()
}

// writeIDs writes a Parquet file of ids 0..n-1 with v = id.
func writeIDs(t *testing.T, path string, n int64) {
	t.Helper()
	sc := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for i := int64(0); i < n; i++ {
		b.Field(0).(*array.Int64Builder).Append(i)
		b.Field(1).(*array.Int64Builder).Append(i)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(sc, f, nil, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
