package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/errs"
)

// scan is the operator NewScan returns: it reads opts.Paths one after another through a
// per-format fileReader and reports rows, batches and bytes scanned.
type scan struct {
	opts   ScanOptions
	alloc  memory.Allocator
	out    *arrow.Schema
	cols   []int // opts.Schema column of each output column
	opened bool
	closed bool
	next   int // index of the next file in opts.Paths
	cur    fileReader
	stats  exec.OperatorStats
}

// fileReader reads one file. next returns batches of the output schema, io.EOF at the end.
type fileReader interface {
	next(ctx context.Context) (arrow.RecordBatch, error)
	close() error
}

var (
	_ exec.Operator = (*scan)(nil)
	_ exec.Stats    = (*scan)(nil)
)

func newScan(opts ScanOptions) (*scan, error) {
	if opts.Schema == nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "file scan: no schema")
	}
	if opts.Format != Parquet && opts.Format != CSV && opts.Format != JSON {
		return nil, errs.Errorf(errs.ErrNotSupported, "file scan: format %d", opts.Format)
	}
	s := &scan{opts: opts, alloc: opts.Env.Alloc}
	if s.alloc == nil {
		s.alloc = memory.DefaultAllocator
	}
	if opts.Projection == nil {
		for i := range opts.Schema.Fields() {
			s.cols = append(s.cols, i)
		}
	} else {
		s.cols = append([]int{}, opts.Projection...)
	}
	fields := make([]arrow.Field, len(s.cols))
	for i, c := range s.cols {
		if c < 0 || c >= opts.Schema.NumFields() {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "file scan: projection column %d out of range", c)
		}
		fields[i] = opts.Schema.Field(c)
	}
	meta := opts.Schema.Metadata()
	s.out = arrow.NewSchema(fields, &meta)
	if opts.Format == CSV {
		for _, f := range opts.Schema.Fields() {
			if !csvTypeSupported(f.Type) {
				return nil, errs.Errorf(errs.ErrNotSupported, "reading column %q of type %s from CSV", f.Name, f.Type)
			}
		}
	}
	return s, nil
}

func (s *scan) Schema() *arrow.Schema     { return s.out }
func (s *scan) Stats() exec.OperatorStats { return s.stats }

func (s *scan) Open(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.opened = true
	return nil
}

func (s *scan) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.closed {
		return nil, io.EOF
	}
	s.opened = true
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if s.cur == nil {
			if s.next >= len(s.opts.Paths) {
				return nil, io.EOF
			}
			path := s.opts.Paths[s.next]
			var rng [2]int64
			if s.next < len(s.opts.Ranges) {
				rng = s.opts.Ranges[s.next]
			}
			s.next++
			r, err := s.openFile(ctx, path, rng)
			if err != nil {
				return nil, err
			}
			s.cur = r
		}
		b, err := s.cur.next(ctx)
		if err == io.EOF {
			cerr := s.cur.close()
			s.cur = nil
			if cerr != nil {
				return nil, cerr
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if b.NumRows() == 0 {
			b.Release()
			continue
		}
		s.stats.Rows += b.NumRows()
		s.stats.Batches++
		return b, nil
	}
}

func (s *scan) openFile(ctx context.Context, path string, rng [2]int64) (fileReader, error) {
	switch s.opts.Format {
	case CSV:
		return openCSV(s, path)
	case JSON:
		return openJSON(s, path)
	default:
		return openParquet(ctx, s, path, rng)
	}
}

func (s *scan) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.cur != nil {
		err := s.cur.close()
		s.cur = nil
		return err
	}
	return nil
}

// openError maps an os error opening path onto Tern's sentinels.
func openError(path string, err error) error {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return errs.Errorf(errs.ErrNotFound, "could not open file \"%s\": No such file or directory", path)
	case errors.Is(err, os.ErrPermission):
		return errs.Errorf(errs.ErrPermissionDenied, "could not open file \"%s\": Permission denied", path)
	}
	return errs.Errorf(errs.ErrInvalidArgument, "could not read file %q: %v", path, err)
}

// project builds an output batch from whole-schema columns (retained by the new batch).
func (s *scan) project(cols []arrow.Array, rows int64) arrow.RecordBatch {
	out := make([]arrow.Array, len(s.cols))
	for i, c := range s.cols {
		out[i] = cols[c]
	}
	return array.NewRecordBatch(s.out, out, rows)
}

func fmtType(dt arrow.DataType) string { return fmt.Sprint(dt) }
