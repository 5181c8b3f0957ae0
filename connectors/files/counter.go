package files

import (
	"context"
	"sync/atomic"
)

// Bytes-scanned accounting across a whole query: the caller that runs a plan puts a counter
// in the context (WithBytesCounter) and every file scan opened under it adds the bytes it
// reads (after pruning) as it reads them, whatever operator tree sits above. The figure is
// also in each scan's exec.OperatorStats.BytesScanned.

type counterKey struct{}

// WithBytesCounter returns ctx carrying c; scans add their bytes to it.
func WithBytesCounter(ctx context.Context, c *atomic.Int64) context.Context {
	return context.WithValue(ctx, counterKey{}, c)
}

// BytesCounter returns the counter of ctx, or nil.
func BytesCounter(ctx context.Context) *atomic.Int64 {
	c, _ := ctx.Value(counterKey{}).(*atomic.Int64)
	return c
}

// addScanned records n bytes read in the scan's stats and the query's counter.
func (s *scan) addScanned(ctx context.Context, n int64) {
	s.stats.BytesScanned += n
	if c := BytesCounter(ctx); c != nil {
		c.Add(n)
	}
}
