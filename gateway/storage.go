package gateway

import (
	"context"
	"time"
)

// storage.go: the background maintenance of native storage (coordinator.RunMaintenance) runs
// for the lifetime of Serve, guarded against panics.

// startMaintenance starts the maintenance goroutine; the returned function stops it and
// waits for it to finish (before the catalog is closed).
func (s *Server) startMaintenance(ctx context.Context) func() {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.keepRunning(ctx, "maintenance", func() { s.coord.RunMaintenance(ctx) })
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
