package optimizer

import (
	"github.com/tern-db/tern/planner/logical"
)

// PruneColumns removes columns nobody reads: scans read only the columns needed above them,
// projections and aggregates drop unused outputs, and every expression above is renumbered.
// The root keeps all of its outputs.
type PruneColumns struct{}

func (PruneColumns) Name() string { return "prune_columns" }

func (PruneColumns) Apply(_ *Context, n logical.Node) (logical.Node, bool, error) {
	need := make([]bool, len(n.Schema()))
	for i := range need {
		need[i] = true
	}
	out, _, changed := prune(n, need)
	return out, changed, nil
}

// prune returns n restricted to (at least) the needed outputs and the mapping from old output
// index to new (-1: removed).
func prune(n logical.Node, need []bool) (logical.Node, []int, bool) {
	identity := func(k int) []int {
		m := make([]int, k)
		for i := range m {
			m[i] = i
		}
		return m
	}
	keepIdx := func(need []bool) []int {
		var keep []int
		for i, b := range need {
			if b {
				keep = append(keep, i)
			}
		}
		if len(keep) == 0 && len(need) > 0 {
			keep = []int{0} // keep one column so rows still have a width
		}
		return keep
	}
	mapOf := func(width int, keep []int) []int {
		m := make([]int, width)
		for i := range m {
			m[i] = -1
		}
		for j, k := range keep {
			m[k] = j
		}
		return m
	}
	toMap := func(m []int) map[int]int {
		out := map[int]int{}
		for i, v := range m {
			if v >= 0 {
				out[i] = v
			}
		}
		return out
	}
	switch x := n.(type) {
	case *logical.Scan:
		keep := keepIdx(need)
		if len(keep) == len(x.Columns) {
			return x, identity(len(x.Columns)), false
		}
		s := *x
		s.Columns = make([]int, len(keep))
		for j, k := range keep {
			s.Columns[j] = x.Columns[k]
		}
		return &s, mapOf(len(x.Columns), keep), true
	case *logical.Values:
		keep := keepIdx(need)
		if len(keep) == len(x.Fields) {
			return x, identity(len(x.Fields)), false
		}
		v := &logical.Values{Fields: make(logical.Schema, len(keep))}
		for j, k := range keep {
			v.Fields[j] = x.Fields[k]
		}
		for _, r := range x.Rows {
			nr := make([]logical.Expr, len(keep))
			for j, k := range keep {
				nr[j] = r[k]
			}
			v.Rows = append(v.Rows, nr)
		}
		return v, mapOf(len(x.Fields), keep), true
	case *logical.Filter:
		cn := append([]bool{}, need...)
		for c := range logical.ColumnsUsed(x.Cond, nil) {
			cn[c] = true
		}
		in, m, ch := prune(x.Input, cn)
		if !ch {
			return x, m, false
		}
		return &logical.Filter{Input: in, Cond: logical.RemapColumns(x.Cond, toMap(m))}, m, true
	case *logical.Sort:
		cn := append([]bool{}, need...)
		for _, k := range x.Keys {
			for c := range logical.ColumnsUsed(k.Expr, nil) {
				cn[c] = true
			}
		}
		in, m, ch := prune(x.Input, cn)
		if !ch {
			return x, m, false
		}
		s := &logical.Sort{Input: in, Keys: make([]logical.SortKey, len(x.Keys))}
		for i, k := range x.Keys {
			k.Expr = logical.RemapColumns(k.Expr, toMap(m))
			s.Keys[i] = k
		}
		return s, m, true
	case *logical.Limit:
		in, m, ch := prune(x.Input, need)
		if !ch {
			return x, m, false
		}
		l := *x
		l.Input = in
		return &l, m, true
	case *logical.Project:
		keep := keepIdx(need)
		cn := make([]bool, len(x.Input.Schema()))
		for _, k := range keep {
			for c := range logical.ColumnsUsed(x.Exprs[k], nil) {
				cn[c] = true
			}
		}
		in, m, ch := prune(x.Input, cn)
		if !ch && len(keep) == len(x.Exprs) {
			return x, identity(len(x.Exprs)), false
		}
		p := &logical.Project{Input: in}
		for _, k := range keep {
			p.Exprs = append(p.Exprs, logical.RemapColumns(x.Exprs[k], toMap(m)))
			p.Names = append(p.Names, x.Names[k])
			if x.Quals != nil {
				p.Quals = append(p.Quals, x.Quals[k])
			}
		}
		return p, mapOf(len(x.Exprs), keep), true
	case *logical.Aggregate:
		if len(x.GroupingSets) > 1 {
			cn := make([]bool, len(x.Input.Schema()))
			logical.MapExprs(x, func(e logical.Expr) logical.Expr {
				for c := range logical.ColumnsUsed(e, nil) {
					cn[c] = true
				}
				return e
			})
			in, m, ch := prune(x.Input, cn)
			if !ch {
				return x, identity(len(x.Schema())), false
			}
			a := logical.MapExprs(x, func(e logical.Expr) logical.Expr { return logical.RemapColumns(e, toMap(m)) }).(*logical.Aggregate)
			a.Input = in
			return a, identity(len(x.Schema())), true
		}
		ng := len(x.Groups)
		var keepAggs []int
		for i := range x.Aggs {
			if need[ng+i] {
				keepAggs = append(keepAggs, i)
			}
		}
		if ng == 0 && len(keepAggs) == 0 && len(x.Aggs) > 0 {
			keepAggs = []int{0}
		}
		cn := make([]bool, len(x.Input.Schema()))
		for _, g := range x.Groups {
			for c := range logical.ColumnsUsed(g, nil) {
				cn[c] = true
			}
		}
		for _, i := range keepAggs {
			for c := range logical.ColumnsUsed(x.Aggs[i], nil) {
				cn[c] = true
			}
		}
		in, m, ch := prune(x.Input, cn)
		if !ch && len(keepAggs) == len(x.Aggs) {
			return x, identity(ng + len(x.Aggs)), false
		}
		mm := toMap(m)
		a := &logical.Aggregate{Input: in, Quals: x.Quals}
		om := make([]int, ng+len(x.Aggs))
		for i, g := range x.Groups {
			a.Groups = append(a.Groups, logical.RemapColumns(g, mm))
			a.Names = append(a.Names, x.Names[i])
			om[i] = i
		}
		for i := range x.Aggs {
			om[ng+i] = -1
		}
		for j, i := range keepAggs {
			a.Aggs = append(a.Aggs, logical.RemapColumns(x.Aggs[i], mm).(*logical.AggCall))
			a.Names = append(a.Names, x.Names[ng+i])
			om[ng+i] = ng + j
		}
		return a, om, true
	case *logical.Window:
		// every function is kept; the input keeps the needed pass-through columns and
		// those the partitioning, ordering and arguments read
		nIn := len(x.Input.Schema())
		cn := append([]bool{}, need[:nIn]...)
		logical.MapExprs(x, func(e logical.Expr) logical.Expr {
			for c := range logical.ColumnsUsed(e, nil) {
				cn[c] = true
			}
			return e
		})
		in, m, ch := prune(x.Input, cn)
		if !ch {
			return x, identity(len(x.Schema())), false
		}
		tm := toMap(m)
		w := logical.MapExprs(x, func(e logical.Expr) logical.Expr { return logical.RemapColumns(e, tm) }).(*logical.Window)
		w.Input = in
		newIn := len(in.Schema())
		for i := range x.Funcs {
			m = append(m, newIn+i)
		}
		return w, m, true
	case *logical.Join:
		nl := len(x.Left.Schema())
		nr := len(x.Right.Schema())
		ln := make([]bool, nl)
		rn := make([]bool, nr)
		mark := func(c int) {
			if c < nl {
				ln[c] = true
			} else {
				rn[c-nl] = true
			}
		}
		leftOnly := x.Type == logical.JoinSemi || x.Type == logical.JoinAnti || x.Type == logical.JoinMark
		for i, b := range need {
			if b && i < nl+nr && (!leftOnly || i < nl) {
				mark(i)
			}
		}
		if x.Cond != nil {
			for c := range logical.ColumnsUsed(x.Cond, nil) {
				mark(c)
			}
		}
		l, lm, lch := prune(x.Left, ln)
		r, rm, rch := prune(x.Right, rn)
		if !lch && !rch {
			return x, identity(len(x.Schema())), false
		}
		newL := len(l.Schema())
		m := make([]int, 0, nl+nr)
		m = append(m, lm...)
		for _, v := range rm {
			if v >= 0 {
				v += newL
			}
			m = append(m, v)
		}
		j := &logical.Join{Left: l, Right: r, Type: x.Type}
		if x.Cond != nil {
			j.Cond = logical.RemapColumns(x.Cond, toMap(m))
		}
		if x.Type == logical.JoinSemi || x.Type == logical.JoinAnti {
			m = lm
		}
		if x.Type == logical.JoinMark {
			m = append(append([]int{}, lm...), newL)
		}
		return j, m, true
	}
	// other nodes (RecursiveUnion, ProjectSet, SetOp...) keep their outputs, but their
	// inputs' own subtrees are still pruned below them
	if kids := n.Children(); len(kids) > 0 {
		nk := make([]logical.Node, len(kids))
		changed := false
		for i, k := range kids {
			all := make([]bool, len(k.Schema()))
			for j := range all {
				all[j] = true
			}
			var ch bool
			nk[i], _, ch = prune(k, all)
			changed = changed || ch
		}
		if changed {
			return n.WithChildren(nk), identity(len(n.Schema())), true
		}
	}
	return n, identity(len(n.Schema())), false
}
