package native

import (
	"time"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/prune"
)

// Table layout options live in connectors/prune (the planner reads them too); these are the
// names native's callers use.
const (
	OptPartitionBy = prune.OptPartitionBy
	OptClusterBy   = prune.OptClusterBy
	OptRetention   = prune.OptRetention
	OptTargetFile  = prune.OptTargetFile
)

// ParseLayout validates and parses a table's storage options (prune.ParseLayout).
func ParseLayout(t catalog.Table) (prune.Layout, error) { return prune.ParseLayout(t) }

// ParseDuration parses a retention setting (prune.ParseDuration).
func ParseDuration(s string) (time.Duration, error) { return prune.ParseDuration(s) }
