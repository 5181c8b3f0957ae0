package physical

import (
	"fmt"
	"strings"

	"github.com/tern-db/tern/planner/logical"
)

// PartitioningKind says how a node's output rows are spread over its partitions.
type PartitioningKind uint8

const (
	Single     PartitioningKind = iota // one partition
	Hash                               // by the hash of Keys
	RoundRobin                         // dealt in turn (or otherwise arbitrarily)
	Broadcast                          // every partition holds every row
	Range                              // by ranges of Keys (reserved: no rule makes it yet)
)

func (k PartitioningKind) String() string {
	return [...]string{"single", "hash", "round-robin", "broadcast", "range"}[k]
}

// Partitioning is how a node's output is partitioned: Count partitions (1 for Single), and
// for Hash and Range the output columns that decide a row's partition.
type Partitioning struct {
	Kind  PartitioningKind
	Keys  []int
	Count int
}

// SinglePartition is the partitioning of a plan that runs as one stream.
var SinglePartition = Partitioning{Kind: Single, Count: 1}

func (p Partitioning) String() string {
	switch p.Kind {
	case Single:
		return "single"
	case Hash, Range:
		return fmt.Sprintf("%s(%s)x%d", p.Kind, cols(p.Keys), p.Count)
	}
	return fmt.Sprintf("%sx%d", p.Kind, p.Count)
}

func cols(keys []int) string {
	s := make([]string, len(keys))
	for i, k := range keys {
		s[i] = fmt.Sprintf("#%d", k)
	}
	return strings.Join(s, ",")
}

// SiteKind says where a node may run.
type SiteKind uint8

const (
	SiteAny     SiteKind = iota // any executor node
	SiteGateway                 // the gateway's own (in-process) node
	SiteNode                    // the node named by Site.Node (a source only it can reach)
)

// Site is where a node runs.
type Site struct {
	Kind SiteKind
	Node string
}

func (s Site) String() string {
	switch s.Kind {
	case SiteGateway:
		return "gateway"
	case SiteNode:
		return "node:" + s.Node
	}
	return "any"
}

// Props are the physical properties of a node's output.
type Props struct {
	Partitioning Partitioning
	// Ordering is the order every partition's rows come in (nil: none), as sort keys over
	// the node's output columns (column references only).
	Ordering []logical.SortKey
	Site     Site
}

func (p Props) String() string {
	s := p.Partitioning.String()
	if len(p.Ordering) > 0 {
		keys := make([]string, len(p.Ordering))
		for i, k := range p.Ordering {
			keys[i] = sortKeyString(k)
		}
		s += " order=[" + strings.Join(keys, ", ") + "]"
	}
	return s + " site=" + p.Site.String()
}

func sortKeyString(k logical.SortKey) string {
	s := k.Expr.String()
	if k.Desc {
		s += " DESC"
	}
	if k.NullsFirst {
		s += " NULLS FIRST"
	}
	return s
}

// remapOrdering keeps the leading keys of o that are columns m maps (input -> output index).
func remapOrdering(o []logical.SortKey, m map[int]int) []logical.SortKey {
	var out []logical.SortKey
	for _, k := range o {
		c, ok := k.Expr.(*logical.Column)
		if !ok {
			break
		}
		to, ok := m[c.Index]
		if !ok {
			break
		}
		nc := *c
		nc.Index = to
		k.Expr = &nc
		out = append(out, k)
	}
	return out
}

// columnOrdering is keys when they are all column references (the ordering a sort
// delivers), else the leading column keys.
func columnOrdering(keys []logical.SortKey) []logical.SortKey {
	for i, k := range keys {
		if _, ok := k.Expr.(*logical.Column); !ok {
			return keys[:i:i]
		}
	}
	return keys
}

// Ordered reports whether the plan's output comes in an order the query asked for: its
// root is (above filters, projections and limits) a sort, a top-N or a merge.
func Ordered(n Node) bool {
	switch x := n.(type) {
	case *Sort, *TopN:
		return true
	case *Exchange:
		return x.Kind == Merge
	case *Filter:
		return Ordered(x.Input)
	case *Project:
		return Ordered(x.Input)
	case *Limit:
		return Ordered(x.Input)
	}
	return false
}
