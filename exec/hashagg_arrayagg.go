package exec

import (
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
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
