package coordinator

import (
	"context"
	"errors"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/native"

	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto/errs"
)

// write.go runs INSERT, COPY FROM and CREATE TABLE AS: the source plan runs on the executor
// into new data files of the native writer, which commit as one snapshot.

// insert runs the source plan into new data files and commits them as one snapshot. Appends
// commute, so a commit that lost a race with another append is retried on the new snapshot.
func (c *Coordinator) insert(ctx context.Context, sess planner.Session, st *planner.Insert) (int64, error) {
	w := c.store.NewWriter(st.Table)
	ctx, sink, end := c.insertSink(ctx, st, w.Schema(), writeWithReturning(st, w)) // copy_fit.go: COPY fits values, progress
	n, err := c.runInto(ctx, sess, st.Source, sink)
	end(err)
	if err != nil {
		w.Abort()
		return 0, err
	}
	if n == 0 {
		w.Abort()
		return 0, nil
	}
	if err := c.commitAppend(ctx, st.Table, w, st.Operation); err != nil {
		return 0, err
	}
	return n, nil
}

// commitAppend commits w's files on top of the table's current snapshot. Appends commute, so a
// commit that lost a race with another one is retried on the new snapshot.
func (c *Coordinator) commitAppend(ctx context.Context, t catalog.Table, w *native.Writer, op string) error {
	for attempt := 0; ; attempt++ {
		cur, err := c.cat.GetTable(ctx, t.Ref)
		if err != nil {
			w.Abort()
			return err
		}
		if cur.ID != t.ID {
			w.Abort()
			return errs.Errorf(errs.ErrConflict, "table %s was dropped and re-created during the write", t.Ref)
		}
		_, err = w.Commit(ctx, cur.CurrentSnapshot, op)
		if err == nil || !errors.Is(err, errs.ErrConflict) || attempt >= 20 {
			w.Abort() // no-op after a commit
			return err
		}
	}
}

// writeWithReturning hands the table's columns to w and, for INSERT ... RETURNING, the
// returned columns to the statement's collector (returning.go).
func writeWithReturning(st *planner.Insert, w *native.Writer) func(context.Context, arrow.RecordBatch) error {
	return splitReturning(st.Returning, native.ArrowSchema(st.Table), len(st.Table.Columns), w.Write)
}

// createTableAs creates the table and its first snapshot in one catalog transaction.
func (c *Coordinator) createTableAs(ctx context.Context, sess planner.Session, st *planner.CreateTable) (int64, error) {
	if _, err := c.cat.GetTable(ctx, st.Table.Ref); err == nil {
		if st.IfNotExists {
			return 0, nil
		}
		return 0, errs.Errorf(errs.ErrAlreadyExists, "relation %q already exists", st.Table.Ref.Name)
	}
	return c.writeCreate(ctx, st.Table, func(w *native.Writer) (int64, error) { return c.runInto(ctx, sess, st.As, w.Write) })
}
