package gateway

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Helpers of the data tests (dry run, COPY, files): Parquet files written by arrow-go as a
// foreign tool would, and a fingerprint of everything under a data directory.

// writeTestParquet writes one batch built from JSON rows to path.
func writeTestParquet(t testing.TB, path string, sc *arrow.Schema, rowsJSON string) {
	t.Helper()
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, sc, strings.NewReader(rowsJSON))
	if err != nil {
		t.Fatal(err)
	}
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

// dataDirState lists every file under the data directory's tables/ and txn/ with its size:
// a statement that changed nothing leaves it equal.
func dataDirState(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	for _, sub := range []string{"tables", "txn"} {
		root := filepath.Join(dir, sub)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) {
					return nil
				}
				return err
			}
			if d.IsDir() {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel+" "+strconv.FormatInt(info.Size(), 10))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(out)
	return out
}

// adbcIngest appends the JSON rows (schema sc) to table through ADBC's bulk ingest.
func adbcIngest(cn adbc.Connection, table string, sc *arrow.Schema, rowsJSON string) (int64, error) {
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, sc, strings.NewReader(rowsJSON))
	if err != nil {
		return 0, err
	}
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

// adbcIngestOne appends one row (id bigint, v text) to table.
func adbcIngestOne(cn adbc.Connection, table string) error {
	_, err := adbcIngest(cn, table, arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "v", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil), `[{"id":7,"v":"i"}]`)
	return err
}
