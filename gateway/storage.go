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
		s.store.Run(ctx, m)
	}()
	return func() {
		cancel()
		<-done
	}
}
