package native_test

import (
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/connectors/native"
)

// Interval columns (Arrow month_day_nano, which Parquet cannot hold) are stored as
// fixed_size_binary(16) and read back as month_day_nano with every field intact; their
// statistics carry no min/max (nothing prunes on them) and the other columns keep theirs.
func TestIntervalColumnRoundTrip(t *testing.T) {
	dir := t.TempDir()
	cat := catalog.NewMemory()
	s := native.New(dir, cat)
	tb, err := cat.CreateTable(ctx, catalog.Table{Ref: catalog.TableRef{Tenant: "acme", Schema: "public", Name: "iv"},
		Columns: []catalog.Column{{Name: "id", Type: catalog.Int64}, {Name: "d", Type: catalog.Interval, Nullable: true}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, native.ArrowSchema(tb))
	defer b.Release()
	ivs := []arrow.MonthDayNanoInterval{{Months: 14, Days: -3, Nanoseconds: 4_000_001_000}, {Months: -1, Days: 0, Nanoseconds: -1000}}
	for i, v := range ivs {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.MonthDayNanoIntervalBuilder).Append(v)
	}
	b.Field(0).(*array.Int64Builder).Append(2)
	b.Field(1).AppendNull()
	rec := b.NewRecordBatch()
	defer rec.Release()
	w := s.NewWriter(tb)
	if err := w.Write(ctx, rec); err != nil {
		t.Fatal(err)
	}
	snap, err := w.Commit(ctx, tb.CurrentSnapshot, "insert")
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, s, tb.Ref)
	// through the table scan (connectors/files converts the storage type back)
	want := []string{`0|{"months":14,"days":-3,"nanoseconds":4000001000}`, `1|{"months":-1,"days":0,"nanoseconds":-1000}`, "2|NULL"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("read %q", got)
	}
	// the file itself: fixed_size_binary(16) marked as an interval
	paths, err := s.SnapshotFiles(ctx, tb, snap.ID)
	if err != nil || len(paths) != 1 {
		t.Fatalf("files %v %v", paths, err)
	}
	pr, err := file.OpenParquetFile(paths[0], false)
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := fr.Schema()
	if err != nil {
		t.Fatal(err)
	}
	if !files.IsIntervalStorage(sc.Field(1)) {
		t.Fatalf("stored as %v", sc.Field(1))
	}
	tbl, err := fr.ReadTable(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	stored := tbl.Column(1).Data().Chunk(0)
	back := files.IntervalsFromStorage(stored)
	defer back.Release()
	iv := back.(*array.MonthDayNanoInterval)
	for i, v := range ivs {
		if iv.Value(i) != v {
			t.Errorf("row %d: %+v, want %+v", i, iv.Value(i), v)
		}
	}
	if !iv.IsNull(2) {
		t.Errorf("row 2 not NULL")
	}
	st := snap.Files[0].Stats
	if len(st) != 2 || st[1].Min != "" || st[1].Max != "" || st[1].Nulls != 1 || st[0].Min == "" {
		t.Errorf("stats %+v", st)
	}
}
