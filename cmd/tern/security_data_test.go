package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Replays of issue 10 attack 8 (files and errors) against a real `tern serve`: data files
// readable by other local users, and a full disk.

// TestSecurityDataFileModes: with a umask of 0 and a data directory made beforehand with mode
// 0777, everything Tern creates is owner-only (directories 0700, files 0600) and the data
// directory itself is restricted.
func TestSecurityDataFileModes(t *testing.T) {
	old := syscall.Umask(0) // inherited by the server process
	dataDir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dataDir, 0o777); err != nil {
		syscall.Umask(old)
		t.Fatal(err)
	}
	srv := startServer(t, dataDir)
	syscall.Umask(old)
	cn, _ := openADBC(t, srv.addr, "admin", adminPassword)
	execUpdate(t, cn, "CREATE TABLE m (id bigint, v text) WITH (partition_by = 'range(id, 10)')")
	execUpdate(t, cn, "INSERT INTO m VALUES (1, 'a'), (15, 'b'), (NULL, 'c')")
	execUpdate(t, cn, "CREATE TABLE c AS SELECT * FROM m")
	execUpdate(t, cn, "DELETE FROM m WHERE id = 1")
	// A transaction stages files and state under <data>/txn until it commits.
	if err := cn.(adbc.PostInitOptions).SetOption(adbc.OptionKeyAutoCommit, adbc.OptionValueDisabled); err != nil {
		t.Fatal(err)
	}
	execUpdate(t, cn, "INSERT INTO m VALUES (2, 'staged')")
	checkModes(t, dataDir)
	if err := cn.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	execUpdate(t, cn, "VACUUM m")
	checkModes(t, dataDir)
	srv.assertHealthy(t, 0)
}

// checkModes fails for any directory under dir (and dir) that is not 0700 and any file that
// is not 0600.
func checkModes(t *testing.T, dir string) {
	t.Helper()
	var files int
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed meanwhile (a temporary file)
			}
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		} else {
			files++
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", p, got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 4 {
		t.Fatalf("only %d files under %s", files, dir)
	}
}

// TestSecurityDataDiskFull: a load that fills the disk fails with ResourceExhausted naming the
// cause, leaves no partial file behind and nothing referenced, and the server keeps serving.
// The disk is a real 4 MB tmpfs (root only; skipped with the reason otherwise).
func TestSecurityDataDiskFull(t *testing.T) {
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v: %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", mnt, err, out)
		}
	})
	dataDir := filepath.Join(mnt, "data")
	src := t.TempDir()
	exports := filepath.Join(mnt, "exports")
	if err := os.Mkdir(exports, 0o700); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, dataDir, "--allow-dir", src, "--allow-dir", exports)
	cn, _ := openADBC(t, srv.addr, "admin", adminPassword)
	execUpdate(t, cn, "CREATE TABLE big (id bigint, pad text)")
	if _, err := ingestPad(cn, "big", 0, 100); err != nil {
		t.Fatal(err)
	}
	before := parquetFiles(t, dataDir)

	// About 10 MB of incompressible text into 4 MB.
	_, err := ingestPad(cn, "big", 1000, 20000)
	if err == nil {
		t.Fatal("ingest of 10 MB into a 4 MB disk succeeded")
	}
	if !strings.Contains(err.Error(), "ResourceExhausted") || !strings.Contains(err.Error(), `disk full while writing relation "big"`) {
		t.Fatalf("want ResourceExhausted `disk full while writing relation \"big\"`, got %v", err)
	}
	// The same through SQL: COPY of a 10 MB CSV file, and a CTAS.
	execUpdate(t, cn, "CREATE TABLE half AS SELECT * FROM big")
	var csv strings.Builder
	buf := make([]byte, 250)
	for i := 0; i < 20000; i++ {
		rand.Read(buf)
		csv.WriteString(strconv.Itoa(i) + "," + hex.EncodeToString(buf) + "\n")
	}
	if err := os.WriteFile(filepath.Join(src, "pad.csv"), []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		"COPY big FROM '" + filepath.Join(src, "pad.csv") + "' (FORMAT csv)",
		"CREATE TABLE full1 AS SELECT * FROM read_csv('" + filepath.Join(src, "pad.csv") + "')",
	} {
		_, err = query(t, cn, sql)
		if err == nil || !strings.Contains(err.Error(), "ResourceExhausted") || !strings.Contains(err.Error(), "disk full while writing relation") {
			t.Fatalf("%s on a full disk: want ResourceExhausted disk full, got %v", sql, err)
		}
	}
	if _, err := query(t, cn, "SELECT 1 FROM full1"); err == nil {
		t.Fatal("the failed CTAS left table full1")
	}
	// COPY TO a directory on the full disk: the same error, no temporary file left.
	_, err = query(t, cn, "COPY (SELECT * FROM read_csv('"+filepath.Join(src, "pad.csv")+"')) TO '"+filepath.Join(exports, "out.csv")+"' (FORMAT csv)")
	if err == nil || !strings.Contains(err.Error(), "ResourceExhausted") || !strings.Contains(err.Error(), "disk full while writing file") {
		t.Fatalf("COPY TO on a full disk: want ResourceExhausted disk full, got %v", err)
	}
	if left, _ := os.ReadDir(exports); len(left) != 0 {
		t.Errorf("COPY TO left %d files in the export directory", len(left))
	}
	// Nothing half-written is left: the files on disk are those before plus half's.
	after := parquetFiles(t, dataDir)
	if len(after) != 2*len(before) {
		t.Errorf("parquet files before %v, after %v: partial files left behind", before, after)
	}
	expectRows(t, mustQuery(t, cn, "SELECT count(*), count(DISTINCT pad) FROM big"), "100|100")
	// Once space is free again, writes work.
	execUpdate(t, cn, "DROP TABLE half")
	execUpdate(t, cn, "INSERT INTO big VALUES (-1, 'after')")
	expectRows(t, mustQuery(t, cn, "SELECT count(*) FROM big"), "101")
	srv.assertHealthy(t, 0)
}

func parquetFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(dir, "tables"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, strings.TrimPrefix(p, dir))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// ingestPad appends n rows (id from first, pad 500 random hex characters) by bulk ingest.
func ingestPad(cn adbc.Connection, table string, first, n int) (int64, error) {
	sc := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "pad", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	buf := make([]byte, 250)
	for i := 0; i < n; i++ {
		rand.Read(buf)
		b.Field(0).(*array.Int64Builder).Append(int64(first + i))
		b.Field(1).(*array.StringBuilder).Append(hex.EncodeToString(buf))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	st, err := cn.NewStatement()
	if err != nil {
		return 0, err
	}
	defer st.Close()
	if err := st.SetOption(adbc.OptionKeyIngestTargetTable, table); err != nil {
		return 0, err
	}
	if err := st.SetOption(adbc.OptionKeyIngestMode, adbc.OptionValueIngestModeAppend); err != nil {
		return 0, err
	}
	if err := st.Bind(context.Background(), rec); err != nil {
		return 0, err
	}
	return st.ExecuteUpdate(context.Background())
}
