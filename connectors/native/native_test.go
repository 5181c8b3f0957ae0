package native_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/connectors/native"
	texec "github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
	"github.com/tern-db/tern/proto/errs"
)

var ctx = context.Background()

func newTable(t *testing.T, cat catalog.Catalog, name string) catalog.Table {
	t.Helper()
	tb, err := cat.CreateTable(ctx, catalog.Table{Ref: catalog.TableRef{Tenant: "acme", Schema: "public", Name: name},
		Columns: []catalog.Column{{Name: "id", Type: catalog.Int64}, {Name: "v", Type: catalog.Text, Nullable: true}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// batch returns rows ids [from, to) with v = "r<id>" (NULL for multiples of 5).
func batch(t catalog.Table, from, to int) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, native.ArrowSchema(t))
	defer b.Release()
	for i := from; i < to; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if i%5 == 0 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append("r" + strconv.Itoa(i))
		}
	}
	return b.NewRecordBatch()
}

// readAll scans the table's current snapshot through the connector interface.
func readAll(t *testing.T, s *native.Store, ref catalog.TableRef) []string {
	t.Helper()
	meta, err := s.Catalog().GetTable(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	conn := native.Connector{Files: s}
	tb, err := conn.Table(ctx, meta)
	if err != nil {
		t.Fatal(err)
	}
	req := connectors.ScanRequest{Limit: -1, Snapshot: meta.CurrentSnapshot}
	splits, err := tb.Splits(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	mem := exectest.Alloc(t)
	var out []string
	for _, sp := range splits {
		op, err := native.Connector{}.Open(ctx, texec.Env{Alloc: mem, BatchSize: 7}, sp.Data, native.ArrowSchema(meta), nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, exectest.Rows(t, op)...)
	}
	return out
}

func expect(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		v := "r" + strconv.Itoa(i)
		if i%5 == 0 {
			v = "NULL"
		}
		out = append(out, strconv.Itoa(i)+"|"+v)
	}
	return out
}

func TestWriteCommitRead(t *testing.T) {
	dir := t.TempDir()
	cat := catalog.NewMemory()
	s := native.New(dir, cat)
	s.RowGroupRows = 10
	s.FileBytes = 1 // one row group per file
	tb := newTable(t, cat, "t")
	w := s.NewWriter(tb)
	for _, r := range [][2]int{{0, 7}, {7, 30}, {30, 31}} {
		b := batch(tb, r[0], r[1])
		if err := w.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
		b.Release()
	}
	if got := readAll(t, s, tb.Ref); len(got) != 0 {
		t.Fatalf("visible before commit: %v", got)
	}
	snap, err := w.Commit(ctx, tb.CurrentSnapshot, "insert")
	if err != nil {
		t.Fatal(err)
	}
	if snap.Rows() != 31 || len(snap.Files) != 5 { // 7 | 10 10 3 | 1: files close after each write here
		t.Fatalf("snapshot %+v", snap)
	}
	for _, f := range snap.Files {
		if !strings.HasPrefix(f.Path, fmt.Sprintf("tables/acme/%d/", tb.ID)) || !strings.HasSuffix(f.Path, ".parquet") || f.Bytes <= 0 {
			t.Fatalf("file %+v", f)
		}
	}
	if got := readAll(t, s, tb.Ref); !reflect.DeepEqual(got, expect(0, 31)) {
		t.Fatalf("read %v", got)
	}
	paths, err := s.SnapshotFiles(ctx, tb, snap.ID)
	if err != nil || len(paths) != 5 || !filepath.IsAbs(paths[0]) {
		t.Fatalf("SnapshotFiles %v %v", paths, err)
	}
	// A second writer from the old base conflicts and leaves no files behind.
	w2 := s.NewWriter(tb)
	b := batch(tb, 100, 101)
	w2.Write(ctx, b)
	b.Release()
	if _, err := w2.Commit(ctx, tb.CurrentSnapshot, "insert"); !errors.Is(err, errs.ErrConflict) {
		t.Fatalf("stale commit: %v", err)
	}
	w2.Abort()
	entries, _ := os.ReadDir(filepath.Join(dir, "tables", "acme", strconv.FormatUint(tb.ID, 10)))
	if len(entries) != 5 {
		t.Fatalf("%d files after conflict", len(entries))
	}
	// Limit prunes splits.
	ct := native.NewTable(s, tb)
	sp, _ := ct.Splits(ctx, connectors.ScanRequest{Limit: 15, Snapshot: snap.ID})
	if len(sp) != 2 {
		t.Fatalf("limit splits %d", len(sp))
	}
}

func TestWriterValidation(t *testing.T) {
	cat := catalog.NewMemory()
	s := native.New(t.TempDir(), cat)
	tb := newTable(t, cat, "t")
	w := s.NewWriter(tb)
	defer w.Abort()
	nulls := exectest.Record(t, memory.DefaultAllocator, native.ArrowSchema(tb), `[{"id":null,"v":"x"}]`)
	defer nulls.Release()
	err := w.Write(ctx, nulls)
	if !errors.Is(err, errs.ErrInvalidArgument) || !strings.Contains(err.Error(), `null value in column "id" of relation "t" violates not-null constraint`) {
		t.Fatalf("not null: %v", err)
	}
	wrong := exectest.Record(t, memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int32}, {Name: "v", Type: arrow.BinaryTypes.String, Nullable: true}}, nil), `[{"id":1,"v":"x"}]`)
	defer wrong.Release()
	if err := w.Write(ctx, wrong); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Fatalf("type mismatch: %v", err)
	}
}

func TestCreateTableAsAndAbort(t *testing.T) {
	dir := t.TempDir()
	cat := catalog.NewMemory()
	s := native.New(dir, cat)
	def := catalog.Table{Ref: catalog.TableRef{Tenant: "we/ird", Schema: "public", Name: "c"},
		Columns: []catalog.Column{{Name: "id", Type: catalog.Int64}, {Name: "v", Type: catalog.Text, Nullable: true}}}
	b := batch(def, 0, 12)
	src := exectest.SourceOf(b, 5)
	b.Release()
	tb, err := s.CreateTableAs(ctx, def, src)
	if err != nil {
		t.Fatal(err)
	}
	if tb.CurrentSnapshot == catalog.NoSnapshot {
		t.Fatal("no snapshot")
	}
	if got := readAll(t, s, tb.Ref); !reflect.DeepEqual(got, expect(0, 12)) {
		t.Fatalf("read %v", got)
	}
	// Same name again: the CTAS fails and its files are removed.
	b = batch(def, 0, 3)
	src = exectest.SourceOf(b, 5)
	b.Release()
	if _, err := s.CreateTableAs(ctx, def, src); !errors.Is(err, errs.ErrAlreadyExists) {
		t.Fatalf("second CTAS: %v", err)
	}
	n := 0
	filepath.Walk(filepath.Join(dir, "tables"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n++
		}
		return nil
	})
	if n != 1 {
		t.Fatalf("%d files on disk, want 1", n)
	}
	// Drop, then Clean removes the files.
	if err := cat.DropTable(ctx, tb.Ref); err != nil {
		t.Fatal(err)
	}
	if err := s.Clean(ctx); err != nil {
		t.Fatal(err)
	}
	snapFiles, _ := cat.(catalog.Janitor).DroppedFiles(ctx)
	if len(snapFiles) != 0 {
		t.Fatalf("still recorded: %v", snapFiles)
	}
}

// ---- crash safety

const crashEnv = "TERN_NATIVE_CRASH_CHILD"

// TestCrashChild is the child process of TestCrashBeforeCommit: it writes an insert's files,
// reports them, then (mode "before") waits to be killed before committing, or (mode "during")
// commits inserts in a loop until killed.
func TestCrashChild(t *testing.T) {
	mode := os.Getenv(crashEnv)
	if mode == "" {
		t.Skip("child process only")
	}
	dir := os.Getenv("TERN_NATIVE_CRASH_DIR")
	cat, err := catalog.Open(filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	s := native.New(dir, cat)
	tb, err := cat.GetTable(ctx, catalog.TableRef{Tenant: "acme", Schema: "public", Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; ; i++ {
		w := s.NewWriter(tb)
		b := batch(tb, i*1000, i*1000+500)
		if err := w.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
		b.Release()
		if mode == "before" {
			// Close the file (footer written) as Commit would, but never commit.
			fmt.Println("WRITTEN")
			time.Sleep(time.Minute)
		}
		snap, err := w.Commit(ctx, tb.CurrentSnapshot, "insert")
		if err != nil {
			t.Fatal(err)
		}
		tb.CurrentSnapshot = snap.ID
		fmt.Println("COMMITTED", snap.ID)
	}
}

func TestCrashBeforeCommit(t *testing.T)  { crashTest(t, "before") }
func TestCrashDuringCommits(t *testing.T) { crashTest(t, "during") }

func crashTest(t *testing.T, mode string) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("in child")
	}
	dir := t.TempDir()
	cat, err := catalog.Open(filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	s := native.New(dir, cat)
	tb := newTable(t, cat, "t")
	w := s.NewWriter(tb)
	b := batch(tb, 0, 100)
	w.Write(ctx, b)
	b.Release()
	first, err := w.Commit(ctx, tb.CurrentSnapshot, "insert")
	if err != nil {
		t.Fatal(err)
	}
	cat.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), crashEnv+"="+mode, "TERN_NATIVE_CRASH_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	committed := first.ID
	deadline := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer deadline.Stop()
	seen := 0
	for lines.Scan() {
		l := lines.Text()
		if mode == "before" && l == "WRITTEN" {
			break
		}
		if id, ok := strings.CutPrefix(l, "COMMITTED "); ok {
			committed, _ = strconv.ParseUint(id, 10, 64)
			if seen++; seen == 3 {
				time.Sleep(3 * time.Millisecond) // kill somewhere inside a later insert
				break
			}
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	cat, err = catalog.Open(filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	s = native.New(dir, cat)
	cur, err := cat.GetTable(ctx, tb.Ref)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, s, tb.Ref)
	if mode == "before" {
		if cur.CurrentSnapshot != first.ID || !reflect.DeepEqual(got, expect(0, 100)) {
			t.Fatalf("after crash: snapshot %d (want %d), %d rows", cur.CurrentSnapshot, first.ID, len(got))
		}
		// The child's files exist but are not part of the table.
		n := 0
		filepath.Walk(filepath.Join(dir, "tables"), func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				n++
			}
			return nil
		})
		if n != 2 {
			t.Fatalf("%d files on disk, want 2 (one committed, one orphan)", n)
		}
		return
	}
	// During: the table is at the last reported commit or one after it, and every insert it
	// holds is complete.
	if cur.CurrentSnapshot < committed {
		t.Fatalf("lost a reported commit: current %d < %d", cur.CurrentSnapshot, committed)
	}
	snap, _ := cat.Snapshot(ctx, cur.ID, cur.CurrentSnapshot)
	want := expect(0, 100)
	for i := 1; len(want) < int(snap.Rows()); i++ {
		want = append(want, expect(i*1000, i*1000+500)...)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after crash: %d rows, want %d", len(got), len(want))
	}
}
