package native

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/flightnodes/exec"
	"github.com/tern-db/tern/proto/errs"
)

// Writer writes the Parquet files of one change to a table. It is not safe for concurrent use.
// Use: Write as many batches as needed, then Commit (or CommitCreate for CREATE TABLE AS), or
// Abort. Nothing is visible to readers before the commit.
type Writer struct {
	s      *Store
	t      catalog.Table
	schema *arrow.Schema
	dir    string // relative to the data directory, slash-separated
	cur    *dataFile
	files  []catalog.DataFile
	made   []string // absolute paths of every file created, for Abort
	done   bool
	err    error // sticky: a failed write poisons the writer
}

type dataFile struct {
	rel  string
	f    *os.File
	cw   *countingWriter
	fw   *pqarrow.FileWriter
	rows int64
}

// NewWriter returns a writer for t. For a table not created yet (t.ID == 0, CREATE TABLE AS),
// files go to a fresh directory of the tenant and CommitCreate creates the table.
func (s *Store) NewWriter(t catalog.Table) *Writer {
	dir := "new-" + randomHex(8)
	if t.ID != 0 {
		dir = strconv.FormatUint(t.ID, 10)
	}
	return &Writer{
		s: s, t: t, schema: ArrowSchema(t),
		dir: path.Join("tables", dirName(t.Ref.Tenant), dir),
	}
}

// Schema returns the schema batches must have (names may differ; types must match).
func (w *Writer) Schema() *arrow.Schema { return w.schema }

func (w *Writer) maxRowGroup() int64 {
	if w.s.RowGroupRows > 0 {
		return w.s.RowGroupRows
	}
	return DefaultRowGroupRows
}

func (w *Writer) maxFile() int64 {
	if w.s.FileBytes > 0 {
		return w.s.FileBytes
	}
	return DefaultFileBytes
}

// Write appends b's rows. b's columns must have exactly the table's column types, in order;
// a NULL in a NOT NULL column is an error wrapping errs.ErrInvalidArgument.
func (w *Writer) Write(ctx context.Context, b arrow.RecordBatch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if w.err != nil {
		return w.err
	}
	if w.done {
		return errs.Errorf(errs.ErrInternal, "native: write after commit or abort")
	}
	if int(b.NumCols()) != len(w.t.Columns) {
		return errs.Errorf(errs.ErrInvalidArgument, "INSERT has %d columns but relation %q has %d", b.NumCols(), w.t.Ref.Name, len(w.t.Columns))
	}
	for i, c := range w.t.Columns {
		col := b.Column(i)
		if !arrow.TypeEqual(col.DataType(), w.schema.Field(i).Type) {
			return errs.Errorf(errs.ErrInvalidArgument, "column %q is of type %s but the value is of type %s", c.Name, c.Type, col.DataType())
		}
		if !c.Nullable && col.NullN() > 0 {
			return notNull(c.Name)
		}
	}
	if b.NumRows() == 0 {
		return nil
	}
	rec := array.NewRecordBatch(w.schema, b.Columns(), b.NumRows())
	defer rec.Release()
	if err := w.write(rec); err != nil {
		w.err = err
		return err
	}
	return nil
}

func (w *Writer) write(rec arrow.RecordBatch) error {
	n := rec.NumRows()
	for off := int64(0); off < n; {
		if w.cur == nil {
			if err := w.openFile(); err != nil {
				return err
			}
		}
		fw := w.cur.fw
		rgRows, err := fw.RowGroupNumRows()
		if err != nil {
			return w.ioErr(err)
		}
		room := w.maxRowGroup() - int64(rgRows)
		if room <= 0 {
			if err := fw.NewBufferedRowGroupChecked(); err != nil {
				return w.ioErr(err)
			}
			continue
		}
		k := min(room, n-off)
		part := rec.NewSlice(off, off+k)
		err = fw.WriteBuffered(part)
		part.Release()
		if err != nil {
			return w.ioErr(err)
		}
		w.cur.rows += k
		off += k
		if w.cur.cw.n+fw.RowGroupTotalCompressedBytes() >= w.maxFile() {
			if err := w.closeFile(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *Writer) ioErr(err error) error {
	return fmt.Errorf("%w: native: writing relation %q: %v", errs.ErrInternal, w.t.Ref.Name, err)
}

func (w *Writer) openFile() error {
	dirAbs := w.s.abs(w.dir)
	if err := os.MkdirAll(dirAbs, 0o755); err != nil {
		return w.ioErr(err)
	}
	rel := path.Join(w.dir, randomHex(16)+".parquet")
	abs := w.s.abs(rel)
	f, err := os.OpenFile(abs, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return w.ioErr(err)
	}
	w.made = append(w.made, abs)
	props := parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithDictionaryDefault(true),
		parquet.WithStats(true),
		parquet.WithMaxRowGroupLength(w.maxRowGroup()),
		parquet.WithCreatedBy("tern"),
	)
	cw := &countingWriter{w: f}
	fw, err := pqarrow.NewFileWriter(w.schema, cw, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		f.Close()
		return w.ioErr(err)
	}
	w.cur = &dataFile{rel: rel, f: f, cw: cw, fw: fw}
	return nil
}

// closeFile finishes the current file: footer, fsync, close.
func (w *Writer) closeFile() error {
	d := w.cur
	w.cur = nil
	err := d.fw.Close()
	if err == nil {
		err = d.f.Sync()
	}
	if cerr := d.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return w.ioErr(err)
	}
	w.files = append(w.files, catalog.DataFile{Path: d.rel, Rows: d.rows, Bytes: d.cw.n})
	return nil
}

// Files returns the files written so far and closed (all of them after Commit).
func (w *Writer) Files() []catalog.DataFile { return append([]catalog.DataFile(nil), w.files...) }

// finish closes the last file and makes the files' directory entries durable.
func (w *Writer) finish(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if w.err != nil {
		return w.err
	}
	if w.done {
		return errs.Errorf(errs.ErrInternal, "native: commit after commit or abort")
	}
	if w.cur != nil {
		if err := w.closeFile(); err != nil {
			return err
		}
	}
	if len(w.files) == 0 {
		return nil
	}
	// The table directory holds the new entries; its parents may be new too.
	for _, d := range []string{w.dir, path.Dir(w.dir), path.Dir(path.Dir(w.dir))} {
		if err := syncDir(w.s.abs(d)); err != nil {
			return w.ioErr(err)
		}
	}
	return nil
}

// Commit makes the written files a new snapshot on top of base (the snapshot the change was
// planned against): errs.ErrConflict if the table has moved on. On any error the files are
// removed. With no rows written it commits nothing and returns the current snapshot.
func (w *Writer) Commit(ctx context.Context, base uint64, op string) (catalog.Snapshot, error) {
	if err := w.finish(ctx); err != nil {
		w.Abort()
		return catalog.Snapshot{}, err
	}
	cur, err := w.s.cat.GetTable(ctx, w.t.Ref)
	if err == nil && cur.ID != w.t.ID {
		err = errs.Errorf(errs.ErrConflict, "relation %q was dropped and created again", w.t.Ref.String())
	}
	if err != nil {
		w.Abort()
		return catalog.Snapshot{}, err
	}
	if len(w.files) == 0 {
		w.done = true
		return w.s.cat.Snapshot(ctx, cur.ID, cur.CurrentSnapshot)
	}
	snaps, err := w.s.cat.CommitSnapshot(ctx, catalog.Commit{Ref: w.t.Ref, Base: base, Add: w.files, Operation: op})
	if err != nil {
		w.Abort()
		return catalog.Snapshot{}, err
	}
	w.done = true
	return snaps[0], nil
}

// CommitCreate creates the writer's table with the written files as its first snapshot, in
// one catalog transaction (CREATE TABLE AS). On any error the files are removed.
func (w *Writer) CommitCreate(ctx context.Context) (catalog.Table, error) {
	if err := w.finish(ctx); err != nil {
		w.Abort()
		return catalog.Table{}, err
	}
	t, err := w.s.cat.CreateTable(ctx, w.t, w.files)
	if err != nil {
		w.Abort()
		return catalog.Table{}, err
	}
	w.done = true
	return t, nil
}

// Abort removes every file the writer created. It is safe to call more than once, and does
// nothing after a successful commit.
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	if w.cur != nil {
		w.cur.fw.Close()
		w.cur.f.Close()
		w.cur = nil
	}
	for _, p := range w.made {
		os.Remove(p)
	}
	w.made, w.files = nil, nil
	os.Remove(w.s.abs(w.dir)) // only if empty
}

// WriteAll opens src, writes all its batches and closes it.
func (w *Writer) WriteAll(ctx context.Context, src exec.Operator) error {
	defer src.Close()
	if err := src.Open(ctx); err != nil {
		return err
	}
	for {
		b, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			return src.Close()
		}
		if err != nil {
			return err
		}
		err = w.Write(ctx, b)
		b.Release()
		if err != nil {
			return err
		}
	}
}

func syncDir(dir string) error {
	d, err := os.Open(filepath.Clean(dir))
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// countingWriter counts bytes and hides the file's Close from the Parquet writer, so that
// the file is fsynced before it is closed.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
