package gateway

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/native"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto/errs"
)

// dml.go runs planner.Rewrite (DELETE, UPDATE, MERGE on native tables): every affected file's
// query writes its replacement rows into new files, files where nothing changed are kept,
// and the new files and the removal of the replaced ones commit as one snapshot.

func (s *Server) rewrite(ctx context.Context, sess planner.Session, st *planner.Rewrite, tx *txnState) (int64, error) {
	if tx != nil {
		return 0, errs.Errorf(errs.ErrNotSupported, "%s inside a transaction is not supported yet", st.Operation)
	}
	var add []catalog.DataFile
	var remove []string
	var count int64
	fail := func(err error) (int64, error) {
		s.store.RemoveFiles(add)
		return 0, err
	}
	width := len(st.Table.Columns)
	schema := native.ArrowSchema(st.Table)
	for _, f := range st.Files {
		w := s.store.NewWriter(st.Table)
		var out, changed int64
		_, err := s.runInto(ctx, sess, f.Query, func(ctx context.Context, b arrow.RecordBatch) error {
			if int(b.NumCols()) != width+1 {
				return errs.Errorf(errs.ErrInternal, "rewrite query has %d columns, want %d", b.NumCols(), width+1)
			}
			flags, ok := b.Column(width).(*array.Boolean)
			if !ok {
				return errs.Errorf(errs.ErrInternal, "rewrite query's last column is %s", b.Column(width).DataType())
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
			return fail(err)
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
		w := s.store.NewWriter(st.Table)
		n, err := s.runInto(ctx, sess, st.Insert, w.Write)
		if err != nil {
			w.Abort()
			return fail(err)
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
	_, err := s.store.CommitChange(ctx, st.Table, st.Base, add, remove, st.Operation, true)
	if err != nil {
		if errors.Is(err, errs.ErrConflict) {
			return 0, fmt.Errorf("%w (retry the statement)", err)
		}
		return 0, err
	}
	return count, nil
}
