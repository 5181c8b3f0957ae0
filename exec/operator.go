// Package exec is Tern's vectorized engine: operators that pull arrow.RecordBatch from their
// inputs, and the expression kernels they evaluate. It knows nothing of SQL text, Substrait,
// Flight or the catalog; flightnodes builds operator trees from Substrait fragments.
package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
)

// Operator is a pull-based stream of record batches.
//
// Contract:
//   - Schema is known before Open and never changes.
//   - Open is idempotent and opens the operator's inputs.
//   - Next returns the next non-nil batch, or (nil, io.EOF) at the end. The caller owns the
//     returned batch and must Release it. Batches may have zero rows only if nothing else can
//     be returned; operators should skip empty batches.
//   - Next honours ctx: a cancelled context ends the stream with ctx.Err().
//   - Close is idempotent, safe without Open, closes inputs and releases every buffer the
//     operator holds, so that a checked allocator reports zero bytes after it.
//   - Open and Next after Close return ErrClosed (a caller bug, not the end of the stream).
//
// Lifecycle (lifecycle.go) implements these state rules; operators embed it.
type Operator interface {
	Schema() *arrow.Schema
	Open(ctx context.Context) error
	Next(ctx context.Context) (arrow.RecordBatch, error)
	Close() error
}

// Stats is an optional capability: operators that count what they did report it here, for
// EXPLAIN ANALYZE and bytes-scanned accounting.
type Stats interface {
	Stats() OperatorStats
}

// OperatorStats are the figures one operator reports.
type OperatorStats struct {
	Rows         int64
	Batches      int64
	BytesScanned int64 // scans only: bytes read from storage after pruning
}

// DefaultBatchSize is the number of rows operators aim for per output batch.
const DefaultBatchSize = 8192
