package files

import (
	"context"
	"io"
	"os"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/proto/errs"
)

// parquetFile reads one Parquet file row group by row group, only the projected columns.
type parquetFile struct {
	s      *scan
	path   string
	pr     *file.Reader
	fr     *pqarrow.FileReader
	names  []string // file column name for each output column
	leaves []int    // leaf columns to read
	rg     int      // next entry of rgs
	rgs    []int    // row groups to read
	rr     pqarrow.RecordReader
	left   int64 // rows left in the current row group when no column is read
	// fills: for output columns the file lacks (names[i] == ""), the value older rows read
	// (catalog.AddedFieldPrefix), as text; absent: NULL
	fills map[int]string
}

func openParquet(ctx context.Context, s *scan, path string, rng [2]int64) (fileReader, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, openError(path, err)
	}
	props := parquet.NewReaderProperties(s.alloc)
	pr, err := file.OpenParquetFile(path, false, file.WithReadProps(props))
	if err != nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "file %q is not a valid Parquet file: %v", path, err)
	}
	p := &parquetFile{s: s, path: path, pr: pr}
	p.fr, err = pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{BatchSize: int64(s.opts.Env.Size())}, s.alloc)
	if err != nil {
		pr.Close()
		return nil, errs.Errorf(errs.ErrInvalidArgument, "file %q: %v", path, err)
	}
	for g := 0; g < pr.NumRowGroups(); g++ {
		if rng[1] > 0 {
			off := RowGroupOffset(pr.MetaData().RowGroup(g))
			if off < rng[0] || off >= rng[0]+rng[1] {
				continue
			}
		}
		p.rgs = append(p.rgs, g)
	}
	seen := map[int]bool{}
	for _, c := range s.cols {
		want := s.opts.Schema.Field(c).Name
		i := findField(p.fr.Manifest, want)
		if i < 0 && strings.HasPrefix(want, catalog.AddedFieldPrefix) {
			// a column added to a native table after this file was written: its DEFAULT at the
			// time it was added ("<prefix><id>=<value>"), else NULL
			if _, fill, ok := strings.Cut(want[len(catalog.AddedFieldPrefix):], "="); ok {
				if p.fills == nil {
					p.fills = map[int]string{}
				}
				p.fills[len(p.names)] = fill
			}
			p.names = append(p.names, "")
			continue
		}
		if i < 0 {
			pr.Close()
			return nil, errs.Errorf(errs.ErrInvalidArgument, "file %q has no column %q", path, want)
		}
		sf := &p.fr.Manifest.Fields[i]
		p.names = append(p.names, sf.Field.Name)
		if !seen[i] {
			seen[i] = true
			p.leaves = appendLeaves(p.leaves, sf)
		}
	}
	return p, nil
}

// findField finds a top-level field by name: exactly, or else case-insensitively if only one
// field matches that way.
func findField(m *pqarrow.SchemaManifest, name string) int {
	found := -1
	for i := range m.Fields {
		if m.Fields[i].Field.Name == name {
			return i
		}
		if strings.EqualFold(m.Fields[i].Field.Name, name) {
			if found >= 0 {
				return -1
			}
			found = i
		}
	}
	return found
}

func appendLeaves(out []int, f *pqarrow.SchemaField) []int {
	if f.IsLeaf() {
		return append(out, f.ColIndex)
	}
	for i := range f.Children {
		out = appendLeaves(out, &f.Children[i])
	}
	return out
}

func (p *parquetFile) next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(p.leaves) == 0 && p.left > 0 { // no columns read: count rows only
			n := min(p.left, int64(p.s.opts.Env.Size()))
			p.left -= n
			if len(p.names) > 0 { // only columns the file lacks
				return p.convert(ctx, array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, n))
			}
			return array.NewRecordBatch(p.s.out, nil, n), nil
		}
		if p.rr == nil {
			if p.rg >= len(p.rgs) {
				return nil, io.EOF
			}
			rg := p.rgs[p.rg]
			p.rg++
			md := p.pr.MetaData().RowGroup(rg)
			if md.NumRows() == 0 {
				continue
			}
			if len(p.leaves) == 0 {
				p.left = md.NumRows()
				continue
			}
			for _, leaf := range p.leaves {
				cc, err := md.ColumnChunk(leaf)
				if err != nil {
					return nil, errs.Errorf(errs.ErrInvalidArgument, "file %q: %v", p.path, err)
				}
				p.s.addScanned(ctx, cc.TotalCompressedSize())
			}
			rr, err := p.fr.GetRecordReader(ctx, p.leaves, []int{rg})
			if err != nil {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "file %q: row group %d: %v", p.path, rg, err)
			}
			p.rr = rr
		}
		if p.rr.Next() {
			rec := p.rr.RecordBatch()
			if rec.NumRows() == 0 {
				continue
			}
			return p.convert(ctx, rec)
		}
		err := p.rr.Err()
		p.rr.Release()
		p.rr = nil
		if err != nil && err != io.EOF {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, errs.Errorf(errs.ErrInvalidArgument, "file %q: %v", p.path, err)
		}
	}
}

// convert picks the output columns out of rec and converts each to the bound type.
func (p *parquetFile) convert(ctx context.Context, rec arrow.RecordBatch) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, 0, len(p.names))
	release := func() {
		for _, c := range cols {
			c.Release()
		}
	}
	sc := rec.Schema()
	for i, name := range p.names {
		if name == "" { // a column the file lacks (added later)
			arr, err := p.missing(ctx, i, int(rec.NumRows()))
			if err != nil {
				release()
				return nil, err
			}
			cols = append(cols, arr)
			continue
		}
		idx := sc.FieldIndices(name)
		if len(idx) == 0 {
			release()
			return nil, errs.Errorf(errs.ErrInternal, "file %q: column %q missing from what was read", p.path, name)
		}
		want := p.s.out.Field(i)
		arr, err := castTo(ctx, p.s, rec.Column(idx[0]), want.Type)
		if err != nil {
			release()
			return nil, errs.Errorf(errs.ErrInvalidArgument, "file %q: column %q: cannot convert %s to %s: %v",
				p.path, want.Name, rec.Column(idx[0]).DataType(), want.Type, err)
		}
		cols = append(cols, arr)
	}
	out := array.NewRecordBatch(p.s.out, cols, rec.NumRows())
	release()
	return out, nil
}

// missing is output column i of a file that lacks it: its fill value, else NULL.
func (p *parquetFile) missing(ctx context.Context, i, n int) (arrow.Array, error) {
	want := p.s.out.Field(i)
	fill, ok := p.fills[i]
	if !ok {
		return array.MakeArrayOfNull(p.s.alloc, want.Type, n), nil
	}
	if t, ok := want.Type.(*arrow.TimestampType); ok { // text as FormatValue writes it
		ts, err := time.Parse("2006-01-02 15:04:05.999999Z07", fill)
		if err != nil {
			ts, err = time.Parse("2006-01-02 15:04:05.999999", fill)
		}
		if err != nil {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "file %q: column %q: default %q: %v", p.path, want.Name, fill, err)
		}
		b := array.NewTimestampBuilder(p.s.alloc, t)
		defer b.Release()
		for j := 0; j < n; j++ {
			b.Append(arrow.Timestamp(ts.UnixMicro()))
		}
		return b.NewArray(), nil
	}
	b := array.NewBuilder(p.s.alloc, want.Type)
	defer b.Release()
	b.Reserve(n)
	for j := 0; j < n; j++ {
		if err := b.AppendValueFromString(fill); err != nil {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "file %q: column %q: default %q: %v", p.path, want.Name, fill, err)
		}
	}
	return b.NewArray(), nil
}

// castTo returns arr as type to (a new reference either way).
func castTo(ctx context.Context, s *scan, arr arrow.Array, to arrow.DataType) (arrow.Array, error) {
	if arrow.TypeEqual(arr.DataType(), to) {
		arr.Retain()
		return arr, nil
	}
	ctx = compute.WithAllocator(ctx, s.alloc)
	if d, ok := arr.(*array.Dictionary); ok { // decode, then convert the values
		dense, err := compute.TakeArray(ctx, d.Dictionary(), d.Indices())
		if err != nil {
			return nil, err
		}
		defer dense.Release()
		return castTo(ctx, s, dense, to)
	}
	if to.ID() == arrow.INTERVAL_MONTH_DAY_NANO && arrow.TypeEqual(arr.DataType(), IntervalStorageType) {
		return IntervalsFromStorage(arr), nil // native files' interval storage (interval.go)
	}
	opts := compute.SafeCastOptions(to)
	if _, ok := to.(*arrow.TimestampType); ok {
		opts.AllowTimeTruncate = true // ns -> us drops the nanoseconds, as PostgreSQL keeps microseconds
	}
	return compute.CastArray(ctx, arr, opts)
}

func (p *parquetFile) close() error {
	if p.rr != nil {
		p.rr.Release()
		p.rr = nil
	}
	return p.pr.Close()
}

// RowGroupOffset is the byte offset of a row group's first page (the smallest dictionary or
// data page offset of its column chunks). Scans limited to byte ranges read the row groups
// whose offset falls inside one; the native writer records the same offset in the catalog.
func RowGroupOffset(rg *metadata.RowGroupMetaData) int64 {
	off := int64(-1)
	for i := 0; i < rg.NumColumns(); i++ {
		cc, err := rg.ColumnChunk(i)
		if err != nil {
			continue
		}
		o := cc.DataPageOffset()
		if cc.HasDictionaryPage() && cc.DictionaryPageOffset() > 0 && cc.DictionaryPageOffset() < o {
			o = cc.DictionaryPageOffset()
		}
		if off < 0 || o < off {
			off = o
		}
	}
	if off < 0 {
		return rg.FileOffset()
	}
	return off
}
