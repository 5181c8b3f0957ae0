package gateway

import (
	"context"
	"os"
	"time"

	"github.com/tern-db/tern/connectors/native"
)

// storage.go: the background maintenance of native storage (snapshot expiry, file cleaning,
// orphan sweeping, compaction; see connectors/native/maintain.go) runs for the lifetime of
// Serve. TERN_MAINTENANCE_EVERY (a Go duration) changes how often it runs (default a
// minute), and TERN_ORPHAN_GRACE / TERN_FILE_GRACE the grace periods (tests use them).

// startMaintenance starts the maintenance goroutine; the returned function stops it and
// waits for it to finish (before the catalog is closed).
func (s *Server) startMaintenance(ctx context.Context) func() {
	m := native.Maintenance{Logger: s.log}
	env := func(name string) time.Duration {
		d, _ := time.ParseDuration(os.Getenv(name))
		return d
	}
	m.Every, m.OrphanGrace, m.FileGrace = env("TERN_MAINTENANCE_EVERY"), env("TERN_ORPHAN_GRACE"), env("TERN_FILE_GRACE")
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.keepRunning(ctx, "maintenance", func() { s.store.Run(ctx, m) })
	}()
	return func() {
		cancel()
		<-done
	}
}

// keepRunning runs a background task until ctx ends: a panic in it is logged with its stack
// (guard.go) and the task restarted after a pause, so that no background bug kills the
// process or silently stops maintenance.
func (s *Server) keepRunning(ctx context.Context, name string, run func()) {
	for ctx.Err() == nil {
		s.guarded(ctx, name, run)
		select {
		case <-ctx.Done():
		case <-time.After(time.Minute):
		}
	}
}

// guarded runs one round of background work, logging a panic instead of dying of it.
func (s *Server) guarded(ctx context.Context, name string, run func()) {
	defer func() {
		if p := recover(); p != nil {
			recoveredPanic(ctx, s.log, name, p)
		}
	}()
	run()
}
