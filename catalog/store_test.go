package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/proto/errs"
)

// impls runs the shared suite against the embedded store and the in-memory one.
func impls(t *testing.T) map[string]func(t *testing.T) catalog.Catalog {
	return map[string]func(t *testing.T) catalog.Catalog{
		"bolt": func(t *testing.T) catalog.Catalog {
			c, err := catalog.Open(filepath.Join(t.TempDir(), "catalog.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			return c
		},
		"memory": func(t *testing.T) catalog.Catalog { return catalog.NewMemory() },
	}
}

func suite(t *testing.T, name string, test func(t *testing.T, c catalog.Catalog)) {
	for impl, open := range impls(t) {
		t.Run(impl+"/"+name, func(t *testing.T) { test(t, open(t)) })
	}
}

var ctx = context.Background()

func ref(tenant, name string) catalog.TableRef {
	return catalog.TableRef{Tenant: tenant, Schema: "public", Name: name}
}

func table(tenant, name string) catalog.Table {
	return catalog.Table{Ref: ref(tenant, name), Columns: []catalog.Column{
		{Name: "a", Type: catalog.Int64}, {Name: "b", Type: catalog.Numeric(10, 2), Nullable: true},
	}, Options: map[string]string{"cluster_by": "a"}}
}

func files(paths ...string) []catalog.DataFile {
	var out []catalog.DataFile
	for i, p := range paths {
		out = append(out, catalog.DataFile{Path: p, Rows: int64(i + 1), Bytes: 100})
	}
	return out
}

func paths(s catalog.Snapshot) []string {
	var out []string
	for _, f := range s.Files {
		out = append(out, f.Path)
	}
	return out
}

func wantErr(t *testing.T, err, sentinel error, msg string) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("err = %v, want %v", err, sentinel)
	}
	if msg != "" && err.Error() != fmt.Sprintf("%v: %s", sentinel, msg) {
		t.Fatalf("err = %q, want message %q", err, msg)
	}
}

func TestSchemas(t *testing.T) {
	suite(t, "schemas", func(t *testing.T, c catalog.Catalog) {
		got, err := c.ListSchemas(ctx, "t1")
		if err != nil || !reflect.DeepEqual(got, []string{"public"}) {
			t.Fatalf("ListSchemas = %v, %v", got, err)
		}
		if err := c.CreateSchema(ctx, "t1", "sales"); err != nil {
			t.Fatal(err)
		}
		wantErr(t, c.CreateSchema(ctx, "t1", "sales"), errs.ErrAlreadyExists, `schema "sales" already exists`)
		wantErr(t, c.CreateSchema(ctx, "t1", "public"), errs.ErrAlreadyExists, "")
		got, _ = c.ListSchemas(ctx, "t1")
		if !reflect.DeepEqual(got, []string{"public", "sales"}) {
			t.Fatalf("ListSchemas = %v", got)
		}
		got, _ = c.ListSchemas(ctx, "t2")
		if !reflect.DeepEqual(got, []string{"public"}) {
			t.Fatalf("other tenant sees %v", got)
		}
		_, err = c.CreateTable(ctx, catalog.Table{Ref: catalog.TableRef{Tenant: "t2", Schema: "sales", Name: "x"}}, nil)
		wantErr(t, err, errs.ErrNotFound, `schema "sales" does not exist`)
	})
}

func TestTables(t *testing.T) {
	suite(t, "tables", func(t *testing.T, c catalog.Catalog) {
		tb, err := c.CreateTable(ctx, table("t1", "t"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if tb.ID == 0 || tb.CurrentSnapshot != catalog.NoSnapshot || tb.CreatedAt.IsZero() {
			t.Fatalf("created %+v", tb)
		}
		_, err = c.CreateTable(ctx, table("t1", "t"), nil)
		wantErr(t, err, errs.ErrAlreadyExists, `relation "t" already exists`)
		got, err := c.GetTable(ctx, ref("t1", "t"))
		if err != nil || !reflect.DeepEqual(got, tb) {
			t.Fatalf("GetTable = %+v, %v; want %+v", got, err, tb)
		}
		// Another tenant can neither see nor name it.
		_, err = c.GetTable(ctx, ref("t2", "t"))
		wantErr(t, err, errs.ErrNotFound, `relation "public.t" does not exist`)
		if l, _ := c.ListTables(ctx, "t2", "public"); len(l) != 0 {
			t.Fatalf("t2 lists %v", l)
		}
		tb2, err := c.CreateTable(ctx, table("t2", "t"), nil)
		if err != nil || tb2.ID == tb.ID {
			t.Fatalf("same name in another tenant: %+v %v", tb2, err)
		}
		if _, err := c.CreateTable(ctx, table("t1", "a"), nil); err != nil {
			t.Fatal(err)
		}
		l, err := c.ListTables(ctx, "t1", "public")
		if err != nil || len(l) != 2 || l[0].Ref.Name != "a" || l[1].Ref.Name != "t" {
			t.Fatalf("ListTables = %v, %v", l, err)
		}
		_, err = c.ListTables(ctx, "t1", "nope")
		wantErr(t, err, errs.ErrNotFound, "")

		dup := table("t1", "d")
		dup.Columns = append(dup.Columns, catalog.Column{Name: "a", Type: catalog.Text})
		_, err = c.CreateTable(ctx, dup, nil)
		wantErr(t, err, errs.ErrInvalidArgument, "")
		_, err = c.CreateTable(ctx, catalog.Table{Ref: catalog.TableRef{Name: "x"}}, nil)
		wantErr(t, err, errs.ErrInvalidArgument, "")

		if err := c.DropTable(ctx, ref("t1", "t")); err != nil {
			t.Fatal(err)
		}
		wantErr(t, c.DropTable(ctx, ref("t1", "t")), errs.ErrNotFound, `relation "public.t" does not exist`)
		if _, err := c.GetTable(ctx, ref("t2", "t")); err != nil {
			t.Fatalf("dropping t1's table touched t2's: %v", err)
		}
		// The name can be reused and gets a new ID.
		tb3, err := c.CreateTable(ctx, table("t1", "t"), nil)
		if err != nil || tb3.ID == tb.ID {
			t.Fatalf("recreate: %+v %v", tb3, err)
		}
	})
}

func TestSnapshots(t *testing.T) {
	suite(t, "snapshots", func(t *testing.T, c catalog.Catalog) {
		tb, err := c.CreateTable(ctx, table("t1", "t"), files("f1", "f2"))
		if err != nil {
			t.Fatal(err)
		}
		if tb.CurrentSnapshot == catalog.NoSnapshot {
			t.Fatal("CTAS did not commit a snapshot")
		}
		s1, err := c.Snapshot(ctx, tb.ID, tb.CurrentSnapshot)
		if err != nil || !reflect.DeepEqual(paths(s1), []string{"f1", "f2"}) || s1.Rows() != 3 || s1.Operation != "create" {
			t.Fatalf("first snapshot %+v %v", s1, err)
		}
		empty, err := c.Snapshot(ctx, tb.ID, catalog.NoSnapshot)
		if err != nil || len(empty.Files) != 0 {
			t.Fatalf("NoSnapshot = %+v %v", empty, err)
		}
		got, err := c.CommitSnapshot(ctx, catalog.Commit{Ref: tb.Ref, Base: s1.ID, Add: files("f3"), Operation: "insert"})
		if err != nil {
			t.Fatal(err)
		}
		s2 := got[0]
		if s2.ParentID != s1.ID || !reflect.DeepEqual(paths(s2), []string{"f1", "f2", "f3"}) {
			t.Fatalf("s2 %+v", s2)
		}
		// A writer that started from s1 conflicts.
		_, err = c.CommitSnapshot(ctx, catalog.Commit{Ref: tb.Ref, Base: s1.ID, Add: files("f4")})
		wantErr(t, err, errs.ErrConflict, "")
		// Remove and add.
		got, err = c.CommitSnapshot(ctx, catalog.Commit{Ref: tb.Ref, Base: s2.ID, Add: files("g"), Remove: []string{"f1", "f3"}, Operation: "rewrite"})
		if err != nil || !reflect.DeepEqual(paths(got[0]), []string{"f2", "g"}) {
			t.Fatalf("rewrite %v %v", got, err)
		}
		_, err = c.CommitSnapshot(ctx, catalog.Commit{Ref: tb.Ref, Base: got[0].ID, Remove: []string{"nope"}})
		wantErr(t, err, errs.ErrInvalidArgument, "")
		_, err = c.CommitSnapshot(ctx, catalog.Commit{Ref: tb.Ref, Base: got[0].ID, Add: files("g")})
		wantErr(t, err, errs.ErrInvalidArgument, "")
		// Old snapshots stay readable.
		old, err := c.Snapshot(ctx, tb.ID, s2.ID)
		if err != nil || !reflect.DeepEqual(paths(old), []string{"f1", "f2", "f3"}) {
			t.Fatalf("old snapshot %v %v", old, err)
		}
		cur, _ := c.GetTable(ctx, tb.Ref)
		if cur.CurrentSnapshot != got[0].ID {
			t.Fatalf("current = %d, want %d", cur.CurrentSnapshot, got[0].ID)
		}
		_, err = c.Snapshot(ctx, tb.ID, 9999)
		wantErr(t, err, errs.ErrNotFound, "")
		_, err = c.CommitSnapshot(ctx, catalog.Commit{Ref: ref("t1", "nope")})
		wantErr(t, err, errs.ErrNotFound, `relation "public.nope" does not exist`)
	})
}

func TestCommitSeveralAllOrNothing(t *testing.T) {
	suite(t, "multi", func(t *testing.T, c catalog.Catalog) {
		a, _ := c.CreateTable(ctx, table("t1", "a"), nil)
		b, _ := c.CreateTable(ctx, table("t1", "b"), files("b1"))
		// b's base is stale: neither commit happens.
		_, err := c.CommitSnapshot(ctx,
			catalog.Commit{Ref: a.Ref, Base: a.CurrentSnapshot, Add: files("a1")},
			catalog.Commit{Ref: b.Ref, Base: catalog.NoSnapshot, Add: files("b2")})
		wantErr(t, err, errs.ErrConflict, "")
		if a2, _ := c.GetTable(ctx, a.Ref); a2.CurrentSnapshot != catalog.NoSnapshot {
			t.Fatalf("a moved to %d", a2.CurrentSnapshot)
		}
		got, err := c.CommitSnapshot(ctx,
			catalog.Commit{Ref: a.Ref, Base: a.CurrentSnapshot, Add: files("a1")},
			catalog.Commit{Ref: b.Ref, Base: b.CurrentSnapshot, Add: files("b2")})
		if err != nil || len(got) != 2 || got[0].TableID != a.ID || got[1].TableID != b.ID {
			t.Fatalf("multi commit %v %v", got, err)
		}
		// A failed CreateTable leaves nothing behind (bad files roll the table back).
		_, err = c.CreateTable(ctx, table("t1", "c"), []catalog.DataFile{{Path: "x"}, {Path: "x"}})
		wantErr(t, err, errs.ErrInvalidArgument, "")
		if _, err := c.GetTable(ctx, ref("t1", "c")); !errors.Is(err, errs.ErrNotFound) {
			t.Fatalf("half-created table: %v", err)
		}
	})
}

func TestManyCommitsCheckpoints(t *testing.T) {
	suite(t, "checkpoints", func(t *testing.T, c catalog.Catalog) {
		tb, _ := c.CreateTable(ctx, table("t1", "t"), nil)
		base := tb.CurrentSnapshot
		var ids []uint64
		for i := 0; i < 100; i++ {
			c1 := catalog.Commit{Ref: tb.Ref, Base: base, Add: files(fmt.Sprintf("f%03d", i))}
			if i%10 == 9 {
				c1.Remove = []string{fmt.Sprintf("f%03d", i-9)}
			}
			got, err := c.CommitSnapshot(ctx, c1)
			if err != nil {
				t.Fatal(err)
			}
			base = got[0].ID
			ids = append(ids, base)
		}
		for i, id := range ids {
			s, err := c.Snapshot(ctx, tb.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{}
			for j := 0; j <= i; j++ {
				want[fmt.Sprintf("f%03d", j)] = true
				if j%10 == 9 {
					delete(want, fmt.Sprintf("f%03d", j-9))
				}
			}
			if len(s.Files) != len(want) {
				t.Fatalf("snapshot %d has %d files, want %d", i, len(s.Files), len(want))
			}
			for _, f := range s.Files {
				if !want[f.Path] {
					t.Fatalf("snapshot %d has %s", i, f.Path)
				}
			}
		}
	})
}

func TestDropRecordsFiles(t *testing.T) {
	suite(t, "drop", func(t *testing.T, c catalog.Catalog) {
		tb, _ := c.CreateTable(ctx, table("t1", "t"), files("f1"))
		if _, err := c.CommitSnapshot(ctx, catalog.Commit{Ref: tb.Ref, Base: tb.CurrentSnapshot, Add: files("f2"), Remove: []string{"f1"}}); err != nil {
			t.Fatal(err)
		}
		if err := c.DropTable(ctx, tb.Ref); err != nil {
			t.Fatal(err)
		}
		j := c.(catalog.Janitor)
		got, err := j.DroppedFiles(ctx)
		if err != nil || !reflect.DeepEqual(got, []string{"f1", "f2"}) {
			t.Fatalf("DroppedFiles = %v %v", got, err)
		}
		if _, err := c.Snapshot(ctx, tb.ID, tb.CurrentSnapshot); !errors.Is(err, errs.ErrNotFound) {
			t.Fatalf("snapshot of dropped table: %v", err)
		}
		if err := j.ForgetDroppedFiles(ctx, []string{"f1"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := j.DroppedFiles(ctx); !reflect.DeepEqual(got, []string{"f2"}) {
			t.Fatalf("after forget: %v", got)
		}
	})
}

func TestUsers(t *testing.T) {
	suite(t, "users", func(t *testing.T, c catalog.Catalog) {
		_, err := c.GetUser(ctx, "t1", "bob")
		wantErr(t, err, errs.ErrNotFound, `role "bob" does not exist`)
		u := catalog.User{Tenant: "t1", Name: "bob", PasswordHash: "h"}
		if err := c.PutUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if got, err := c.GetUser(ctx, "t1", "bob"); err != nil || got != u {
			t.Fatalf("GetUser %v %v", got, err)
		}
		if _, err := c.GetUser(ctx, "t2", "bob"); !errors.Is(err, errs.ErrNotFound) {
			t.Fatalf("other tenant's user: %v", err)
		}
	})
}

func TestConcurrentCommits(t *testing.T) {
	suite(t, "concurrent", func(t *testing.T, c catalog.Catalog) {
		tb, _ := c.CreateTable(ctx, table("t1", "t"), nil)
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, conflicts := 0, 0
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := c.CommitSnapshot(ctx, catalog.Commit{Ref: tb.Ref, Base: tb.CurrentSnapshot, Add: files(fmt.Sprintf("w%d", i))})
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					wins++
				} else if errors.Is(err, errs.ErrConflict) {
					conflicts++
				} else {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 || conflicts != 7 {
			t.Fatalf("wins %d conflicts %d", wins, conflicts)
		}
	})
}

func TestPersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "catalog.db")
	c, err := catalog.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	tb, _ := c.CreateTable(ctx, table("t1", "t"), files("f1"))
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	c, err = catalog.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, err := c.GetTable(ctx, tb.Ref)
	if err != nil || got.ID != tb.ID || got.CurrentSnapshot != tb.CurrentSnapshot || got.Columns[1].Type != catalog.Numeric(10, 2) {
		t.Fatalf("after reopen %+v %v", got, err)
	}
	tb2, _ := c.CreateTable(ctx, table("t1", "u"), nil)
	if tb2.ID <= tb.ID {
		t.Fatalf("IDs restart: %d after %d", tb2.ID, tb.ID)
	}
}

func TestCancelledContext(t *testing.T) {
	suite(t, "ctx", func(t *testing.T, c catalog.Catalog) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := c.CreateTable(cctx, table("t1", "t"), nil); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
}
