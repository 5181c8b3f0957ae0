package gateway

// dryrun.go: SET tern.dry_run = on | off. While on, queries in the session are planned but not
// run: they answer one row with the bytes their scans would read after pruning (the planner's
// dry run, the same as EXPLAIN (DRY_RUN) ...). The setting is stored with the session (settings.go, session.go).
