package coordinator

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/native"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto/errs"
)

// dml.go runs planner.Rewrite (DELETE, UPDATE, MERGE on native tables): every affected file's
// query writes its replacement rows into new files, files where nothing changed are kept,
// and the new files and the removal of the replaced ones commit as one snapshot.

func (c *Coordinator) rewrite(ctx context.Context, sess planner.Session, st *planner.Rewrite, tx *Txn) (int64, error) {
	if tx != nil {
		return 0, errs.Errorf(errs.ErrNotSupported, "%s inside a transaction is not supported yet", st.Operation)
	}
	var add []catalog.DataFile
	var remove []string
	var count int64
	fail := func(err error) (int64, error) {
		c.store.RemoveFiles(add)
		return 0, err
	}
	width := len(st.Table.Columns)
	schema := native.ArrowSchema(st.Table)
	extra := 1 // the changed flag; with RETURNING also the dropped flag and the returned columns
	if st.Returning != nil {
		extra = 2 + st.Returning.NumFields()
	}
	for _, f := range st.Files {
		w := c.store.NewWriter(st.Table)
		var out, changed int64
		_, err := c.runInto(ctx, sess, f.Query, func(ctx context.Context, b arrow.RecordBatch) error {
			if int(b.NumCols()) != width+extra {
				return errs.Errorf(errs.ErrInternal, "rewrite query has %d columns, want %d", b.NumCols(), width+extra)
			}
			flags, ok := b.Column(width).(*array.Boolean)
			if !ok {
				return errs.Errorf(errs.ErrInternal, "rewrite query's changed column is %s", b.Column(width).DataType())
			}
			if st.Returning != nil {
				kept, err := c.returnRewritten(ctx, st, b, width)
				if err != nil {
					return err
				}
				defer kept.Release()
				b = kept
				flags = b.Column(width).(*array.Boolean)
			}
			for i := 0; i < flags.Len(); i++ {
				if flags.IsValid(i) && flags.Value(i) {
					changed++
				}
			}
			out += b.NumRows()
			rec := array.NewRecordBatch(schema, b.Columns()[:width], b.NumRows())
			defer rec.Release()
			return w.Write(ctx, rec)
		})
		if err != nil {
			w.Abort()
			return fail(multiMatch(st, err))
		}
		if out > f.Rows {
			w.Abort()
			return fail(errs.Errorf(errs.ErrInternal, "rewrite of %s produced %d rows from %d", f.Path, out, f.Rows))
		}
		n := f.Rows - out + changed
		if n == 0 {
			w.Abort() // nothing changed in this file: keep it
			continue
		}
		files, err := w.Close(ctx)
		if err != nil {
			return fail(err)
		}
		add = append(add, files...)
		remove = append(remove, f.Path)
		count += n
	}
	if st.Insert != nil {
		w := c.store.NewWriter(st.Table)
		n, err := c.runInto(ctx, sess, st.Insert, splitReturning(st.Returning, schema, width, w.Write))
		if err != nil {
			w.Abort()
			return fail(multiMatch(st, err))
		}
		files, err := w.Close(ctx)
		if err != nil {
			return fail(err)
		}
		add = append(add, files...)
		count += n
	}
	if len(add) == 0 && len(remove) == 0 {
		return count, nil
	}
	_, err := c.store.CommitChange(ctx, st.Table, st.Base, add, remove, st.Operation, true)
	if err != nil {
		if errors.Is(err, errs.ErrConflict) {
			return 0, fmt.Errorf("%w (retry the statement)", err)
		}
		return 0, err
	}
	return count, nil
}

// returnRewritten hands the RETURNING values of the rows a rewrite query changed or dropped
// to the context's collector and returns the rows to write (not dropped): the table's columns
// and the changed flag.
func (c *Coordinator) returnRewritten(ctx context.Context, st *planner.Rewrite, b arrow.RecordBatch, width int) (arrow.RecordBatch, error) {
	changed, ok1 := b.Column(width).(*array.Boolean)
	dropped, ok2 := b.Column(width + 1).(*array.Boolean)
	if !ok1 || !ok2 {
		return nil, errs.Errorf(errs.ErrInternal, "rewrite query's flags are %s, %s", b.Column(width).DataType(), b.Column(width+1).DataType())
	}
	n := int(b.NumRows())
	keep := array.NewBooleanBuilder(c.alloc)
	ret := array.NewBooleanBuilder(c.alloc)
	defer keep.Release()
	defer ret.Release()
	for i := 0; i < n; i++ {
		d := dropped.IsValid(i) && dropped.Value(i)
		c := changed.IsValid(i) && changed.Value(i)
		keep.Append(!d)
		ret.Append(d || c)
	}
	keepMask, retMask := keep.NewArray(), ret.NewArray()
	defer keepMask.Release()
	defer retMask.Release()
	cctx := compute.WithAllocator(ctx, c.alloc)
	if r := returnedFrom(ctx); r != nil {
		cols := b.Columns()[width+2:]
		rec := array.NewRecordBatch(st.Returning, cols, b.NumRows())
		sel, err := compute.FilterRecordBatch(cctx, rec, retMask, compute.DefaultFilterOptions())
		rec.Release()
		if err != nil {
			return nil, errs.Errorf(errs.ErrInternal, "RETURNING: %v", err)
		}
		err = r.add(sel)
		sel.Release()
		if err != nil {
			return nil, err
		}
	}
	fields := append([]arrow.Field{}, b.Schema().Fields()[:width+1]...)
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), b.Columns()[:width+1], b.NumRows())
	defer rec.Release()
	kept, err := compute.FilterRecordBatch(cctx, rec, keepMask, compute.DefaultFilterOptions())
	if err != nil {
		return nil, errs.Errorf(errs.ErrInternal, "rewrite: %v", err)
	}
	return kept, nil
}

// multiMatch words the executor's error for a LEFT SINGLE join matching twice as the
// statement means it (UPDATE ... FROM, ON CONFLICT).
func multiMatch(st *planner.Rewrite, err error) error {
	if st.MultiMatch != "" && strings.Contains(err.Error(), "more than one row returned by a subquery") {
		return errs.Errorf(errs.ErrInvalidArgument, "%s", st.MultiMatch)
	}
	return err
}
