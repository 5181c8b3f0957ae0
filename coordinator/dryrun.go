package coordinator

import (
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto/errs"
)

// dryrun.go: SET tern.dry_run = on | off. While on, queries in the session are planned but not
// run: they answer one row with the bytes their scans would read after pruning (the planner's
// dry run, the same as EXPLAIN (DRY_RUN) ...). The setting is stored with the session by the
// front end.

// dryRunGate is the executing half of the dry run, at the one place statements that change
// things are executed (ExecuteUpdate). The planner already answered estimates or refused
// (planner/dryrun.go); this second, default-deny check holds even for a statement built by
// another path: under a dry run only what planner.DryRunActionOf lets pass (SET, EXPLAIN
// text) runs, estimates are not executed as updates (0 rows), everything else is refused.
func dryRunGate(sess planner.Session, stmt planner.Statement) (skip bool, err error) {
	if !sess.DryRun {
		return false, nil
	}
	switch planner.DryRunActionOf(stmt) {
	case planner.DryRunPass:
		return false, nil
	case planner.DryRunEstimate:
		return true, nil
	}
	return true, errs.Errorf(errs.ErrFailedPrecondition, "cannot execute %T while tern.dry_run is on", stmt)
}

// RefuseDryRun refuses a write that does not go through the planner (bulk ingest, the commit
// of a transaction with writes).
func RefuseDryRun(sess planner.Session, what string) error {
	if sess.DryRun {
		return errs.Errorf(errs.ErrFailedPrecondition, "cannot execute %s while tern.dry_run is on (a dry run changes nothing)", what)
	}
	return nil
}
