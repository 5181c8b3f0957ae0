package coordinator

import (
	"context"
	"io"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/csv"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/internal/datafs"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto/errs"
)

// copy_to.go: COPY t TO 'file' / COPY (query) TO 'file' (FORMAT parquet|csv [, HEADER]).
//
// Decided: the file is written under an allowed directory only (the planner checked it);
// rows go to a temporary file in the same directory, which is fsynced and renamed over the
// target when complete, so readers see the old file or the whole new one, never a part; an
// existing regular file is replaced (as PostgreSQL's COPY TO does). The file is created 0600
// like every file the server writes (PostgreSQL's server runs with umask 077 too): exports
// are the server user's; share them explicitly. COPY TO returns the number of rows written.

func (c *Coordinator) copyTo(ctx context.Context, sess planner.Session, st *planner.CopyTo) (int64, error) {
	dir, base := filepath.Dir(st.Path), filepath.Base(st.Path)
	tmp, err := os.CreateTemp(dir, "."+base+".tern-tmp-*")
	if err != nil {
		return 0, copyToErr(st.Path, err)
	}
	name := tmp.Name()
	committed := false
	defer func() {
		if !committed {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(datafs.FileMode); err != nil {
		return 0, copyToErr(st.Path, err)
	}
	p := c.newProgress("COPY TO "+st.Path, nil)
	var write func(arrow.RecordBatch) error
	var finish func() error
	switch st.Format {
	case "csv":
		w := csv.NewWriter(tmp, st.Source.Schema, csv.WithComma(st.Delimiter), csv.WithHeader(st.Header), csv.WithNullWriter(""),
			csv.WithBoolWriter(func(b bool) string { // PostgreSQL's text for booleans
				if b {
					return "t"
				}
				return "f"
			}))
		write, finish = w.Write, w.Flush
	default:
		store, _ := files.StorageSchema(st.Source.Schema)
		props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd), parquet.WithStats(true))
		// struct{io.Writer} hides Close: the file is fsynced before it is closed
		fw, err := pqarrow.NewFileWriter(store, struct{ io.Writer }{tmp}, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
		if err != nil {
			return 0, errs.Errorf(errs.ErrInvalidArgument, "COPY TO %q: %v", st.Path, err)
		}
		write = func(b arrow.RecordBatch) error {
			if store != st.Source.Schema {
				b = files.ToStorage(b, store)
				defer b.Release()
			}
			return fw.WriteBuffered(b)
		}
		finish = fw.Close
	}
	n, err := c.runInto(ctx, sess, st.Source, func(_ context.Context, b arrow.RecordBatch) error {
		if err := write(b); err != nil {
			return copyToErr(st.Path, err)
		}
		p.add(b.NumRows())
		return nil
	})
	p.end(err)
	if err != nil {
		return 0, err
	}
	if err := finish(); err != nil {
		return 0, copyToErr(st.Path, err)
	}
	if err := tmp.Sync(); err != nil {
		return 0, copyToErr(st.Path, err)
	}
	if err := tmp.Close(); err != nil {
		return 0, copyToErr(st.Path, err)
	}
	if err := os.Rename(name, st.Path); err != nil {
		return 0, copyToErr(st.Path, err)
	}
	committed = true
	if d, err := os.Open(dir); err == nil { // make the rename durable
		d.Sync()
		d.Close()
	}
	return n, nil
}

func copyToErr(path string, err error) error {
	if datafs.IsDiskError(err) {
		return datafs.IOError("file \""+path+"\"", err)
	}
	if os.IsPermission(err) {
		return errs.Errorf(errs.ErrPermissionDenied, "could not open file \"%s\" for writing: Permission denied", path)
	}
	return errs.Errorf(errs.ErrInternal, "COPY TO \"%s\": %v", path, err)
}
