package planner

import (
	"errors"
	"fmt"
	"math"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// splits.go: after optimization every scan asks its table for splits (connectors.Table.Splits)
// with its projection, pinned snapshot and the filters the table takes (filters.go;
// SupportsFilters). The native connector prunes files and row groups there; the producer
// puts the splits in the plan (substrait/read.go). EXPLAIN's pruning line and a dry run's
// estimate add up the splits and the tables' extents (countScans).

// ScanEstimate sums what the scans of a statement read after pruning, from catalog
// statistics and file footers alone (no data page is read).
type ScanEstimate struct {
	Bytes          int64 // compressed bytes of the projected column chunks of the kept row groups
	TableBytes     int64 // bytes of every file of the scanned tables
	Files          int64 // files kept
	TotalFiles     int64
	RowGroups      int64 // row groups kept
	TotalRowGroups int64
}

// planSplits plans the splits of every scan of root that has none fixed. Preparing a
// statement plans none (it only describes the result).
func (b *binder) planSplits(root logical.Node) (logical.Node, error) {
	if b.prepare {
		return root, nil
	}
	root, err := b.pushJoins(root) // bind_foreign_pushdown.go
	if err != nil {
		return nil, err
	}
	if root, err = b.pushAggregates(root); err != nil {
		return nil, err
	}
	limits := scanLimits(root)
	ordered := scanOrderedLimits(root) // bind_foreign_pushdown.go
	return logical.TransformUp(root, func(n logical.Node) (logical.Node, error) {
		s, ok := n.(*logical.Scan)
		if !ok || s.Source == nil || s.Source.Planned || s.Source.Table == nil {
			return n, nil
		}
		if err := b.ctx.Err(); err != nil {
			return nil, err
		}
		req := scanRequest(s)
		if l, ok := limits[s]; ok && len(req.Filters) == 0 {
			req.Limit = l
		}
		if ol, ok := ordered[s]; ok && len(req.Filters) == 0 {
			if o, ok := s.Source.Table.(connectors.Orderer); ok && o.SupportsOrder(ol.keys) {
				req.Limit, req.Order = ol.rows, ol.keys
			}
		}
		splits, err := s.Source.Table.Splits(b.ctx, req)
		if err != nil {
			return nil, err
		}
		src := *s.Source
		src.Splits, src.Planned = splits, true
		c := *s
		c.Source = &src
		return &c, nil
	})
}

// scanLimits finds the scans whose rows only feed a LIMIT through projections (no filter,
// sort or join between): such a scan needs at most offset+count rows, and its table may
// plan fewer splits (the native connector stops after files holding that many rows).
func scanLimits(root logical.Node) map[*logical.Scan]int64 {
	out := map[*logical.Scan]int64{}
	var walk func(n logical.Node)
	walk = func(n logical.Node) {
		if l, ok := n.(*logical.Limit); ok {
			if rows, ok := limitRows(l); ok {
				in := l.Input
				for {
					p, ok := in.(*logical.Project)
					if !ok {
						break
					}
					in = p.Input
				}
				if s, ok := in.(*logical.Scan); ok {
					out[s] = rows
				}
			}
		}
		for _, c := range n.Children() {
			walk(c)
		}
	}
	walk(root)
	return out
}

// limitRows is offset+count of a LIMIT with constant bounds.
func limitRows(l *logical.Limit) (int64, bool) {
	count, ok := l.Count.(*logical.Literal)
	if !ok || count.Value == nil {
		return 0, false
	}
	n, ok := count.Value.(int64)
	if !ok || n < 0 {
		return 0, false
	}
	if l.Offset != nil {
		off, ok := l.Offset.(*logical.Literal)
		if !ok || off.Value == nil {
			return 0, false
		}
		o, ok := off.Value.(int64)
		if !ok || o < 0 || n > math.MaxInt64-o {
			return 0, false
		}
		n += o
	}
	return n, true
}

// scanRequest is what a scan asks of its table: its columns, its snapshot and the filters
// the table can use (Unsupported ones are not sent).
func scanRequest(s *logical.Scan) connectors.ScanRequest {
	req := connectors.ScanRequest{Projection: s.Columns, Limit: -1, Snapshot: s.Source.Snapshot}
	fs := connectorFilters(s.Filters, s.Source.Base)
	if len(fs) > 0 {
		for i, sup := range s.Source.Table.SupportsFilters(fs) {
			if sup != connectors.Unsupported {
				req.Filters = append(req.Filters, fs[i])
			}
		}
	}
	return req
}

// countScans adds planned scans of root to the estimate: the splits' bytes, files and row
// groups out of their tables' extents. native picks the native scans (counted for every
// statement: EXPLAIN's pruning line) or the others (files, counted for dry runs only: their
// extent reads footers). A table without an extent (a transaction's staged snapshot without
// statistics) is left out, as it has nothing to compare with.
func (b *binder) countScans(root logical.Node, native bool) error {
	_, err := logical.TransformUp(root, func(n logical.Node) (logical.Node, error) {
		s, ok := n.(*logical.Scan)
		if !ok || s.Source == nil || !s.Source.Planned || (s.Source.Connector == catalog.SourceNative) != native {
			return n, nil
		}
		sz, ok := s.Source.Table.(connectors.Sizer)
		if !ok {
			return n, nil
		}
		ext, err := sz.Size(b.ctx, scanRequest(s))
		if errors.Is(err, errs.ErrNotSupported) {
			return n, nil
		}
		if err != nil {
			return nil, err
		}
		e := &b.estimate
		e.TotalFiles += ext.Files
		e.TotalRowGroups += ext.RowGroups
		e.TableBytes += ext.Bytes
		for _, sp := range s.Source.Splits {
			e.Files += sp.Files
			e.RowGroups += sp.RowGroups
			e.Bytes += sp.Bytes
		}
		return n, nil
	})
	return err
}

// pruneLines describe the pruning of native scans for EXPLAIN.
func (b *binder) pruneLines() []string {
	e := b.estimate
	if e.TotalFiles == 0 {
		return nil
	}
	return []string{fmt.Sprintf("Native scans: %d of %d files, %d of %d row groups, estimated %d of %d bytes",
		e.Files, e.TotalFiles, e.RowGroups, e.TotalRowGroups, e.Bytes, e.TableBytes)}
}
