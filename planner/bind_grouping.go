package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// gidPlaceholder stands for the grouping-set index column until the aggregate is built.
const gidPlaceholder = -1 << 30

// bindGroupBy binds GROUP BY with GROUPING SETS, ROLLUP and CUBE: the distinct group
// expressions and the sets (indexes into them). Plain GROUP BY is one set.
func (b *binder) bindGroupBy(items []*pg.Node, sc *scope, targets []target) ([]logical.Expr, [][]int, error) {
	var groups []logical.Expr
	idx := map[string]int{}
	add := func(e logical.Expr) int {
		k := e.String()
		if i, ok := idx[k]; ok {
			return i
		}
		idx[k] = len(groups)
		groups = append(groups, e)
		return len(groups) - 1
	}
	sets := [][]int{{}}
	for _, it := range items {
		isets, err := b.groupItemSets(it, sc, targets, add)
		if err != nil {
			return nil, nil, err
		}
		// cross product
		var next [][]int
		for _, s := range sets {
			for _, t := range isets {
				next = append(next, append(append([]int{}, s...), t...))
			}
		}
		sets = next
		if len(sets) > 4096 {
			return nil, nil, logical.Errorf(errs.ErrInvalidArgument, "too many grouping sets present (maximum 4096)")
		}
	}
	if len(sets) == 1 {
		return groups, nil, nil
	}
	return groups, sets, nil
}

// groupItemSets returns the grouping sets one GROUP BY item contributes.
func (b *binder) groupItemSets(n *pg.Node, sc *scope, targets []target, add func(logical.Expr) int) ([][]int, error) {
	gs := n.GetGroupingSet()
	if gs == nil {
		var out []int
		if row := n.GetRowExpr(); row != nil {
			for _, a := range row.Args {
				e, err := b.bindGroupItem(a, sc, targets)
				if err != nil {
					return nil, err
				}
				out = append(out, add(e))
			}
			return [][]int{out}, nil
		}
		if err := nonIntegerConst(b, n, "GROUP BY"); err != nil {
			return nil, err
		}
		e, err := b.bindGroupItem(n, sc, targets)
		if err != nil {
			return nil, err
		}
		return [][]int{{add(e)}}, nil
	}
	// elements: each a list of expression indexes
	elems := func() ([][]int, error) {
		var out [][]int
		for _, c := range gs.Content {
			s, err := b.groupItemSets(c, sc, targets, add)
			if err != nil {
				return nil, err
			}
			out = append(out, s[0])
		}
		return out, nil
	}
	switch gs.Kind {
	case pg.GroupingSetKind_GROUPING_SET_EMPTY:
		return [][]int{{}}, nil
	case pg.GroupingSetKind_GROUPING_SET_SIMPLE:
		es, err := elems()
		if err != nil {
			return nil, err
		}
		var flat []int
		for _, e := range es {
			flat = append(flat, e...)
		}
		return [][]int{flat}, nil
	case pg.GroupingSetKind_GROUPING_SET_ROLLUP:
		es, err := elems()
		if err != nil {
			return nil, err
		}
		var out [][]int
		for k := len(es); k >= 0; k-- {
			var s []int
			for _, e := range es[:k] {
				s = append(s, e...)
			}
			out = append(out, s)
		}
		return out, nil
	case pg.GroupingSetKind_GROUPING_SET_CUBE:
		es, err := elems()
		if err != nil {
			return nil, err
		}
		if len(es) > 12 {
			return nil, b.errAt(gs.Location, logical.Errorf(errs.ErrInvalidArgument, "CUBE is limited to 12 elements"))
		}
		var out [][]int
		for mask := (1 << len(es)) - 1; mask >= 0; mask-- {
			var s []int
			for i, e := range es {
				if mask&(1<<(len(es)-1-i)) != 0 {
					s = append(s, e...)
				}
			}
			out = append(out, s)
		}
		return out, nil
	case pg.GroupingSetKind_GROUPING_SET_SETS:
		var out [][]int
		for _, c := range gs.Content {
			s, err := b.groupItemSets(c, sc, targets, add)
			if err != nil {
				return nil, err
			}
			out = append(out, s...)
		}
		return out, nil
	}
	return nil, b.errAt(gs.Location, notSupported("this grouping set is not supported"))
}

// groupingValue computes GROUPING(args) from the grouping-set index column: bit i (from
// the right, last argument lowest) is set when argument i is not grouped in the row's set.
func groupingValue(c *logical.Call, gkeys map[string]int, sets [][]int) (logical.Expr, error) {
	pos := make([]int, len(c.Args))
	for i, a := range c.Args {
		j, ok := gkeys[a.String()]
		if !ok {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "arguments to GROUPING must be grouping expressions of the associated query level")
		}
		pos[i] = j
	}
	if len(c.Args) > 31 {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "GROUPING must have fewer than 32 arguments")
	}
	value := func(set []int) int64 {
		in := map[int]bool{}
		for _, g := range set {
			in[g] = true
		}
		var v int64
		for _, p := range pos {
			v <<= 1
			if !in[p] {
				v |= 1
			}
		}
		return v
	}
	if len(sets) <= 1 {
		return &logical.Literal{Typ: catalog.Int32, Value: int64(0)}, nil
	}
	gid := &logical.Column{Index: gidPlaceholder, Name: "grouping_id", Typ: catalog.Int32}
	out := &logical.Case{Typ: catalog.Int32}
	for i, s := range sets {
		out.Whens = append(out.Whens, logical.When{
			Cond:   &logical.Call{Fn: proto.FnEqual, Args: []logical.Expr{gid, &logical.Literal{Typ: catalog.Int32, Value: int64(i)}}, Typ: catalog.Bool},
			Result: &logical.Literal{Typ: catalog.Int32, Value: value(s)},
		})
	}
	return out, nil
}
