package coordinator

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/native"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto/errs"
)

// maint.go runs VACUUM and ANALYZE (planner.Maintain).
func (c *Coordinator) maintain(ctx context.Context, m *planner.Maintain) (int64, error) {
	for _, t := range m.Tables {
		if m.Vacuum {
			_, err := c.store.Compact(ctx, t.Ref, native.CompactOptions{MinFiles: 2})
			if err != nil && !errors.Is(err, errs.ErrConflict) {
				return 0, err
			}
			if h, ok := c.cat.(catalog.History); ok {
				if _, err := h.ExpireSnapshots(ctx, t.ID, time.Now().Add(-native.Retention(t))); err != nil {
					return 0, err
				}
			}
		}
		if m.Analyze {
			ss, ok := c.cat.(catalog.StatsStore)
			if !ok {
				return 0, errs.Errorf(errs.ErrNotSupported, "this catalog keeps no statistics")
			}
			cur, err := c.cat.GetTable(ctx, t.Ref)
			if err != nil {
				return 0, err
			}
			st, err := c.store.Analyze(ctx, cur)
			if err != nil {
				return 0, err
			}
			if err := ss.PutTableStats(ctx, t.Ref, st); err != nil {
				return 0, err
			}
		}
	}
	if m.Vacuum {
		grace, _ := time.ParseDuration(os.Getenv("TERN_FILE_GRACE"))
		if grace <= 0 {
			grace = native.DefaultFileGrace
		}
		return 0, c.store.CleanBefore(ctx, time.Now().Add(-grace))
	}
	return 0, nil
}
