package catalog_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/proto/errs"
)

func TestDropSchemaRestrictCascade(t *testing.T) {
	ctx := context.Background()
	cat := catalog.NewMemory()
	sc := cat.(catalog.SchemaChanger)
	if err := cat.CreateSchema(ctx, "default", "s"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b"} {
		if _, err := cat.CreateTable(ctx, catalog.Table{Ref: catalog.TableRef{Tenant: "default", Schema: "s", Name: n}, Columns: []catalog.Column{{Name: "x", Type: catalog.Int64}}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sc.DropSchema(ctx, "default", "s", false); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Fatalf("restrict: %v", err)
	}
	if ts, _ := cat.ListTables(ctx, "default", "s"); len(ts) != 2 {
		t.Fatalf("restrict dropped something: %v", ts)
	}
	dropped, err := sc.DropSchema(ctx, "default", "s", true)
	if err != nil || len(dropped) != 2 {
		t.Fatalf("cascade: %v %v", dropped, err)
	}
	if _, err := cat.GetTable(ctx, catalog.TableRef{Tenant: "default", Schema: "s", Name: "a"}); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("table survived its schema: %v", err)
	}
	if _, err := sc.DropSchema(ctx, "default", "public", true); !errors.Is(err, errs.ErrNotSupported) {
		t.Fatalf("public: %v", err)
	}
}

func TestUpdateTableRename(t *testing.T) {
	ctx := context.Background()
	cat := catalog.NewMemory()
	sc := cat.(catalog.SchemaChanger)
	mk := func(n string) catalog.Table {
		tb, err := cat.CreateTable(ctx, catalog.Table{Ref: catalog.TableRef{Tenant: "default", Name: n}, Columns: []catalog.Column{{Name: "x", Type: catalog.Int64}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tb
	}
	a, _ := mk("a"), mk("b")
	rename := func(to string) error {
		_, err := sc.UpdateTable(ctx, catalog.TableRef{Tenant: "default", Name: "a"}, func(t *catalog.Table) error {
			t.Ref.Name = to
			t.ID = 999 // ignored: identity cannot change
			return nil
		})
		return err
	}
	if err := rename("b"); !errors.Is(err, errs.ErrAlreadyExists) {
		t.Fatalf("rename onto b: %v", err)
	}
	if err := rename("c"); err != nil {
		t.Fatal(err)
	}
	c, err := cat.GetTable(ctx, catalog.TableRef{Tenant: "default", Name: "c"})
	if err != nil || c.ID != a.ID {
		t.Fatalf("renamed: %+v %v", c, err)
	}
	if _, err := cat.GetTable(ctx, catalog.TableRef{Tenant: "default", Name: "a"}); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("old name: %v", err)
	}
}

// Statistics follow columns by file field name: after a column in the middle is dropped and
// one added, a file's statistics are reordered, the added column reads as all NULL (or unknown
// with a fill value).
func TestAlignStats(t *testing.T) {
	tb := catalog.Table{
		Columns: []catalog.Column{
			{Name: "a"}, {Name: "c2", Field: "c"},
			{Name: "d", Field: catalog.AddedFieldPrefix + "1"},
			{Name: "e", Field: catalog.AddedFieldPrefix + "2=5"},
		},
		LegacyFields: []string{"a", "b", "c"},
	}
	st := func(min string) catalog.ColumnStats { return catalog.ColumnStats{Min: min} }
	legacy := catalog.DataFile{Rows: 10, Stats: []catalog.ColumnStats{st("a"), st("b"), st("c")},
		RowGroups: []catalog.RowGroupInfo{{Rows: 10, Stats: []catalog.ColumnStats{st("a"), st("b"), st("c")}}}}
	got := tb.AlignStats(legacy, tb.Columns)
	want := []catalog.ColumnStats{st("a"), st("c"), {Nulls: 10}, {}}
	for i := range want {
		if got.Stats[i] != want[i] || got.RowGroups[0].Stats[i] != want[i] {
			t.Fatalf("column %d: %+v / %+v, want %+v", i, got.Stats[i], got.RowGroups[0].Stats[i], want[i])
		}
	}
	recent := catalog.DataFile{Rows: 4, Fields: []string{"a", "c", catalog.AddedFieldPrefix + "1", catalog.AddedFieldPrefix + "2=5"},
		Stats: []catalog.ColumnStats{st("a"), st("c"), st("d"), st("e")}}
	if got := tb.AlignStats(recent, tb.Columns); got.Stats[2] != st("d") || got.Stats[3] != st("e") {
		t.Fatalf("recent: %+v", got.Stats)
	}
}
