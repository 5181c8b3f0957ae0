package coordinator

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto/errs"
)

// copy_fit.go: loads (COPY FROM, bulk ingest) convert incoming columns to the table's types
// here, batch by batch, so that a value that does not fit is reported with its row and
// column: `value too long for type character varying(5) (COPY t, row 17, column name: "...")`.
// Rows are numbered from 1 in the order the load produces them (for COPY: the data rows of
// the matched files in order; for ingest: the rows of the stream). The conversion is Tern's
// cast (PostgreSQL's rules, exec), then VARCHAR(n) lengths and NOT NULL.

type fitter struct {
	what   string // "COPY t", "ingest into t"
	cols   []catalog.Column
	target *arrow.Schema
	mem    memory.Allocator
	rows   int64 // rows before the current batch
}

func newFitter(what string, t catalog.Table, target *arrow.Schema, mem memory.Allocator) *fitter {
	return &fitter{what: what, cols: t.Columns, target: target, mem: mem}
}

// fit returns rec converted to the table's schema (a new reference), or an error naming the
// first row and column that does not fit.
func (f *fitter) fit(ctx context.Context, rec arrow.RecordBatch) (arrow.RecordBatch, error) {
	if int(rec.NumCols()) != len(f.cols) {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "%s: batch has %d columns but the table has %d", f.what, rec.NumCols(), len(f.cols))
	}
	out := make([]arrow.Array, len(f.cols))
	release := func() {
		for _, a := range out {
			if a != nil {
				a.Release()
			}
		}
	}
	for i, col := range f.cols {
		a, err := f.column(ctx, rec.Column(i), i, col)
		if err != nil {
			release()
			return nil, err
		}
		out[i] = a
	}
	f.rows += rec.NumRows()
	res := array.NewRecordBatch(f.target, out, rec.NumRows())
	release()
	return res, nil
}

func (f *fitter) column(ctx context.Context, in arrow.Array, i int, col catalog.Column) (arrow.Array, error) {
	want := f.target.Field(i).Type
	var a arrow.Array
	if arrow.TypeEqual(in.DataType(), want) {
		in.Retain()
		a = in
	} else {
		cast, err := castFunc(in.DataType(), want, f.mem)
		if err != nil {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "%s: column %s: cannot store %s as %s", f.what, col.Name, in.DataType(), col.Type)
		}
		if a, err = cast(ctx, in); err != nil {
			return nil, f.locate(ctx, cast, in, col, err)
		}
	}
	if col.Type.Kind == catalog.TypeText && col.Type.Precision > 0 {
		if s, ok := a.(interface{ Value(int) string }); ok {
			n := int(col.Type.Precision)
			for r := 0; r < a.Len(); r++ {
				if a.IsNull(r) {
					continue
				}
				v := s.Value(r)
				if len(v) > n && utf8.RuneCountInString(v) > n && strings.TrimRight(string([]rune(v)[n:]), " ") != "" {
					a.Release()
					return nil, f.rowErr(r, col, v, fmt.Sprintf("value too long for type %s", col.Type))
				}
			}
		}
		if col.Type.IsChar() { // copy_fit_char.go
			p := padChars(f.mem, a, int(col.Type.Precision))
			a.Release()
			a = p
		}
	}
	if !col.Nullable && a.NullN() > 0 {
		for r := 0; r < a.Len(); r++ {
			if a.IsNull(r) {
				a.Release()
				return nil, f.rowErr(r, col, "", fmt.Sprintf("null value in column \"%s\" violates not-null constraint", col.Name))
			}
		}
	}
	return a, nil
}

// locate finds the first row whose value the cast refuses (the slow path, after a failure).
func (f *fitter) locate(ctx context.Context, cast func(context.Context, arrow.Array) (arrow.Array, error), in arrow.Array, col catalog.Column, whole error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	for r := 0; r < in.Len(); r++ {
		one := array.NewSlice(in, int64(r), int64(r+1))
		a, err := cast(ctx, one)
		one.Release()
		if err == nil {
			a.Release()
			continue
		}
		return f.rowErr(r, col, in.ValueStr(r), errMessage(err))
	}
	return fmt.Errorf("%s: column %s: %w", f.what, col.Name, whole)
}

func (f *fitter) rowErr(r int, col catalog.Column, value, msg string) error {
	ctxt := fmt.Sprintf("%s, row %d, column %s", f.what, f.rows+int64(r)+1, col.Name)
	if value != "" {
		if len(value) > 64 {
			value = value[:61] + "..."
		}
		ctxt += fmt.Sprintf(": %q", value)
	}
	return errs.Errorf(errs.ErrInvalidArgument, "%s (%s)", msg, ctxt)
}

// errMessage is an error's text without its sentinel prefix.
func errMessage(err error) string {
	s := err.Error()
	for _, p := range []string{errs.ErrInvalidArgument.Error() + ": "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

// castFunc converts arrays of type from to type to: Tern's cast (PostgreSQL's rules) where it
// has one, else arrow's safe cast (e.g. large_utf8 -> utf8 from ingest streams).
func castFunc(from, to arrow.DataType, mem memory.Allocator) (func(context.Context, arrow.Array) (arrow.Array, error), error) {
	if e, err := exec.NewCast(exec.NewColumnRef(0, from), to); err == nil {
		return func(ctx context.Context, in arrow.Array) (arrow.Array, error) { return evalOn(ctx, e, in, mem) }, nil
	}
	if !compute.CanCast(from, to) {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "cannot cast %s to %s", from, to)
	}
	return func(ctx context.Context, in arrow.Array) (arrow.Array, error) {
		opts := compute.SafeCastOptions(to)
		opts.AllowTimeTruncate = true
		out, err := compute.CastArray(compute.WithAllocator(ctx, mem), in, opts)
		if err != nil {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "cannot store %s as %s: %v", from, to, err)
		}
		return out, nil
	}, nil
}

func evalOn(ctx context.Context, e exec.Expr, in arrow.Array, mem memory.Allocator) (arrow.Array, error) {
	sc := arrow.NewSchema([]arrow.Field{{Name: "v", Type: in.DataType(), Nullable: true}}, nil)
	rec := array.NewRecordBatch(sc, []arrow.Array{in}, int64(in.Len()))
	defer rec.Release()
	return e.Eval(ctx, rec, mem)
}

// ---- progress of loads

// ProgressEvery is how often a running load logs its progress (tests set it to 0: every
// batch).
var ProgressEvery = 5 * time.Second

// loadProgress logs a load's rows and bytes so far every ProgressEvery, and a last line
// when it ends. Bytes are the bytes read from files (COPY) or received (ingest).
type loadProgress struct {
	log   *slog.Logger
	what  string
	start time.Time
	last  time.Time
	rows  int64
	bytes *atomic.Int64
}

func (c *Coordinator) newProgress(what string, bytes *atomic.Int64) *loadProgress {
	now := time.Now()
	if bytes == nil {
		bytes = new(atomic.Int64)
	}
	return &loadProgress{log: c.log, what: what, start: now, last: now, bytes: bytes}
}

func (p *loadProgress) add(rows int64) {
	p.rows += rows
	if now := time.Now(); now.Sub(p.last) >= ProgressEvery {
		p.last = now
		p.log.Info("load progress", "load", p.what, "rows", p.rows, "bytes", p.bytes.Load(), "elapsed", now.Sub(p.start).Round(time.Millisecond))
	}
}

func (p *loadProgress) end(err error) {
	if time.Since(p.start) < ProgressEvery && err == nil {
		return // short loads stay quiet
	}
	attrs := []any{"load", p.what, "rows", p.rows, "bytes", p.bytes.Load(), "elapsed", time.Since(p.start).Round(time.Millisecond)}
	if err != nil {
		p.log.Info("load failed", append(attrs, "error", err)...)
		return
	}
	p.log.Info("load done", attrs...)
}

// insertSink wraps an Insert's sink: COPY loads (st.Fit) are converted to the table's types
// here, naming the row and column of a value that does not fit, and every load reports its
// progress. The returned context counts the bytes the source's file scans read.
func (c *Coordinator) insertSink(ctx context.Context, st *planner.Insert, target *arrow.Schema, sink func(context.Context, arrow.RecordBatch) error) (context.Context, func(context.Context, arrow.RecordBatch) error, func(error)) {
	var scanned atomic.Int64
	ctx = files.WithBytesCounter(ctx, &scanned)
	p := c.newProgress(st.Operation+" "+st.Table.Ref.String(), &scanned)
	var f *fitter
	if st.Fit {
		f = newFitter("COPY "+st.Table.Ref.Name, st.Table, target, c.alloc)
	}
	return ctx, func(ctx context.Context, b arrow.RecordBatch) error {
		if f != nil {
			fitted, err := f.fit(ctx, b)
			if err != nil {
				return err
			}
			defer fitted.Release()
			b = fitted
		}
		if err := sink(ctx, b); err != nil {
			return err
		}
		p.add(b.NumRows())
		return nil
	}, p.end
}
