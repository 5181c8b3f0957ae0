package coordinator

import (
	"context"
	"errors"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/native"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto/errs"
)

// Result is what a statement that changes things answers.
type Result struct {
	Rows int64 // affected (or, for a query run as an update, produced) rows
	// Returning and Returned (ExecuteReturning only): the schema of the RETURNING clause and
	// the returned rows, an Arrow IPC stream.
	Returning *arrow.Schema
	Returned  []byte
}

// ExecuteUpdate runs a planned statement that changes things (DDL, writes, SET, maintenance;
// a query is run and its rows counted, as PostgreSQL does) and returns the affected row
// count. Inside a transaction (sess.Txn) writes are staged in it; DDL is refused there.
func (c *Coordinator) ExecuteUpdate(ctx context.Context, sess Session, stmt planner.Statement) (Result, error) {
	n, err := c.execUpdate(ctx, sess.Session, stmt, sess.Txn)
	return Result{Rows: n}, err
}

// ExecuteReturning runs a write with RETURNING (a planner.Returner with a schema) as
// ExecuteUpdate does and collects its returned rows (bounded: maxReturningBytes).
func (c *Coordinator) ExecuteReturning(ctx context.Context, sess Session, stmt planner.Statement) (Result, error) {
	r, ok := stmt.(planner.Returner)
	if !ok || r.ReturningSchema() == nil {
		return Result{}, errs.Errorf(errs.ErrInternal, "statement %T returns no rows", stmt)
	}
	ret := newReturned(r.ReturningSchema())
	n, err := c.execUpdate(withReturned(ctx, ret), sess.Session, stmt, sess.Txn)
	if err != nil {
		return Result{Rows: n}, err
	}
	rows, err := ret.finish()
	if err != nil {
		return Result{Rows: n}, err
	}
	return Result{Rows: n, Returning: ret.schema, Returned: rows}, nil
}

// execUpdate is the one place statements that change things are dispatched.
func (c *Coordinator) execUpdate(ctx context.Context, sess planner.Session, stmt planner.Statement, tx *Txn) (int64, error) {
	if skip, err := dryRunGate(sess, stmt); skip || err != nil { // dryrun.go: default-deny
		return 0, err
	}
	switch st := stmt.(type) {
	case *planner.RoleChange:
		return c.execRole(ctx, sess, st) // users.go
	case *planner.CreateTable:
		if st.OrReplace {
			return c.replaceView(ctx, st) // ddl_exec.go
		}
		if _, err := native.ParseLayout(st.Table); err != nil { // storage options (partition_by, cluster_by, ...)
			return 0, err
		}
		if isTempSchema(st.Table.Ref.Schema) { // CREATE TEMP TABLE: the session's schema first
			if c.sessions == nil {
				return 0, errs.Errorf(errs.ErrNotSupported, "temporary tables without a session")
			}
			if err := c.sessions.EnsureTempSchema(ctx); err != nil {
				return 0, err
			}
		}
		if st.As == nil {
			_, err := c.cat.CreateTable(ctx, st.Table, nil)
			if st.IfNotExists && errors.Is(err, errs.ErrAlreadyExists) {
				return 0, nil
			}
			return 0, err
		}
		return c.createTableAs(ctx, sess, st)
	case *planner.DropTable:
		// DROP TABLE a, b: every name is checked before anything is dropped, as PostgreSQL does.
		refs := append([]catalog.TableRef{st.Ref}, st.Also...)
		var present []catalog.TableRef
		for _, r := range refs {
			if _, err := c.cat.GetTable(ctx, r); err != nil {
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
			if err := c.cat.DropTable(ctx, r); err != nil && !(st.IfExists && errors.Is(err, errs.ErrNotFound)) {
				return 0, err
			}
		}
		return 0, nil
	case *planner.Insert:
		if tx != nil {
			return c.txnStage(ctx, tx, st.Table, false, func(w *native.Writer) (int64, error) {
				ctx, sink, end := c.insertSink(ctx, st, w.Schema(), writeWithReturning(st, w)) // copy_fit.go
				n, err := c.runInto(ctx, sess, st.Source, sink)
				end(err)
				return n, err
			})
		}
		return c.insert(ctx, sess, st) // write.go
	case *planner.CopyTo:
		return c.copyTo(ctx, sess, st) // copy_to.go
	case *planner.Set:
		if c.sessions == nil {
			return 0, errs.Errorf(errs.ErrNotSupported, "SET without a session")
		}
		return 0, c.sessions.StoreSetting(ctx, st)
	case planner.ForeignDDL: // servers, user mappings, foreign tables (foreign.go)
		return c.execForeign(ctx, sess, st, tx)
	case planner.DDL: // schemas, TRUNCATE, COMMENT, indexes, ALTER TABLE (ddl_exec.go)
		return c.execDDL(ctx, sess, st, tx)
	case *planner.Rewrite: // DELETE, UPDATE, MERGE (dml.go)
		return c.rewrite(ctx, sess, st, tx)
	case *planner.Maintain: // VACUUM, ANALYZE (maint.go)
		return c.maintain(ctx, st)
	case *planner.Query:
		// Run as an update (DoPut): execute it, as PostgreSQL would, and report its rows.
		return c.runInto(ctx, sess, st, func(context.Context, arrow.RecordBatch) error { return nil })
	case *planner.Explain:
		return 0, nil
	}
	return 0, errs.Errorf(errs.ErrNotSupported, "statement %T", stmt)
}

// tempSchemaPrefix starts the name of every session's temporary schema (pg_temp_<session id>).
const tempSchemaPrefix = "pg_temp_"

func isTempSchema(name string) bool { return strings.HasPrefix(name, tempSchemaPrefix) }
