package coordinator

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto/errs"
)

// alterTable verifies the existing rows where the change needs it (SET NOT NULL, ADD CHECK),
// then swaps the catalog entry in one transaction.
func (c *Coordinator) alterTable(ctx context.Context, sess planner.Session, sc catalog.SchemaChanger, st *planner.AlterTable) error {
	if st.Apply == nil { // ALTER TABLE IF EXISTS of a missing table
		return nil
	}
	for _, v := range st.Verify {
		n, err := c.countQuery(ctx, sess, v.SQL)
		if err != nil {
			return err
		}
		if n != 0 {
			return errs.Errorf(errs.ErrInvalidArgument, "%s", v.Message)
		}
	}
	_, err := sc.UpdateTable(ctx, st.Ref, st.Apply)
	return err
}

// countQuery plans and runs a query answering one bigint.
func (c *Coordinator) countQuery(ctx context.Context, sess planner.Session, sql string) (int64, error) {
	sess.DryRun = false
	stmt, err := c.planner.Plan(ctx, sess, sql, nil)
	if err != nil {
		return 0, err
	}
	q, ok := stmt.(*planner.Query)
	if !ok {
		return 0, errs.Errorf(errs.ErrInternal, "verification %q planned to %T", sql, stmt)
	}
	var n int64
	_, err = c.runInto(ctx, sess, q, func(_ context.Context, b arrow.RecordBatch) error {
		if b.NumRows() > 0 && b.NumCols() == 1 {
			if c, ok := b.Column(0).(*array.Int64); ok && c.IsValid(0) {
				n = c.Value(0)
			}
		}
		return nil
	})
	return n, err
}
