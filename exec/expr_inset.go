package exec

import (
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// inSet answers `value IN (constants)` through a hash table of the constants, so a row costs
// one probe whatever the length of the list (a linear scan per row made a 10,000-item list
// 10,000 comparisons per row). Keys hash and compare as hash join and GROUP BY do, which is
// SQL equality with PostgreSQL's rules: NaN equals NaN, -0 equals 0, intervals compare by
// their span ('1 mon' = '30 days'). NULL options are not in the table; they only make a
// missed row NULL instead of FALSE.
type inSet struct {
	mu      sync.Mutex // the table's probe scratch is not safe for concurrent batches
	table   *groupTable
	hasNull bool
	sel     []int32
	gids    []int32
}

// minInSet is the list length from which a hash set beats comparing against each option.
const minInSet = 8

// newInSet builds the set when every option is a literal of exactly value's type and the
// type can be a hash key; otherwise it returns nil and the list is scanned.
func newInSet(vt arrow.DataType, options []Expr) *inSet {
	if len(options) < minInSet || !keyKindOK(vt) {
		return nil
	}
	vals := make([]arrow.Array, 0, len(options))
	s := &inSet{}
	for _, o := range options {
		l, ok := o.(*Literal)
		if !ok || !arrow.TypeEqual(l.Type(), vt) {
			return nil
		}
		if l.IsNull() {
			s.hasNull = true
			continue
		}
		vals = append(vals, l.Value())
	}
	// the set lives as long as the compiled plan and is garbage collected with it
	mem := memory.NewGoAllocator()
	t, err := newGroupTable(mem, []arrow.DataType{vt})
	if err != nil {
		return nil
	}
	s.table = t
	if len(vals) == 0 {
		return s
	}
	all, err := array.Concatenate(vals, mem)
	if err != nil {
		return nil
	}
	defer all.Release()
	n := all.Len()
	sel := make([]int32, n)
	for i := range sel {
		sel[i] = int32(i)
	}
	gids := make([]int32, n)
	t.hashBatch([]arrow.Array{all}, n)
	t.find(sel, gids, true)
	return s
}

// eval returns value IN set for the n rows of v: TRUE when found, else NULL when value is
// NULL or the list holds a NULL, else FALSE.
func (s *inSet) eval(v operand, n int, mem memory.Allocator) (arrow.Array, error) {
	values := newBitmap(mem, n)
	validity := newBitmap(mem, n)
	vb, lb := values.Bytes(), validity.Bytes()
	m := n
	if v.scalar {
		m = 1
	}
	s.mu.Lock()
	if cap(s.sel) < m {
		s.sel = make([]int32, 0, m)
		s.gids = make([]int32, m)
	}
	sel, gids := s.sel[:0], s.gids[:m]
	for i := 0; i < m; i++ {
		if v.arr.IsValid(i) {
			sel = append(sel, int32(i))
		}
	}
	if len(sel) > 0 && s.table.n > 0 {
		s.table.hashBatch([]arrow.Array{v.arr}, m)
		s.table.find(sel, gids, false)
	} else {
		for _, r := range sel {
			gids[r] = -1
		}
	}
	for _, r := range sel {
		i := int(r)
		switch {
		case gids[i] >= 0:
			bitutil.SetBit(vb, i)
			bitutil.SetBit(lb, i)
		case !s.hasNull:
			bitutil.SetBit(lb, i)
		}
	}
	s.sel = sel
	s.mu.Unlock()
	if v.scalar && n > 1 {
		// one answer for every row
		val, ok := bitutil.BitIsSet(vb, 0), bitutil.BitIsSet(lb, 0)
		fill(vb, 0)
		fill(lb, 0)
		if val {
			fill(vb, 0xff)
		}
		if ok {
			fill(lb, 0xff)
		}
	}
	return finishBool(n, validity, values), nil
}
