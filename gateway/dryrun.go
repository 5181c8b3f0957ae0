package gateway

import (
	"context"
	"strings"

	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto/errs"
)

// dryrun.go: SET tern.dry_run = on | off. While on, queries in the session are planned but not
// run: they answer one row with the bytes their scans would read after pruning (the planner's
// dry run, the same as EXPLAIN (DRY_RUN) ...). The setting lives in the session cookie.

func (s *Server) setDryRun(ctx context.Context, st *planner.Set) error {
	on := false
	if !st.Reset {
		switch strings.ToLower(strings.Trim(strings.TrimSpace(st.Value), `'"`)) {
		case "on", "true", "1", "yes":
			on = true
		case "off", "false", "0", "no":
		default:
			return errs.Errorf(errs.ErrInvalidArgument, "parameter \"tern.dry_run\" requires a Boolean value")
		}
	}
	sess, _, err := s.ensureSession(ctx)
	if err != nil {
		return err
	}
	sess.DryRun = on
	return s.saveSession(ctx, sess)
}
