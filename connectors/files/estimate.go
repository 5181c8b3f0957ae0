package files

import (
	"os"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/tern-db/tern/proto/errs"
)

// FileEstimate is what a scan of one file would read, from its footer or size alone (a dry
// run: no data page is read).
type FileEstimate struct {
	Bytes     int64 // Parquet: compressed bytes of the projected columns' chunks; CSV/JSON: the file size
	FileBytes int64 // the whole file
	RowGroups int64 // Parquet row groups (1 for CSV/JSON)
}

// EstimateScan estimates a scan of path reading the named top-level columns (nil: all). A
// Parquet column chunk belongs to the top-level field its path starts with, so nested
// columns count all their leaves. Text formats are read whole whatever the projection.
func EstimateScan(path string, f Format, columns []string) (FileEstimate, error) {
	st, err := os.Stat(path)
	if err != nil {
		return FileEstimate{}, openError(path, err)
	}
	est := FileEstimate{FileBytes: st.Size(), Bytes: st.Size(), RowGroups: 1}
	if f != Parquet {
		return est, nil
	}
	pr, err := file.OpenParquetFile(path, false)
	if err != nil {
		return FileEstimate{}, errs.Errorf(errs.ErrInvalidArgument, "file %q is not a valid Parquet file: %v", path, err)
	}
	defer pr.Close()
	want := map[string]bool{}
	for _, c := range columns {
		want[c] = true
	}
	md := pr.MetaData()
	est.Bytes, est.RowGroups = 0, int64(md.NumRowGroups())
	for rg := 0; rg < md.NumRowGroups(); rg++ {
		rgm := md.RowGroup(rg)
		for c := 0; c < rgm.NumColumns(); c++ {
			cc, err := rgm.ColumnChunk(c)
			if err != nil {
				return FileEstimate{}, errs.Errorf(errs.ErrInvalidArgument, "file %q: %v", path, err)
			}
			if columns != nil {
				p := cc.PathInSchema()
				if len(p) == 0 || !want[p[0]] {
					continue
				}
			}
			est.Bytes += cc.TotalCompressedSize()
		}
	}
	return est, nil
}
