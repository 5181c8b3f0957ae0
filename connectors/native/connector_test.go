package native_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/connectors/native"
	"github.com/tern-db/tern/connectors/prune"
	texec "github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
	"github.com/tern-db/tern/proto/errs"
)

// fourFiles writes ids [0,40) in four files of one row group of 10 rows each.
func fourFiles(t *testing.T) (*native.Store, catalog.Table) {
	t.Helper()
	cat := catalog.NewMemory()
	s := native.New(t.TempDir(), cat)
	s.RowGroupRows = 10
	s.FileBytes = 1
	tb := newTable(t, cat, "t")
	w := s.NewWriter(tb)
	for from := 0; from < 40; from += 10 {
		b := batch(tb, from, from+10)
		if err := w.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
		b.Release()
	}
	snap, err := w.Commit(ctx, tb.CurrentSnapshot, "insert")
	if err != nil {
		t.Fatal(err)
	}
	tb.CurrentSnapshot = snap.ID
	return s, tb
}

// readSplits opens every split on a "node" (the zero Connector: no store, no catalog).
func readSplits(t *testing.T, tb catalog.Table, splits []connectors.Split, proj []int) []string {
	t.Helper()
	var data [][]byte
	for _, sp := range splits {
		if sp.Connector != native.ConnectorName {
			t.Fatalf("split of connector %q", sp.Connector)
		}
		data = append(data, sp.Data)
	}
	op, err := connectors.NewRegistry(native.Connector{}).OpenSplits(ctx, texec.Env{Alloc: exectest.Alloc(t), BatchSize: 7}, native.ConnectorName, data, native.ArrowSchema(tb), proj)
	if err != nil {
		t.Fatal(err)
	}
	return exectest.Rows(t, op)
}

func idFilter(op prune.Op, v int64) connectors.Filter {
	return connectors.Filter{Preds: []prune.Pred{{Col: 0, Op: op, Vals: []prune.Value{prune.Int(v)}}}}
}

func TestNativeSplitsPruneWithFilters(t *testing.T) {
	s, tb := fourFiles(t)
	h, err := native.Connector{Files: s}.Table(ctx, tb)
	if err != nil {
		t.Fatal(err)
	}
	all, err := h.Splits(ctx, connectors.ScanRequest{Limit: -1, Snapshot: tb.CurrentSnapshot})
	if err != nil || len(all) != 4 {
		t.Fatalf("unfiltered: %d splits, %v", len(all), err)
	}
	if got := readSplits(t, tb, all, nil); !reflect.DeepEqual(got, expect(0, 40)) {
		t.Fatalf("read %v", got)
	}
	// id >= 25 AND id < 28: only the third file can match.
	req := connectors.ScanRequest{Limit: -1, Snapshot: tb.CurrentSnapshot, Projection: []int{0},
		Filters: []connectors.Filter{idFilter(prune.Ge, 25), idFilter(prune.Lt, 28)}}
	kept, err := h.Splits(ctx, req)
	if err != nil || len(kept) != 1 {
		t.Fatalf("filtered: %d splits, %v", len(kept), err)
	}
	if kept[0].Files != 1 || kept[0].RowGroups != 1 || kept[0].Rows != 10 || kept[0].Bytes <= 0 || kept[0].Bytes >= all[2].Bytes {
		t.Fatalf("split estimates %+v (whole file %+v)", kept[0], all[2])
	}
	got := readSplits(t, tb, kept, []int{0})
	if len(got) != 10 || got[0] != "20" || got[9] != "29" {
		t.Fatalf("pruned read %v", got)
	}
	// Nothing matches: no splits. A limit without filters stops early; with filters it cannot.
	if none, _ := h.Splits(ctx, connectors.ScanRequest{Limit: -1, Snapshot: tb.CurrentSnapshot, Filters: []connectors.Filter{idFilter(prune.Gt, 100)}}); len(none) != 0 {
		t.Fatalf("id > 100: %d splits", len(none))
	}
	if lim, _ := h.Splits(ctx, connectors.ScanRequest{Limit: 15, Snapshot: tb.CurrentSnapshot}); len(lim) != 2 {
		t.Fatalf("limit 15: %d splits", len(lim))
	}
	if lim, _ := h.Splits(ctx, connectors.ScanRequest{Limit: 1, Snapshot: tb.CurrentSnapshot, Filters: []connectors.Filter{idFilter(prune.Ge, 0)}}); len(lim) != 4 {
		t.Fatalf("limit with a filter: %d splits", len(lim))
	}
	ext, err := h.(connectors.Sizer).Size(ctx, req)
	if err != nil || ext.Files != 4 || ext.RowGroups != 4 || ext.Bytes <= 0 {
		t.Fatalf("extent %+v %v", ext, err)
	}
	if kind, detail := h.(connectors.Explainer).Explain(kept); kind != "Scan" || detail != "snapshot="+itoa(tb.CurrentSnapshot)+" files=1" {
		t.Fatalf("explain %q %q", kind, detail)
	}
	// The split lists its file, which the gateway re-checks.
	paths, err := native.Connector{}.SplitPaths(kept[0].Data)
	if err != nil || len(paths) != 1 {
		t.Fatalf("paths %v %v", paths, err)
	}
}

func TestNativeSupportsFilters(t *testing.T) {
	h := native.NewTable(nil, catalog.Table{})
	got := h.SupportsFilters([]connectors.Filter{idFilter(prune.Eq, 1), {}})
	if !reflect.DeepEqual(got, []connectors.Support{connectors.Inexact, connectors.Unsupported}) {
		t.Fatalf("supports %v", got)
	}
	// Planning without a resolver is an error, not a panic.
	if _, err := h.Splits(ctx, connectors.ScanRequest{Limit: -1, Snapshot: 3}); !errors.Is(err, errs.ErrInternal) {
		t.Fatalf("splits without files: %v", err)
	}
}

// Renamed columns are read by their file names: the split carries them.
func TestNativeSplitReadsRenamedColumns(t *testing.T) {
	s, tb := fourFiles(t)
	renamed := tb
	renamed.Columns = append([]catalog.Column(nil), tb.Columns...)
	renamed.Columns[1].Field, renamed.Columns[1].Name = "v", "w"
	splits, err := native.NewTable(s, renamed).Splits(ctx, connectors.ScanRequest{Limit: -1, Snapshot: tb.CurrentSnapshot})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := files.DecodeSplit(splits[0].Data)
	if err != nil || !reflect.DeepEqual(sp.Fields, []string{"id", "v"}) {
		t.Fatalf("fields %v %v", sp.Fields, err)
	}
	if got := readSplits(t, renamed, splits, []int{1}); len(got) != 40 || got[1] != "r1" {
		t.Fatalf("renamed read %v", got)
	}
}

func TestNativeOpenRejectsBadSplits(t *testing.T) {
	base := native.ArrowSchema(catalog.Table{Columns: []catalog.Column{{Name: "id", Type: catalog.Int64}}})
	for _, bad := range [][]byte{{0xff, 0xff, 0xff}, mustSplit(t, files.Split{Format: files.CSV, Paths: []string{"/x.csv"}}),
		mustSplit(t, files.Split{Paths: []string{"/x.parquet"}, Fields: []string{"a", "b"}})} {
		if _, err := (native.Connector{}).Open(ctx, texec.Env{}, bad, base, nil); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("split %x: %v", bad, err)
		}
	}
}

func mustSplit(t *testing.T, s files.Split) []byte {
	t.Helper()
	b, err := files.EncodeSplit(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func itoa(v uint64) string { return fmt.Sprint(v) }
