package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Comparisons of arrays (PostgreSQL's array_eq/array_cmp: NULL elements equal each other and
// sort after the others, then the shorter array first), x op ANY/ALL (array) and the
// containment operators @>, <@, &&.

func arrayCompareKernel(name string) (kernel, error) {
	test := map[string]func(c int) bool{
		"equal":                func(c int) bool { return c == 0 },
		"not_equal":            func(c int) bool { return c != 0 },
		"lt":                   func(c int) bool { return c < 0 },
		"lte":                  func(c int) bool { return c <= 0 },
		"gt":                   func(c int) bool { return c > 0 },
		"gte":                  func(c int) bool { return c >= 0 },
		"is_distinct_from":     func(c int) bool { return c != 0 },
		"is_not_distinct_from": func(c int) bool { return c == 0 },
	}[name]
	if test == nil {
		return nil, notSupportedf("array comparison %s", name)
	}
	distinct := name == "is_distinct_from" || name == "is_not_distinct_from"
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		ga, gb := elemGetter(ops[0].arr), elemGetter(ops[1].arr)
		sa, sb := ops[0].stride(), ops[1].stride()
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		for i := 0; i < n; i++ {
			x, y := ga(i*sa), gb(i*sb)
			if x == nil || y == nil {
				if distinct {
					// IS [NOT] DISTINCT FROM: NULL vs NULL are the same
					same := x == nil && y == nil
					b.Append(same == (name == "is_not_distinct_from"))
				} else {
					b.AppendNull()
				}
				continue
			}
			b.Append(test(cmpElem(x, y)))
		}
		return b.NewArray(), nil
	}, nil
}

// ArrayAnyAll builds x op ANY(array) (all false) or x op ALL(array) with PostgreSQL's NULL
// rules: ANY is true when some comparison is true, else NULL when some was NULL (a NULL
// element or x), else false; ALL is false when some comparison is false, else NULL when
// some was NULL, else true. An empty array gives false (ANY) or true (ALL); a NULL array
// NULL. op is one of equal, not_equal, lt, lte, gt, gte.
func ArrayAnyAll(name, op string, all bool) Builder {
	return func(args []Expr, _ arrow.DataType) (Expr, error) {
		if err := arity(name, args, 2); err != nil {
			return nil, err
		}
		test := map[string]func(c int) bool{
			"equal":     func(c int) bool { return c == 0 },
			"not_equal": func(c int) bool { return c != 0 },
			"lt":        func(c int) bool { return c < 0 },
			"lte":       func(c int) bool { return c <= 0 },
			"gt":        func(c int) bool { return c > 0 },
			"gte":       func(c int) bool { return c >= 0 },
		}[op]
		if test == nil || (args[1].Type().ID() != arrow.LIST && args[1].Type().ID() != arrow.NULL) {
			return nil, notSupportedf("%s over %s", name, args[1].Type())
		}
		k := func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
			gx := elemGetter(ops[0].arr)
			sx := ops[0].stride()
			l := newListOp(ops[1])
			ge := elemGetter(l.child)
			b := array.NewBooleanBuilder(mem)
			defer b.Release()
			for i := 0; i < n; i++ {
				ok, s, e := l.row(i)
				if !ok {
					b.AppendNull()
					continue
				}
				x := gx(i * sx)
				sawNull, decided := false, false
				for j := s; j < e; j++ {
					y := ge(j)
					if x == nil || y == nil {
						sawNull = true
						continue
					}
					r := test(cmpElem(x, y))
					if r != all { // ANY found a true, ALL found a false
						decided = true
						break
					}
				}
				switch {
				case decided:
					b.Append(!all)
				case sawNull:
					b.AppendNull()
				default:
					b.Append(all)
				}
			}
			return b.NewArray(), nil
		}
		return newCall(name, args, arrow.FixedWidthTypes.Boolean, k, nil)
	}
}

// arrayContains is a @> b (contains), a <@ b (swapped) or a && b (overlap): elements
// compared with equality, NULL elements never match.
func arrayContainsKernel(overlap, swap bool) kernel {
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		x, y := newListOp(ops[0]), newListOp(ops[1])
		if swap {
			x, y = y, x
		}
		gx, gy := elemGetter(x.child), elemGetter(y.child)
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		for i := 0; i < n; i++ {
			ax, okx := x.rowElems(i, gx)
			ay, oky := y.rowElems(i, gy)
			if !okx || !oky {
				b.AppendNull()
				continue
			}
			if overlap {
				found := false
				for _, v := range ax {
					if v != nil && containsElem(ay, v) {
						found = true
						break
					}
				}
				b.Append(found)
				continue
			}
			all := true
			for _, v := range ay {
				if v == nil || !containsElem(ax, v) {
					all = false
					break
				}
			}
			b.Append(all)
		}
		return b.NewArray(), nil
	}
}

func containsElem(xs []any, v any) bool {
	for _, x := range xs {
		if x != nil && elemsEqual(x, v) {
			return true
		}
	}
	return false
}
