package files_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/connectors/prune"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
	"github.com/tern-db/tern/proto/errs"
)

func TestSplitRoundTrip(t *testing.T) {
	for _, s := range []files.Split{
		{Format: files.Parquet, Paths: []string{"/a/b.parquet", "/a/b.parquet"}, Ranges: [][2]int64{{4, 100}, {300, 50}}, Fields: []string{"x", "__tern_f2"}},
		{Format: files.CSV, Paths: []string{"/a/c.csv"}, Ranges: [][2]int64{{0, 0}}, CSVHeader: true, CSVDelimiter: ';'},
		{Format: files.JSON, Paths: []string{"/a/d.json"}, Ranges: [][2]int64{{0, 0}}},
	} {
		b, err := files.EncodeSplit(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := files.DecodeSplit(b)
		if err != nil || !reflect.DeepEqual(got, s) {
			t.Errorf("round trip of %+v: %+v %v", s, got, err)
		}
	}
	// Missing ranges decode as whole files.
	b, _ := files.EncodeSplit(files.Split{Paths: []string{"/a"}})
	if got, _ := files.DecodeSplit(b); !reflect.DeepEqual(got.Ranges, [][2]int64{{0, 0}}) {
		t.Errorf("ranges %v", got.Ranges)
	}
	// Bad bytes, relative paths, negative ranges, unknown formats: InvalidArgument.
	rel, _ := files.EncodeSplit(files.Split{Paths: []string{"etc/passwd"}})
	neg, _ := files.EncodeSplit(files.Split{Paths: []string{"/a"}, Ranges: [][2]int64{{-1, 3}}})
	unk, _ := files.EncodeSplit(files.Split{Format: 9, Paths: []string{"/a"}})
	for _, bad := range [][]byte{{0x0a, 0xff}, rel, neg, unk} {
		if _, err := files.DecodeSplit(bad); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("decode %x: %v", bad, err)
		}
		if _, err := (files.Connector{}).Open(ctx, exec.Env{}, bad, arrow.NewSchema(nil, nil), nil); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("open %x: %v", bad, err)
		}
	}
}

func TestFilesTableOf(t *testing.T) {
	dir := t.TempDir()
	sc := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, {Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	p1 := writeParquet(t, dir, "a.parquet", sc, `[{"k":1,"s":"a"},{"k":2,"s":"b"},{"k":3,"s":"c"}]`, 2)
	p2 := writeParquet(t, dir, "b.parquet", sc, `[{"k":4,"s":"d"}]`, 2)
	tb, err := files.Connector{}.TableOf(ctx, files.Spec{Format: files.Parquet, Paths: []string{p1, p2}})
	if err != nil {
		t.Fatal(err)
	}
	if tb.Rows() != 4 || tb.Schema().NumFields() != 2 || tb.Schema().Field(0).Name != "k" {
		t.Fatalf("table rows %d schema %v", tb.Rows(), tb.Schema())
	}
	if got := tb.SupportsFilters([]connectors.Filter{{Preds: []prune.Pred{{Col: 0, Op: prune.Eq, Vals: []prune.Value{prune.Int(1)}}}}}); !reflect.DeepEqual(got, []connectors.Support{connectors.Unsupported}) {
		t.Fatalf("supports %v", got)
	}
	splits, err := tb.Splits(ctx, connectors.ScanRequest{Projection: []int{0}, Limit: -1})
	if err != nil || len(splits) != 2 {
		t.Fatalf("splits %d %v", len(splits), err)
	}
	if splits[0].Connector != files.ConnectorName || splits[0].Files != 1 || splits[0].RowGroups != 2 || splits[0].Bytes <= 0 {
		t.Fatalf("split %+v", splits[0])
	}
	ext, err := tb.Size(ctx, connectors.ScanRequest{})
	if err != nil || ext.Files != 2 || ext.RowGroups != 3 || ext.Bytes <= splits[0].Bytes+splits[1].Bytes {
		t.Fatalf("extent %+v %v (splits %d+%d bytes)", ext, err, splits[0].Bytes, splits[1].Bytes)
	}
	if kind, _ := tb.Explain(splits); kind != "ParquetScan" {
		t.Fatalf("kind %q", kind)
	}
	data := [][]byte{splits[0].Data, splits[1].Data}
	var counter atomic.Int64
	cctx := files.WithBytesCounter(ctx, &counter)
	op, err := connectors.NewRegistry(files.Connector{}).OpenSplits(cctx, exec.Env{Alloc: exectest.Alloc(t), BatchSize: 2}, files.ConnectorName, data, tb.Schema(), []int{1})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := op.Open(cctx); err != nil {
		t.Fatal(err)
	}
	for {
		b, err := op.Next(cctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < int(b.NumRows()); i++ {
			got = append(got, b.Column(0).ValueStr(i))
		}
		b.Release()
	}
	st := op.(exec.Stats).Stats()
	op.Close()
	if !reflect.DeepEqual(got, []string{"a", "b", "c", "d"}) {
		t.Fatalf("read %v", got)
	}
	// The scan of both splits reports as one: rows, and bytes scanned also on the query's counter.
	if st.Rows != 4 || st.BytesScanned <= 0 || st.BytesScanned != counter.Load() {
		t.Fatalf("stats %+v, counter %d", st, counter.Load())
	}
	if _, err := connectors.NewRegistry(files.Connector{}).OpenSplits(ctx, exec.Env{}, files.ConnectorName, data, tb.Schema(), []int{5}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Fatalf("bad projection: %v", err)
	}
	if _, err := connectors.NewRegistry(files.Connector{}).OpenSplits(ctx, exec.Env{}, "nosuch", data, tb.Schema(), nil); !errors.Is(err, errs.ErrNotSupported) {
		t.Fatalf("unknown connector: %v", err)
	}
	paths, err := files.Connector{}.SplitPaths(splits[1].Data)
	if err != nil || !reflect.DeepEqual(paths, []string{p2}) {
		t.Fatalf("paths %v %v", paths, err)
	}

	// CSV files are inferred with their options and unified by widening.
	c1, c2 := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	os.WriteFile(c1, []byte("1;x\n2;y\n"), 0o600)
	os.WriteFile(c2, []byte("2.5;z\n"), 0o600)
	ct, err := files.Connector{}.TableOf(ctx, files.Spec{Format: files.CSV, Paths: []string{c1, c2}, CSVDelimiter: ';'})
	if err != nil {
		t.Fatal(err)
	}
	if ct.Rows() != -1 || ct.Schema().Field(0).Name != "column1" || ct.Schema().Field(0).Type.ID() != arrow.FLOAT64 {
		t.Fatalf("csv table %d %v", ct.Rows(), ct.Schema())
	}
	cs, err := ct.Splits(ctx, connectors.ScanRequest{Limit: -1})
	if err != nil || len(cs) != 2 {
		t.Fatalf("csv splits %d %v", len(cs), err)
	}
	op, err = files.Connector{}.Open(ctx, exec.Env{Alloc: exectest.Alloc(t)}, cs[0].Data, ct.Schema(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := exectest.Rows(t, op); !reflect.DeepEqual(got, []string{"1|x", "2|y"}) {
		t.Fatalf("csv read %v", got)
	}
	if _, err := (files.Connector{}).TableOf(ctx, files.Spec{Format: files.Parquet, Paths: []string{c1}}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Fatalf("csv as parquet: %v", err)
	}
}
