package gateway

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/native"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// execUpdate runs a statement that changes things and returns the affected row count.
// Inside a transaction (tx non-nil) inserts are staged in it; DDL runs at once.
func (s *Server) execUpdate(ctx context.Context, sess planner.Session, stmt planner.Statement, tx *txnState) (int64, error) {
	if skip, err := dryRunGate(sess, stmt); skip || err != nil { // dryrun.go: default-deny
		return 0, err
	}
	switch st := stmt.(type) {
	case *planner.RoleChange:
		return s.execRole(ctx, sess, st) // users.go
	case *planner.CreateTable:
		if st.OrReplace {
			return s.replaceView(ctx, st) // ddl_exec.go
		}
		if _, err := native.ParseLayout(st.Table); err != nil { // storage options (partition_by, cluster_by, ...)
			return 0, err
		}
		if isTempSchema(st.Table.Ref.Schema) { // CREATE TEMP TABLE: store the session first (session.go)
			if _, err := s.ensureTempSchema(ctx); err != nil {
				return 0, err
			}
		}
		if st.As == nil {
			_, err := s.cat.CreateTable(ctx, st.Table, nil)
			if st.IfNotExists && errors.Is(err, errs.ErrAlreadyExists) {
				return 0, nil
			}
			return 0, err
		}
		return s.createTableAs(ctx, sess, st)
	case *planner.DropTable:
		// DROP TABLE a, b: every name is checked before anything is dropped, as PostgreSQL does.
		refs := append([]catalog.TableRef{st.Ref}, st.Also...)
		var present []catalog.TableRef
		for _, r := range refs {
			if _, err := s.cat.GetTable(ctx, r); err != nil {
				if st.IfExists && errors.Is(err, errs.ErrNotFound) {
					continue
				}
				if errors.Is(err, errs.ErrNotFound) {
					return 0, errs.Errorf(errs.ErrNotFound, "table %q does not exist", r.Name)
				}
				return 0, err
			}
			present = append(present, r)
		}
		for _, r := range present {
			if err := s.cat.DropTable(ctx, r); err != nil && !(st.IfExists && errors.Is(err, errs.ErrNotFound)) {
				return 0, err
			}
		}
		return 0, nil
	case *planner.Insert:
		if tx != nil {
			return s.txnStage(ctx, tx, st.Table, false, func(w *native.Writer) (int64, error) {
				ctx, sink, end := s.insertSink(ctx, st, w.Schema(), writeWithReturning(st, w)) // copy_fit.go
				n, err := s.runInto(ctx, sess, st.Source, sink)
				end(err)
				return n, err
			})
		}
		return s.insert(ctx, sess, st)
	case *planner.CopyTo:
		return s.copyTo(ctx, sess, st) // copy_to.go
	case *planner.Set:
		return 0, s.setting(ctx, st)
	case planner.DDL: // schemas, TRUNCATE, COMMENT, indexes, ALTER TABLE (ddl_exec.go)
		return s.execDDL(ctx, sess, st, tx)
	case *planner.Rewrite: // DELETE, UPDATE, MERGE (dml.go)
		return s.rewrite(ctx, sess, st, tx)
	case *planner.Maintain: // VACUUM, ANALYZE (maint.go)
		return s.maintain(ctx, st)
	case *planner.Query:
		// Run as an update (DoPut): execute it, as PostgreSQL would, and report its rows.
		return s.runInto(ctx, sess, st, func(context.Context, arrow.RecordBatch) error { return nil })
	case *planner.Explain:
		return 0, nil
	}
	return 0, errs.Errorf(errs.ErrNotSupported, "statement %T", stmt)
}

// insert runs the source plan into new data files and commits them as one snapshot. Appends
// commute, so a commit that lost a race with another append is retried on the new snapshot.
func (s *Server) insert(ctx context.Context, sess planner.Session, st *planner.Insert) (int64, error) {
	w := s.store.NewWriter(st.Table)
	ctx, sink, end := s.insertSink(ctx, st, w.Schema(), writeWithReturning(st, w)) // copy_fit.go: COPY fits values, progress
	n, err := s.runInto(ctx, sess, st.Source, sink)
	end(err)
	if err != nil {
		w.Abort()
		return 0, err
	}
	if n == 0 {
		w.Abort()
		return 0, nil
	}
	for attempt := 0; ; attempt++ {
		t, err := s.cat.GetTable(ctx, st.Table.Ref)
		if err != nil {
			w.Abort()
			return 0, err
		}
		if t.ID != st.Table.ID {
			w.Abort()
			return 0, errs.Errorf(errs.ErrConflict, "table %s was dropped and re-created during the insert", st.Table.Ref)
		}
		_, err = w.Commit(ctx, t.CurrentSnapshot, st.Operation)
		if err == nil {
			return n, nil
		}
		if !errors.Is(err, errs.ErrConflict) || attempt >= 20 {
			w.Abort()
			return 0, err
		}
	}
}

// insertSink writes an INSERT's rows; with RETURNING, the returned columns go to the
// context's collector (returning.go).
// writeWithReturning hands the table's columns to w and, for INSERT ... RETURNING, the
// returned columns to the statement's collector (returning.go).
func writeWithReturning(st *planner.Insert, w *native.Writer) func(context.Context, arrow.RecordBatch) error {
	return splitReturning(st.Returning, native.ArrowSchema(st.Table), len(st.Table.Columns), w.Write)
}

// createTableAs creates the table and its first snapshot in one catalog transaction.
func (s *Server) createTableAs(ctx context.Context, sess planner.Session, st *planner.CreateTable) (int64, error) {
	if _, err := s.cat.GetTable(ctx, st.Table.Ref); err == nil {
		if st.IfNotExists {
			return 0, nil
		}
		return 0, errs.Errorf(errs.ErrAlreadyExists, "relation %q already exists", st.Table.Ref.Name)
	}
	w := s.store.NewWriter(st.Table)
	n, err := s.runInto(ctx, sess, st.As, w.Write)
	if err != nil {
		w.Abort()
		return 0, err
	}
	if _, err := w.CommitCreate(ctx); err != nil {
		return 0, err
	}
	return n, nil
}

// runInto runs a planned query on the executor and hands every batch to sink.
func (s *Server) runInto(ctx context.Context, sess planner.Session, q *planner.Query, sink func(context.Context, arrow.RecordBatch) error) (int64, error) {
	op, err := s.exec.Run(ctx, &proto.Fragment{QueryID: newQueryID(), Tenant: sess.Tenant, Plan: q.Plan})
	if err != nil {
		return 0, err
	}
	n, err := drain(ctx, op, func(b arrow.RecordBatch) error { return sink(ctx, b) })
	if err != nil {
		return n, fmt.Errorf("writing rows: %w", err)
	}
	return n, nil
}
