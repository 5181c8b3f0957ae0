package physical

import "github.com/tern-db/tern/planner/logical"

// Props of each node, derived from its children's. Operators that need all their input in
// one stream (joins, sorts, limits, set operations, windows, ungrouped aggregates) only ever
// see single-partition inputs: the exchanges rule gathers before them.

var anySite = Site{Kind: SiteAny}

func (n *Scan) Props() Props   { return Props{Partitioning: SinglePartition, Site: anySite} }
func (n *Values) Props() Props { return Props{Partitioning: SinglePartition, Site: anySite} }
func (n *Filter) Props() Props { return n.Input.Props() }

func (n *Project) Props() Props {
	in := n.Input.Props()
	m := map[int]int{}
	for i, e := range n.Exprs {
		if c, ok := e.(*logical.Column); ok {
			if _, seen := m[c.Index]; !seen {
				m[c.Index] = i
			}
		}
	}
	out := Props{Partitioning: remapPartitioning(in.Partitioning, m), Ordering: remapOrdering(in.Ordering, m), Site: in.Site}
	return out
}

// remapPartitioning renames hash keys through m; a partitioning whose key is not kept
// becomes arbitrary (round-robin).
func remapPartitioning(p Partitioning, m map[int]int) Partitioning {
	if p.Kind != Hash && p.Kind != Range {
		return p
	}
	keys := make([]int, len(p.Keys))
	for i, k := range p.Keys {
		to, ok := m[k]
		if !ok {
			return Partitioning{Kind: RoundRobin, Count: p.Count}
		}
		keys[i] = to
	}
	return Partitioning{Kind: p.Kind, Keys: keys, Count: p.Count}
}

// combined is the partitioning of a node over several inputs: single when its first
// input is, else arbitrary over as many partitions.
func combined(first Node) Props {
	p := first.Props()
	if p.Partitioning.Count <= 1 {
		return Props{Partitioning: SinglePartition, Site: p.Site}
	}
	return Props{Partitioning: Partitioning{Kind: RoundRobin, Count: p.Partitioning.Count}, Site: p.Site}
}

func (n *Join) Props() Props           { return combined(n.Left) }
func (n *NestedLoopJoin) Props() Props { return combined(n.Left) }
func (n *SetOp) Props() Props          { return combined(n.Left) }

func (n *HashJoin) Props() Props {
	l := n.Left.Props()
	switch n.Type {
	case logical.JoinRight, logical.JoinFull: // left columns are null-extended
	default:
		if l.Partitioning.Kind == Hash {
			return Props{Partitioning: l.Partitioning, Site: l.Site}
		}
	}
	return combined(n.Left)
}

func (n *Aggregate) Props() Props     { return aggProps(n.Input, n.Groups, n.GroupingSets) }
func (n *HashAggregate) Props() Props { return aggProps(n.Input, n.Groups, n.GroupingSets) }

// aggProps: an aggregate over hash-partitioned input whose keys it groups by keeps that
// partitioning (each group lies in one partition), on its group columns.
func aggProps(in Node, groups []logical.Expr, sets [][]int) Props {
	p := in.Props()
	if p.Partitioning.Count <= 1 {
		return Props{Partitioning: SinglePartition, Site: p.Site}
	}
	if p.Partitioning.Kind == Hash && len(sets) <= 1 {
		m := map[int]int{}
		for i, g := range groups {
			if c, ok := g.(*logical.Column); ok {
				if _, seen := m[c.Index]; !seen {
					m[c.Index] = i
				}
			}
		}
		return Props{Partitioning: remapPartitioning(p.Partitioning, m), Site: p.Site}
	}
	return Props{Partitioning: Partitioning{Kind: RoundRobin, Count: p.Partitioning.Count}, Site: p.Site}
}

func (n *Sort) Props() Props {
	p := n.Input.Props()
	return Props{Partitioning: p.Partitioning, Ordering: columnOrdering(n.Keys), Site: p.Site}
}

func (n *TopN) Props() Props {
	p := n.Input.Props()
	return Props{Partitioning: p.Partitioning, Ordering: columnOrdering(n.Keys), Site: p.Site}
}

func (n *Limit) Props() Props { return n.Input.Props() }

func (n *Window) Props() Props {
	p := n.Input.Props()
	return Props{Partitioning: p.Partitioning, Site: p.Site}
}

// Output is the partitioning of the exchange's consumer side.
func (n *Exchange) Output() Props {
	switch n.Kind {
	case Gather:
		return Props{Partitioning: SinglePartition, Site: anySite}
	case Merge:
		return Props{Partitioning: SinglePartition, Ordering: n.SortKeys, Site: anySite}
	case HashRows:
		return Props{Partitioning: Partitioning{Kind: Hash, Keys: n.Keys, Count: n.Partitions}, Site: anySite}
	case BroadcastRows:
		return Props{Partitioning: Partitioning{Kind: Broadcast, Count: n.Partitions}, Site: anySite}
	}
	return Props{Partitioning: Partitioning{Kind: RoundRobin, Count: n.Partitions}, Site: anySite}
}

func (n *Exchange) Props() Props     { return n.Output() }
func (n *ExchangeSink) Props() Props { return n.Exchange.Output() }
func (n *RemoteSource) Props() Props { return n.Exchange.Output() }
