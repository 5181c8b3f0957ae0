package physical

import "github.com/tern-db/tern/planner/logical"

// PruneColumns (named prune_columns) drops the outputs of projections that nothing above
// reads and renumbers the expressions above. The logical optimizer has pruned the plan
// already; this pass prunes what the physical rules added: the projection with which
// join_build_side restores a swapped join's column order carries every column of the join,
// and narrowing it keeps the join keys nobody reads out of the joins above.
type PruneColumns struct{}

func (PruneColumns) Name() string { return "prune_columns" }

func (PruneColumns) Apply(c *Context, n Node) (Node, bool, error) {
	need := make([]bool, len(n.Schema()))
	for i := range need {
		need[i] = true
	}
	out, _, changed := prunePhys(n, need)
	return out, changed, c.Err()
}

func identityMap(k int) []int {
	m := make([]int, k)
	for i := range m {
		m[i] = i
	}
	return m
}

func toMap(m []int) map[int]int {
	out := map[int]int{}
	for i, v := range m {
		if v >= 0 {
			out[i] = v
		}
	}
	return out
}

func markUsed(need []bool, es ...logical.Expr) {
	for _, e := range es {
		if e == nil {
			continue
		}
		for c := range logical.ColumnsUsed(e, nil) {
			need[c] = true
		}
	}
}

func remapAll(es []logical.Expr, m map[int]int) []logical.Expr {
	out := make([]logical.Expr, len(es))
	for i, e := range es {
		out[i] = logical.RemapColumns(e, m)
	}
	return out
}

func remapKeys(keys []logical.SortKey, m map[int]int) []logical.SortKey {
	out := make([]logical.SortKey, len(keys))
	for i, k := range keys {
		k.Expr = logical.RemapColumns(k.Expr, m)
		out[i] = k
	}
	return out
}

// prunePhys returns n restricted to (at least) the needed outputs and the mapping from old
// output index to new (-1: removed). Nodes it does not know keep their outputs and inputs.
func prunePhys(n Node, need []bool) (Node, []int, bool) {
	switch x := n.(type) {
	case *Filter:
		cn := append([]bool{}, need...)
		markUsed(cn, x.Cond)
		in, m, ch := prunePhys(x.Input, cn)
		if !ch {
			return x, m, false
		}
		return &Filter{Input: in, Cond: logical.RemapColumns(x.Cond, toMap(m))}, m, true
	case *Sort, *TopN:
		var keys []logical.SortKey
		var input Node
		switch y := x.(type) {
		case *Sort:
			keys, input = y.Keys, y.Input
		case *TopN:
			keys, input = y.Keys, y.Input
		}
		cn := append([]bool{}, need...)
		for _, k := range keys {
			markUsed(cn, k.Expr)
		}
		in, m, ch := prunePhys(input, cn)
		if !ch {
			return x, m, false
		}
		switch y := x.(type) {
		case *Sort:
			return &Sort{Input: in, Keys: remapKeys(y.Keys, toMap(m))}, m, true
		case *TopN:
			return &TopN{Input: in, Keys: remapKeys(y.Keys, toMap(m)), Offset: y.Offset, Count: y.Count}, m, true
		}
	case *Limit:
		in, m, ch := prunePhys(x.Input, need)
		if !ch {
			return x, m, false
		}
		l := *x
		l.Input = in
		return &l, m, true
	case *Project:
		var keep []int
		for i, b := range need {
			if b {
				keep = append(keep, i)
			}
		}
		if len(keep) == 0 && len(need) > 0 {
			keep = []int{0} // keep one column so rows still have a width
		}
		cn := make([]bool, len(x.Input.Schema()))
		for _, k := range keep {
			markUsed(cn, x.Exprs[k])
		}
		in, m, ch := prunePhys(x.Input, cn)
		if !ch && len(keep) == len(x.Exprs) {
			return x, identityMap(len(x.Exprs)), false
		}
		p := &Project{Input: in}
		om := make([]int, len(x.Exprs))
		for i := range om {
			om[i] = -1
		}
		for j, k := range keep {
			p.Exprs = append(p.Exprs, logical.RemapColumns(x.Exprs[k], toMap(m)))
			p.Names = append(p.Names, x.Names[k])
			if x.Quals != nil {
				p.Quals = append(p.Quals, x.Quals[k])
			}
			om[k] = j
		}
		return p, om, true
	case *HashAggregate:
		cn := make([]bool, len(x.Input.Schema()))
		markUsed(cn, x.Groups...)
		for _, a := range x.Aggs {
			markUsed(cn, a)
		}
		in, m, ch := prunePhys(x.Input, cn)
		if !ch {
			return x, identityMap(len(x.Schema())), false
		}
		mm := toMap(m)
		a := *x
		a.Input = in
		a.Groups = remapAll(x.Groups, mm)
		a.Aggs = make([]*logical.AggCall, len(x.Aggs))
		for i, ag := range x.Aggs {
			a.Aggs[i] = logical.RemapColumns(ag, mm).(*logical.AggCall)
		}
		return &a, identityMap(len(x.Schema())), true
	case *HashJoin:
		nl, nr := len(x.Left.Schema()), len(x.Right.Schema())
		ln, rn := make([]bool, nl), make([]bool, nr)
		passThrough(x.Type, need, ln, rn)
		markUsed(ln, x.LeftKeys...)
		markUsed(rn, x.RightKeys...)
		markSplit(ln, rn, x.Residual)
		l, lm, lch := prunePhys(x.Left, ln)
		r, rm, rch := prunePhys(x.Right, rn)
		if !lch && !rch {
			return x, identityMap(len(x.Schema())), false
		}
		m := joinMap(x.Type, lm, rm, len(l.Schema()))
		j := *x
		j.Left, j.Right = l, r
		j.LeftKeys, j.RightKeys = remapAll(x.LeftKeys, toMap(lm)), remapAll(x.RightKeys, toMap(rm))
		if x.Residual != nil {
			j.Residual = logical.RemapColumns(x.Residual, toMap(concatMap(lm, rm, len(l.Schema()))))
		}
		return &j, m, true
	case *NestedLoopJoin:
		nl, nr := len(x.Left.Schema()), len(x.Right.Schema())
		ln, rn := make([]bool, nl), make([]bool, nr)
		passThrough(x.Type, need, ln, rn)
		markSplit(ln, rn, x.Cond)
		l, lm, lch := prunePhys(x.Left, ln)
		r, rm, rch := prunePhys(x.Right, rn)
		if !lch && !rch {
			return x, identityMap(len(x.Schema())), false
		}
		j := *x
		j.Left, j.Right = l, r
		if x.Cond != nil {
			j.Cond = logical.RemapColumns(x.Cond, toMap(concatMap(lm, rm, len(l.Schema()))))
		}
		return &j, joinMap(x.Type, lm, rm, len(l.Schema())), true
	case *Window:
		nIn := len(x.Input.Schema())
		cn := append([]bool{}, need[:nIn]...)
		markUsed(cn, x.Partition...)
		for _, k := range x.Order {
			markUsed(cn, k.Expr)
		}
		for _, f := range x.Funcs {
			markUsed(cn, f.Args...)
		}
		in, m, ch := prunePhys(x.Input, cn)
		if !ch {
			return x, identityMap(len(x.Schema())), false
		}
		tm := toMap(m)
		w := *x
		w.Input = in
		w.Partition = remapAll(x.Partition, tm)
		w.Order = remapKeys(x.Order, tm)
		w.Funcs = make([]*logical.WindowFunc, len(x.Funcs))
		for i, f := range x.Funcs {
			nf := *f
			nf.Args = remapAll(f.Args, tm)
			w.Funcs[i] = &nf
		}
		newIn := len(in.Schema())
		for i := range x.Funcs {
			m = append(m, newIn+i)
		}
		return &w, m, true
	}
	return n, identityMap(len(n.Schema())), false
}

// passThrough marks the join inputs' columns that the needed outputs are.
func passThrough(t logical.JoinType, need, ln, rn []bool) {
	nl, nr := len(ln), len(rn)
	leftOnly := t == logical.JoinSemi || t == logical.JoinAnti || t == logical.JoinMark
	for i, b := range need {
		switch {
		case !b:
		case i < nl:
			ln[i] = true
		case !leftOnly && i < nl+nr:
			rn[i-nl] = true
		}
	}
}

// markSplit marks the columns e reads over the left then right columns.
func markSplit(ln, rn []bool, e logical.Expr) {
	if e == nil {
		return
	}
	for c := range logical.ColumnsUsed(e, nil) {
		if c < len(ln) {
			ln[c] = true
		} else {
			rn[c-len(ln)] = true
		}
	}
}

// concatMap maps the old left-then-right columns to the new ones.
func concatMap(lm, rm []int, newL int) []int {
	m := append([]int{}, lm...)
	for _, v := range rm {
		if v >= 0 {
			v += newL
		}
		m = append(m, v)
	}
	return m
}

// joinMap maps a join's old outputs to its new ones.
func joinMap(t logical.JoinType, lm, rm []int, newL int) []int {
	switch t {
	case logical.JoinSemi, logical.JoinAnti:
		return lm
	case logical.JoinMark:
		return append(append([]int{}, lm...), newL)
	}
	return concatMap(lm, rm, newL)
}
