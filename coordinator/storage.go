package coordinator

import (
	"context"
	"os"
	"time"

	"github.com/tern-db/tern/connectors/native"
)

// storage.go: the background maintenance of native storage (snapshot expiry, file cleaning,
// orphan sweeping, compaction; see connectors/native/maintain.go). TERN_MAINTENANCE_EVERY (a
// Go duration) changes how often it runs (default a minute), and TERN_ORPHAN_GRACE /
// TERN_FILE_GRACE the grace periods (tests use them).

// RunMaintenance maintains native storage until ctx ends. The caller owns the goroutine (and
// restarts it after a panic: the gateway's keepRunning).
func (c *Coordinator) RunMaintenance(ctx context.Context) {
	m := native.Maintenance{Logger: c.log}
	env := func(name string) time.Duration {
		d, _ := time.ParseDuration(os.Getenv(name))
		return d
	}
	m.Every, m.OrphanGrace, m.FileGrace = env("TERN_MAINTENANCE_EVERY"), env("TERN_ORPHAN_GRACE"), env("TERN_FILE_GRACE")
	c.store.Run(ctx, m)
}
