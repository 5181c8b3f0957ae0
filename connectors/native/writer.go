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
	"sort"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/connectors/prune"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/internal/datafs"
	"github.com/tern-db/tern/proto/errs"
)

// Writer writes the Parquet files of one change to a table. It is not safe for concurrent use.
// Use: Write as many batches as needed, then Commit (or CommitCreate for CREATE TABLE AS), or
// Abort. Nothing is visible to readers before the commit.
//
// Unpartitioned, unclustered tables stream: rows go to the current file as they come. With a
// partition_by or cluster_by option, rows are buffered per partition (up to the store's
// BufferBytes in all) and each flush writes one file per partition, sorted by the clustering
// columns; a partition that outgrows the buffer is flushed into several files, which
// compaction merges later.
type Writer struct {
	s      *Store
	t      catalog.Table
	schema *arrow.Schema
	store  *arrow.Schema // schema of the Parquet files: intervals as files.IntervalStorageType
	layout prune.Layout
	dir    string // relative to the data directory, slash-separated
	cur    *dataFile
	files  []catalog.DataFile
	made   []string // absolute paths of every file created, for Abort
	dirs   map[string]bool
	done   bool
	err    error // sticky: a failed write poisons the writer

	parts    map[string]*partBuf // buffered rows per partition key (partitioned or clustered)
	buffered int64

	targetBytes int64 // compaction: file size to aim for (0: the store's FileBytes)
	finished    bool  // files closed and synced (a Commit that conflicted may be retried)
}

type partBuf struct {
	key   string
	recs  []arrow.RecordBatch
	rows  int64
	bytes int64
}

type dataFile struct {
	rel  string
	part string
	f    *os.File
	cw   *countingWriter
	fw   *pqarrow.FileWriter
	rows int64
	rgs  [][]prune.Acc // per row group, per column
}

// NewWriter returns a writer for t. For a table not created yet (t.ID == 0, CREATE TABLE AS),
// files go to a fresh directory of the tenant and CommitCreate creates the table. Invalid
// storage options poison the writer (the first Write reports them).
func (s *Store) NewWriter(t catalog.Table) *Writer {
	dir := "new-" + randomHex(8)
	if t.ID != 0 {
		dir = strconv.FormatUint(t.ID, 10)
	}
	w := &Writer{
		s: s, t: t, schema: FileSchema(t), // file field names (evolve.go)
		dir:  path.Join("tables", dirName(t.Ref.Tenant), dir),
		dirs: map[string]bool{},
	}
	w.store, _ = files.StorageSchema(w.schema)
	w.layout, w.err = prune.ParseLayout(t)
	if w.layout.Partition != nil || len(w.layout.Cluster) > 0 {
		w.parts = map[string]*partBuf{}
	}
	return w
}

// Schema returns the schema batches must have (names may differ; types must match).
func (w *Writer) Schema() *arrow.Schema { return w.schema }

// Table is the table the writer writes.
func (w *Writer) Table() catalog.Table { return w.t }

func (w *Writer) maxRowGroup() int64 {
	if w.s.RowGroupRows > 0 {
		return w.s.RowGroupRows
	}
	return DefaultRowGroupRows
}

func (w *Writer) maxFile() int64 {
	if w.targetBytes > 0 {
		return w.targetBytes
	}
	if w.s.FileBytes > 0 {
		return w.s.FileBytes
	}
	return DefaultFileBytes
}

func (w *Writer) maxBuffer() int64 {
	if w.s.BufferBytes > 0 {
		return w.s.BufferBytes
	}
	return DefaultBufferBytes
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
			return notNull(c.Name, w.t.Ref.Name)
		}
	}
	if b.NumRows() == 0 {
		return nil
	}
	rec := array.NewRecordBatch(w.schema, b.Columns(), b.NumRows())
	defer rec.Release()
	var err error
	if w.parts != nil {
		err = w.buffer(ctx, rec)
	} else {
		err = w.write(rec, "")
	}
	if err != nil {
		w.err = err
	}
	return err
}

// buffer adds rec's rows to their partitions' buffers and flushes the largest buffers while
// the total is over the budget.
func (w *Writer) buffer(ctx context.Context, rec arrow.RecordBatch) error {
	groups := map[string]arrow.RecordBatch{}
	if w.layout.Partition == nil {
		rec.Retain()
		groups[""] = rec
	} else {
		var err error
		if groups, err = splitByKey(ctx, rec, w.layout.Partition.Keys(rec.Column(w.layout.Partition.Col))); err != nil {
			return w.ioErr(err)
		}
	}
	for key, g := range groups {
		if len(groups) > 1 { // own the rows: a slice would pin the whole input batch
			owned, err := concat(w.schema, []arrow.RecordBatch{g}, w.s.alloc())
			g.Release()
			if err != nil {
				return w.ioErr(err)
			}
			g = owned
		}
		pb := w.parts[key]
		if pb == nil {
			pb = &partBuf{key: key}
			w.parts[key] = pb
		}
		n := recBytes(g)
		pb.recs = append(pb.recs, g)
		pb.rows += g.NumRows()
		pb.bytes += n
		w.buffered += n
	}
	for w.buffered > w.maxBuffer() {
		var big *partBuf
		for _, pb := range w.parts {
			if big == nil || pb.bytes > big.bytes {
				big = pb
			}
		}
		if err := w.flushPart(ctx, big); err != nil {
			return err
		}
	}
	return nil
}

// recBytes estimates the memory of r's rows (of slices too: only the rows they hold).
func recBytes(r arrow.RecordBatch) int64 {
	var n int64
	for _, c := range r.Columns() {
		n += recBytes1(c)
	}
	return n
}

// recBytes1 estimates the memory of one array's rows.
func recBytes1(c arrow.Array) int64 {
	var n int64
	{
		rows := int64(c.Len())
		switch x := c.(type) {
		case *array.String:
			if rows > 0 {
				n += int64(x.ValueOffset(int(rows)-1)+len(x.Value(int(rows)-1))-x.ValueOffset(0)) + 4*rows
			}
		case *array.Boolean:
			n += rows/8 + 1
		default:
			if fw, ok := c.DataType().(arrow.FixedWidthDataType); ok {
				n += rows * int64(fw.BitWidth()/8)
			} else {
				n += 16 * rows
			}
		}
		n += rows / 8
	}
	return n
}

// flushPart writes one partition's buffered rows, sorted by the clustering columns, into
// new files.
func (w *Writer) flushPart(ctx context.Context, pb *partBuf) error {
	delete(w.parts, pb.key)
	w.buffered -= pb.bytes
	defer func() {
		for _, r := range pb.recs {
			r.Release()
		}
	}()
	all, err := concat(w.schema, pb.recs, w.s.alloc())
	if err != nil {
		return w.ioErr(err)
	}
	defer all.Release()
	sorted := all
	if len(w.layout.Cluster) > 0 {
		if sorted, err = sortBatch(ctx, all, w.layout.Cluster, w.s.alloc()); err != nil {
			return w.ioErr(err)
		}
		defer sorted.Release()
	}
	if err := w.write(sorted, pb.key); err != nil {
		return err
	}
	if w.cur != nil {
		return w.closeFile()
	}
	return nil
}

// write appends rec (all of partition part) to the current file, opening and closing files
// and row groups as the limits say.
func (w *Writer) write(rec arrow.RecordBatch, part string) error {
	n := rec.NumRows()
	for off := int64(0); off < n; {
		if w.cur == nil {
			if err := w.openFile(part); err != nil {
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
			w.cur.rgs = append(w.cur.rgs, make([]prune.Acc, len(w.t.Columns)))
			continue
		}
		k := min(room, n-off)
		sl := rec.NewSlice(off, off+k)
		if w.store != w.schema {
			st := files.ToStorage(sl, w.store)
			err = fw.WriteBuffered(st)
			st.Release()
		} else {
			err = fw.WriteBuffered(sl)
		}
		if err == nil {
			accs := w.cur.rgs[len(w.cur.rgs)-1]
			for i := range accs {
				accs[i].Add(sl.Column(i))
			}
		}
		sl.Release()
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
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if datafs.IsDiskError(err) { // ENOSPC -> ResourceExhausted "disk full while writing ..."
		return datafs.IOError(fmt.Sprintf("relation %q", w.t.Ref.Name), err)
	}
	return fmt.Errorf("%w: native: writing relation %q: %v", errs.ErrInternal, w.t.Ref.Name, err)
}

// zstdLevel is the zstd level of native files (1: klauspost's SpeedFastest).
const zstdLevel = 1

// WriterProperties are the Parquet settings of every native data file: zstd, dictionary
// encoding, statistics and page indexes. zstd runs at level 1: writes are several times faster
// than at the default level and decompression speed hardly depends on the level. NUMERIC of
// precision up to 18 is stored as INT32/INT64 with the DECIMAL logical type, which readers
// turn into Decimal128 far faster than big-endian FIXED_LEN_BYTE_ARRAY (files written before
// hold FIXED_LEN_BYTE_ARRAY and read the same).
func (w *Writer) props() *parquet.WriterProperties {
	opts := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithCompressionLevel(zstdLevel),
		parquet.WithStoreDecimalAsInteger(true),
		parquet.WithDictionaryDefault(true),
		parquet.WithStats(true),
		parquet.WithPageIndexEnabled(true),
		parquet.WithMaxRowGroupLength(w.maxRowGroup()),
		parquet.WithCreatedBy("tern"),
	}
	if len(w.layout.Cluster) > 0 {
		var sc []parquet.SortingColumn
		for _, c := range w.layout.Cluster {
			sc = append(sc, parquet.SortingColumn{ColumnIdx: int32(c), NullsFirst: false})
		}
		opts = append(opts, parquet.WithSortingColumns(sc))
	}
	return parquet.NewWriterProperties(opts...)
}

func (w *Writer) openFile(part string) error {
	dir := w.dir
	if w.layout.Partition != nil {
		dir = path.Join(w.dir, partDir(w.layout.Partition.Name+"="+w.layout.Partition.Display(part)))
	}
	dirAbs := w.s.abs(dir)
	if err := datafs.MkdirAll(dirAbs); err != nil {
		return w.ioErr(err)
	}
	w.dirs[dir] = true
	rel := path.Join(dir, randomHex(16)+".parquet")
	abs := w.s.abs(rel)
	f, err := datafs.Create(abs)
	if err != nil {
		return w.ioErr(err)
	}
	w.made = append(w.made, abs)
	cw := &countingWriter{w: f}
	fw, err := pqarrow.NewFileWriter(w.store, cw, w.props(), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		f.Close()
		return w.ioErr(err)
	}
	w.cur = &dataFile{rel: rel, part: part, f: f, cw: cw, fw: fw, rgs: [][]prune.Acc{make([]prune.Acc, len(w.t.Columns))}}
	return nil
}

// closeFile finishes the current file: footer, fsync, close; then records its statistics.
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
	df := catalog.DataFile{Path: d.rel, Rows: d.rows, Bytes: d.cw.n, Partition: d.part, Fields: fileFields(w.t)}
	if md, err := d.fw.FileMetadata(); err == nil && md.NumRowGroups() == len(d.rgs) {
		fileAcc := make([]prune.Acc, len(w.t.Columns))
		df.Stats = make([]catalog.ColumnStats, len(w.t.Columns))
		for g := 0; g < md.NumRowGroups(); g++ {
			rg := md.RowGroup(g)
			info := catalog.RowGroupInfo{Offset: files.RowGroupOffset(rg), Rows: rg.NumRows(), Stats: make([]catalog.ColumnStats, len(w.t.Columns))}
			for c := range w.t.Columns {
				st := d.rgs[g][c].Stats()
				if cc, err := rg.ColumnChunk(c); err == nil {
					st.Bytes = cc.TotalCompressedSize()
				}
				info.Stats[c] = st
				info.Bytes += st.Bytes
				df.Stats[c].Bytes += st.Bytes
				fileAcc[c].Merge(d.rgs[g][c])
			}
			df.RowGroups = append(df.RowGroups, info)
		}
		for c := range df.Stats {
			b := df.Stats[c].Bytes
			df.Stats[c] = fileAcc[c].Stats()
			df.Stats[c].Bytes = b
		}
	}
	w.files = append(w.files, df)
	return nil
}

// Files returns the files written so far and closed (all of them after Commit).
func (w *Writer) Files() []catalog.DataFile { return append([]catalog.DataFile(nil), w.files...) }

// finish flushes buffered partitions, closes the last file and makes the files' directory
// entries durable.
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
	if w.finished {
		return nil
	}
	w.finished = true
	if w.parts != nil {
		keys := make([]string, 0, len(w.parts))
		for k := range w.parts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := w.flushPart(ctx, w.parts[k]); err != nil {
				w.err = err
				return err
			}
		}
	}
	if w.cur != nil {
		if err := w.closeFile(); err != nil {
			return err
		}
	}
	if len(w.files) == 0 {
		return nil
	}
	// The directories hold the new entries; their parents may be new too.
	sync := map[string]bool{}
	for d := range w.dirs {
		for p := d; p != "." && p != "/" && p != "tables"; p = path.Dir(p) {
			sync[p] = true
		}
	}
	sync["tables"] = true
	for d := range sync {
		if err := syncDir(w.s.abs(d)); err != nil {
			return w.ioErr(err)
		}
	}
	return nil
}

// Close finishes the written files (durable, not committed) and returns them: for changes
// that commit the files of several writers together (copy-on-write DML, compaction). The
// caller commits them or removes them with Abort.
func (w *Writer) Close(ctx context.Context) ([]catalog.DataFile, error) {
	if err := w.finish(ctx); err != nil {
		w.Abort()
		return nil, err
	}
	return w.Files(), nil
}

// Commit makes the written files a new snapshot on top of base (the snapshot the change was
// planned against): errs.ErrConflict if the table has moved on, after which the writer keeps
// its files so that the caller may retry Commit on the new snapshot (appends commute) or
// Abort. On any other error the files are removed. With no rows written it commits nothing
// and returns the current snapshot.
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
		if !errors.Is(err, errs.ErrConflict) {
			w.Abort()
		}
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
	for _, pb := range w.parts {
		for _, r := range pb.recs {
			r.Release()
		}
	}
	w.parts = nil
	for _, p := range w.made {
		os.Remove(p)
	}
	w.made, w.files = nil, nil
	for d := range w.dirs {
		os.Remove(w.s.abs(d)) // only if empty
	}
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
