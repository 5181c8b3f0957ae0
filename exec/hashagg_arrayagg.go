package exec

import (
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/proto/errs"
)

// arrayAgg is array_agg(x): each group's values, NULLs included, in the order the rows
// arrive (the planner sorts the input for array_agg(x ORDER BY y)). Batches are kept
// (retained) and each group holds references to its rows; build gathers the elements.
type arrayAgg struct {
	out      arrow.DataType
	distinct bool // array_agg(DISTINCT x): sorted, as PostgreSQL's sort-based DISTINCT
	srcs     []arrow.Array
	groups   [][][2]int32 // per group: (source, row)
}

func newArrayAgg(in, out arrow.DataType, distinct bool) (aggFunc, error) {
	lt, ok := out.(*arrow.ListType)
	if !ok || !arrow.TypeEqual(lt.Elem(), in) {
		return nil, errs.Errorf(errs.ErrNotSupported, "array_agg of %s as %s", in, out)
	}
	return &arrayAgg{out: out, distinct: distinct}, nil
}

func (a *arrayAgg) resize(n int) {
	for len(a.groups) < n {
		a.groups = append(a.groups, nil)
	}
}

func (a *arrayAgg) release() {
	releaseArrays(a.srcs)
	a.srcs, a.groups = nil, nil
}

func (a *arrayAgg) update(arr arrow.Array, gids []int32) error {
	src := int32(-1)
	for i, g := range gids {
		if g < 0 {
			continue
		}
		if src < 0 {
			arr.Retain()
			a.srcs = append(a.srcs, arr)
			src = int32(len(a.srcs) - 1)
		}
		a.groups[g] = append(a.groups[g], [2]int32{src, int32(i)})
	}
	return nil
}

func (a *arrayAgg) build(mem memory.Allocator, from, to int) (arrow.Array, error) {
	o := newListOut(to - from)
	var pool arrow.Array
	var base []int32
	if len(a.srcs) > 0 {
		var err error
		if pool, base, err = concatPool(mem, a.srcs); err != nil {
			return nil, err
		}
		defer pool.Release()
	}
	var get func(int) any
	if a.distinct && pool != nil {
		get = elemGetter(pool)
	}
	for g := from; g < to; g++ {
		if len(a.groups[g]) == 0 {
			o.null()
			continue
		}
		start := len(o.refs)
		for _, r := range a.groups[g] {
			o.refs = append(o.refs, base[r[0]]+r[1])
		}
		if get != nil {
			refs := o.refs[start:]
			sort.SliceStable(refs, func(x, y int) bool {
				vx, vy := get(int(refs[x])), get(int(refs[y]))
				switch {
				case vx == nil:
					return false
				case vy == nil:
					return true
				}
				return cmpElem(vx, vy) < 0
			})
		}
		o.end()
	}
	return o.finish(mem, a.out, pool)
}

// listMinMax is min/max of arrays (PostgreSQL's array ordering): each group keeps a
// reference to its best row so far.
type listMinMax struct {
	dt   arrow.DataType
	max  bool
	srcs []arrow.Array
	gets []func(int) any
	best [][2]int32 // per group: source, row; source -1: none yet
}

func newListMinMax(in arrow.DataType, isMax bool) (aggFunc, error) {
	return &listMinMax{dt: in, max: isMax}, nil
}

func (a *listMinMax) resize(n int) {
	for len(a.best) < n {
		a.best = append(a.best, [2]int32{-1, 0})
	}
}

func (a *listMinMax) release() {
	releaseArrays(a.srcs)
	a.srcs, a.gets, a.best = nil, nil, nil
}

func (a *listMinMax) update(arr arrow.Array, gids []int32) error {
	get := elemGetter(arr)
	src := int32(-1)
	for i, g := range gids {
		if g < 0 || arr.IsNull(i) {
			continue
		}
		b := a.best[g]
		if b[0] >= 0 {
			c := cmpElem(get(i), a.gets[b[0]](int(b[1])))
			if (a.max && c <= 0) || (!a.max && c >= 0) {
				continue
			}
		}
		if src < 0 {
			arr.Retain()
			a.srcs = append(a.srcs, arr)
			a.gets = append(a.gets, get)
			src = int32(len(a.srcs) - 1)
		}
		a.best[g] = [2]int32{src, int32(i)}
	}
	return nil
}

func (a *listMinMax) build(mem memory.Allocator, from, to int) (arrow.Array, error) {
	if len(a.srcs) == 0 {
		return array.MakeArrayOfNull(mem, a.dt, to-from), nil
	}
	pool, base, err := concatPool(mem, a.srcs)
	if err != nil {
		return nil, err
	}
	defer pool.Release()
	idx := make([]int32, 0, to-from)
	for _, b := range a.best[from:to] {
		if b[0] < 0 {
			idx = append(idx, -1)
			continue
		}
		idx = append(idx, base[b[0]]+b[1])
	}
	return gatherArray(mem, pool, idx)
}
