package physical

import "github.com/tern-db/tern/planner/logical"

// Exchanges cuts the plan at exchanges when Options.Partitions > 1 (the single-process
// default inserts none): the input of every grouped aggregate whose groups are columns is
// repartitioned by a hash of them (each partition then holds whole groups), every operator
// that needs its input in one stream (joins, set operations, sorts, top-N, limits, windows,
// other aggregates) gathers a partitioned input first, and with Options.CutScans every scan
// ends a fragment of its own. The plan's root stays partitioned: its partitions are the
// query's result partitions (a FlightInfo endpoint each).
type Exchanges struct{}

func (Exchanges) Name() string { return "exchanges" }

func (Exchanges) Apply(c *Context, n Node) (Node, bool, error) {
	parts := c.Options.Partitions
	if parts <= 1 {
		return n, false, nil
	}
	return transformUp(c, n, func(x Node) (Node, bool, error) {
		switch y := x.(type) {
		case *Scan:
			if c.Options.CutScans {
				return &Exchange{Input: y, Kind: Gather, Partitions: 1}, true, nil
			}
			return x, false, nil
		case *Filter, *Project, *Exchange:
			return x, false, nil
		case *RecursiveUnion: // node_recursive.go
			if r := withoutExchanges(y.Recursive); r != y.Recursive {
				z := *y
				z.Recursive = r
				x = &z
				kids := x.Children()
				if kids[0].Props().Partitioning.Count > 1 {
					return x.WithChildren([]Node{&Exchange{Input: kids[0], Kind: Gather, Partitions: 1}, kids[1]}), true, nil
				}
				return x, true, nil
			}
		case *HashAggregate:
			if keys, ok := groupColumns(y.Groups, y.GroupingSets); ok {
				in := y.Input
				if e, ok := in.(*Exchange); ok { // re-purpose the exchange just below
					in = e.Input
				}
				if p := in.Props().Partitioning; p.Kind == Hash && p.Count == parts && sameKeys(p.Keys, keys) {
					return x, false, nil
				}
				z := *y
				z.Input = &Exchange{Input: in, Kind: HashRows, Keys: keys, Partitions: parts}
				return &z, true, nil
			}
		}
		kids := x.Children()
		var nk []Node
		for i, k := range kids {
			if k.Props().Partitioning.Count <= 1 {
				continue
			}
			if nk == nil {
				nk = append([]Node(nil), kids...)
			}
			nk[i] = &Exchange{Input: k, Kind: Gather, Partitions: 1}
		}
		if nk == nil {
			return x, false, nil
		}
		return x.WithChildren(nk), true, nil
	})
}

// groupColumns returns the input columns of an aggregate's groups when it has some, all
// plain column references, and no grouping sets.
func groupColumns(groups []logical.Expr, sets [][]int) ([]int, bool) {
	if len(groups) == 0 || len(sets) > 1 {
		return nil, false
	}
	keys := make([]int, len(groups))
	for i, g := range groups {
		c, ok := g.(*logical.Column)
		if !ok {
			return nil, false
		}
		keys[i] = c.Index
	}
	return keys, true
}

func sameKeys(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
