package optimizer

import (
	"math"
	"math/bits"

	"github.com/tern-db/tern/planner/logical"
)

// JoinReorder chooses the order of a tree of inner joins (three inputs or more) by dynamic
// programming over the sets of inputs, minimizing the sum of estimated intermediate result
// sizes (logical.EstimateRows: catalog row counts, ANALYZE statistics where a table has
// them, else simple selectivities), joining only inputs connected by a condition unless no
// such pair is left (then a cross join). The
// smaller side of each join becomes its right (build) input. A projection restores the
// original column order. Trees of more than maxReorder inputs keep their order.
type JoinReorder struct{}

const maxReorder = 10

func (JoinReorder) Name() string { return "join_reorder" }

func (JoinReorder) Apply(_ *Context, n logical.Node) (logical.Node, bool, error) {
	out, changed := reorder(n)
	return out, changed, nil
}

func isInner(n logical.Node) (*logical.Join, bool) {
	j, ok := n.(*logical.Join)
	return j, ok && j.Type == logical.JoinInner
}

func reorder(n logical.Node) (logical.Node, bool) {
	if _, ok := isInner(n); !ok {
		kids := n.Children()
		changed := false
		nk := make([]logical.Node, len(kids))
		for i, k := range kids {
			var ch bool
			nk[i], ch = reorder(k)
			changed = changed || ch
		}
		if !changed {
			return n, false
		}
		return n.WithChildren(nk), true
	}
	// collect the leaves and the conjuncts (over the concatenation of the leaves)
	var leaves []logical.Node
	var conds []logical.Expr
	var collect func(n logical.Node, offset int)
	collect = func(n logical.Node, offset int) {
		if j, ok := isInner(n); ok {
			nl := len(j.Left.Schema())
			collect(j.Left, offset)
			collect(j.Right, offset+nl)
			for _, c := range logical.Conjuncts(j.Cond) {
				conds = append(conds, logical.ShiftColumns(c, offset))
			}
			return
		}
		leaves = append(leaves, n)
	}
	collect(n, 0)
	changed := false
	for i, l := range leaves {
		var ch bool
		leaves[i], ch = reorder(l)
		changed = changed || ch
	}
	if len(leaves) < 3 || len(leaves) > maxReorder {
		if !changed {
			return n, false
		}
		return rebuildLeftDeep(n, leaves), true
	}
	if changed {
		n = rebuildLeftDeep(n, leaves)
	}
	out, cost := planJoins(leaves, conds)
	// keep the written order unless the new one is estimated cheaper (ties keep it, so the
	// rule is idempotent)
	if cost >= treeCost(n)*(1-1e-9) || sameTree(out, n) {
		return n, changed
	}
	return out, true
}

// treeCost is the sum of the estimated rows of the inner joins of a join tree.
func treeCost(n logical.Node) float64 {
	j, ok := isInner(n)
	if !ok {
		return 0
	}
	cost := treeCost(j.Left) + treeCost(j.Right)
	r := float64(logical.EstimateRows(j))
	if r < 0 {
		return math.Inf(1)
	}
	for _, c := range []logical.Node{j.Left, j.Right} {
		if jj, ok := c.(*logical.Join); ok && jj.Type == logical.JoinInner && jj.Cond == nil {
			cost += 1e15
		}
	}
	if j.Cond == nil {
		cost += 1e15
	}
	return cost + r
}

// rebuildLeftDeep puts new leaves into the original tree shape.
func rebuildLeftDeep(n logical.Node, leaves []logical.Node) logical.Node {
	i := 0
	var rec func(n logical.Node) logical.Node
	rec = func(n logical.Node) logical.Node {
		if j, ok := isInner(n); ok {
			l := rec(j.Left)
			r := rec(j.Right)
			return j.WithChildren([]logical.Node{l, r})
		}
		leaf := leaves[i]
		i++
		return leaf
	}
	return rec(n)
}

func sameTree(a, b logical.Node) bool {
	ea, eb := logical.Explain(a), logical.Explain(b)
	if len(ea) != len(eb) {
		return false
	}
	for i := range ea {
		if ea[i] != eb[i] {
			return false
		}
	}
	return true
}

type dpPlan struct {
	node   logical.Node
	leaves []int // leaf order of the node's output
	rows   float64
	cost   float64
}

func planJoins(leaves []logical.Node, conds []logical.Expr) (logical.Node, float64) {
	n := len(leaves)
	offsets := make([]int, n+1)
	for i, l := range leaves {
		offsets[i+1] = offsets[i] + len(l.Schema())
	}
	leafOf := func(col int) int {
		for i := 0; i < n; i++ {
			if col < offsets[i+1] {
				return i
			}
		}
		return n - 1
	}
	masks := make([]uint, len(conds))
	for i, c := range conds {
		for col := range logical.ColumnsUsed(c, nil) {
			masks[i] |= 1 << leafOf(col)
		}
	}
	full := uint(1)<<n - 1
	best := make([]*dpPlan, full+1)
	for i, l := range leaves {
		r := float64(logical.EstimateRows(l))
		if r < 0 {
			r = 1000
		}
		best[1<<i] = &dpPlan{node: l, leaves: []int{i}, rows: math.Max(r, 1)}
	}
	// build joins a and b (b the right/build input) with the conjuncts that become
	// evaluable exactly at their union.
	build := func(a, b *dpPlan, am, bm uint) *dpPlan {
		global := map[int]int{} // global column -> column of the join output
		pos := 0
		for _, lv := range append(append([]int{}, a.leaves...), b.leaves...) {
			for c := offsets[lv]; c < offsets[lv+1]; c++ {
				global[c] = pos
				pos++
			}
		}
		var js []logical.Expr
		for i, c := range conds {
			m := masks[i]
			if m&(am|bm) == m && m&am != m && m&bm != m {
				js = append(js, logical.RemapColumns(c, global))
			}
		}
		j := &logical.Join{Left: a.node, Right: b.node, Type: logical.JoinInner, Cond: logical.And(js...)}
		rows := a.rows * b.rows
		for _, c := range logical.Conjuncts(j.Cond) {
			rows *= logical.JoinSelectivity(j, c)
		}
		rows = math.Max(rows, 1)
		return &dpPlan{node: j, leaves: append(append([]int{}, a.leaves...), b.leaves...), rows: rows, cost: a.cost + b.cost + rows}
	}
	connected := func(am, bm uint) bool {
		for _, m := range masks {
			if m&am != 0 && m&bm != 0 && m&(am|bm) == m {
				return true
			}
		}
		return false
	}
	for size := 2; size <= n; size++ {
		for s := uint(1); s <= full; s++ {
			if bits.OnesCount(s) != size {
				continue
			}
			var cand *dpPlan
			for pass := 0; pass < 2 && cand == nil; pass++ {
				// pass 0: connected splits only; pass 1: allow cross joins
				for a := (s - 1) & s; a > 0; a = (a - 1) & s {
					b := s &^ a
					pa, pb := best[a], best[b]
					if pa == nil || pb == nil || (pass == 0 && !connected(a, b)) {
						continue
					}
					if pb.rows > pa.rows || (pb.rows == pa.rows && bits.OnesCount(b) > bits.OnesCount(a)) {
						continue // the smaller input is the build (right) side; the swap is tried too
					}
					p := build(pa, pb, a, b)
					if pass == 1 {
						p.cost += 1e15 // cross joins only where the inputs are not connected
					}
					if cand == nil || p.cost < cand.cost {
						cand = p
					}
				}
			}
			best[s] = cand
		}
	}
	top := best[full]
	// restore the original column order
	sch := top.node.Schema()
	global := map[int]int{}
	pos := 0
	for _, lv := range top.leaves {
		for c := offsets[lv]; c < offsets[lv+1]; c++ {
			global[c] = pos
			pos++
		}
	}
	identity := true
	exprs := make([]logical.Expr, offsets[n])
	names := make([]string, offsets[n])
	quals := make([]string, offsets[n])
	for c := 0; c < offsets[n]; c++ {
		p := global[c]
		identity = identity && p == c
		f := sch[p]
		exprs[c] = &logical.Column{Index: p, Name: f.Name, Typ: f.Type, Null: f.Nullable}
		names[c], quals[c] = f.Name, f.Qualifier
	}
	// conjuncts that reference no leaf (constants) stay on top
	var rest []logical.Expr
	for i, c := range conds {
		if masks[i] == 0 {
			rest = append(rest, logical.RemapColumns(c, global))
		}
	}
	var out logical.Node = top.node
	if len(rest) > 0 {
		out = &logical.Filter{Input: out, Cond: logical.And(rest...)}
	}
	if identity {
		return out, top.cost
	}
	return &logical.Project{Input: out, Exprs: exprs, Names: names, Quals: quals}, top.cost
}
