package exec_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
	"github.com/tern-db/tern/proto/errs"
)

// Joins with a condition: keys (plain or null-safe equality) AND a residual filter, for every
// join type, checked against a nested-loop reference with three-valued logic.

var allJoinTypes = []exec.JoinType{exec.JoinInner, exec.JoinLeft, exec.JoinRight, exec.JoinFull,
	exec.JoinSemi, exec.JoinAnti, exec.JoinSingle, exec.JoinMark}

// tri is a three-valued boolean: 0 false, 1 true, 2 NULL.
type tri uint8

func triAnd(a, b tri) tri {
	switch {
	case a == 0 || b == 0:
		return 0
	case a == 2 || b == 2:
		return 2
	}
	return 1
}

// refCondJoin joins l (k i32, v i64) and r (k i32, v i64) on l.k = r.k (nullEq: IS NOT
// DISTINCT FROM; noKey: no key condition) AND l.v < r.v (withFilter).
func refCondJoin(l, r arrow.RecordBatch, typ exec.JoinType, nullEq, noKey, withFilter bool) ([]string, error) {
	lk, lv := l.Column(0).(*array.Int32), l.Column(1).(*array.Int64)
	rk, rv := r.Column(0).(*array.Int32), r.Column(1).(*array.Int64)
	cond := func(i, j int) tri {
		c := tri(1)
		if !noKey {
			switch {
			case lk.IsNull(i) || rk.IsNull(j):
				if nullEq {
					if !(lk.IsNull(i) && rk.IsNull(j)) {
						c = 0
					}
				} else {
					c = 2
				}
			case lk.Value(i) != rk.Value(j):
				c = 0
			}
		}
		if withFilter {
			f := tri(0)
			switch {
			case lv.IsNull(i) || rv.IsNull(j):
				f = 2
			case lv.Value(i) < rv.Value(j):
				f = 1
			}
			c = triAnd(c, f)
		}
		return c
	}
	nulls := func(n int) string { return strings.TrimSuffix(strings.Repeat("NULL|", n), "|") }
	var out []string
	rm := make([]bool, r.NumRows())
	for i := 0; i < int(l.NumRows()); i++ {
		matches, sawNull := 0, false
		for j := 0; j < int(r.NumRows()); j++ {
			switch cond(i, j) {
			case 1:
				matches++
				rm[j] = true
				switch typ {
				case exec.JoinInner, exec.JoinLeft, exec.JoinRight, exec.JoinFull:
					out = append(out, rowOf(l.Columns(), i)+"|"+rowOf(r.Columns(), j))
				case exec.JoinSingle:
					if matches > 1 {
						return nil, errs.ErrInvalidArgument
					}
					out = append(out, rowOf(l.Columns(), i)+"|"+rowOf(r.Columns(), j))
				}
			case 2:
				sawNull = true
			}
		}
		switch typ {
		case exec.JoinLeft, exec.JoinFull, exec.JoinSingle:
			if matches == 0 {
				out = append(out, rowOf(l.Columns(), i)+"|"+nulls(int(r.NumCols())))
			}
		case exec.JoinSemi:
			if matches > 0 {
				out = append(out, rowOf(l.Columns(), i))
			}
		case exec.JoinAnti:
			if matches == 0 {
				out = append(out, rowOf(l.Columns(), i))
			}
		case exec.JoinMark:
			m := "false"
			if matches > 0 {
				m = "true"
			} else if sawNull {
				m = "NULL"
			}
			out = append(out, rowOf(l.Columns(), i)+"|"+m)
		}
	}
	if typ == exec.JoinRight || typ == exec.JoinFull {
		for j := 0; j < int(r.NumRows()); j++ {
			if !rm[j] {
				out = append(out, nulls(int(l.NumCols()))+"|"+rowOf(r.Columns(), j))
			}
		}
	}
	return out, nil
}

func TestJoinWithCondition(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	ps := arrow.NewSchema(append(append([]arrow.Field(nil), s.Fields()...), s.Fields()...), nil)
	e := eb{schema: ps}
	filter := e.call("lt", nil, e.col(1), e.col(3))
	keyEq := e.call("equal", nil, e.col(0), e.col(2))
	type mode struct {
		name                      string
		nullEq, noKey, withFilter bool
		loop                      bool
	}
	modes := []mode{
		{name: "hash", withFilter: false},
		{name: "hash+filter", withFilter: true},
		{name: "hash-nulleq", nullEq: true},
		{name: "hash-nulleq+filter", nullEq: true, withFilter: true},
		{name: "loop-key", loop: true},
		{name: "loop-key+filter", loop: true, withFilter: true},
		{name: "loop-filter", loop: true, noKey: true, withFilter: true},
		{name: "loop-cross", loop: true, noKey: true},
	}
	for _, m := range modes {
		for _, typ := range allJoinTypes {
			for _, size := range exectest.BatchSizes {
				for _, shape := range []struct{ nl, nr, card int }{{60, 40, 8}, {0, 20, 8}, {30, 0, 8}, {50, 30, 1000}} {
					if typ == exec.JoinMark && m.loop && m.noKey && !m.withFilter {
						continue // a mark join needs a condition
					}
					name := fmt.Sprintf("%s/%s/%d/%dx%dc%d", m.name, typ, size, shape.nl, shape.nr, shape.card)
					t.Run(name, func(t *testing.T) {
						mem := exectest.Alloc(t)
						rng := rand.New(rand.NewPCG(uint64(size), uint64(typ)*31+uint64(shape.card)))
						l := randRecord(mem, s, shape.nl, []int{shape.card, 20}, 0.15, rng)
						defer l.Release()
						r := randRecord(mem, s, shape.nr, []int{shape.card, 20}, 0.15, rng)
						defer r.Release()
						want, wantErr := refCondJoin(l, r, typ, m.nullEq, m.noKey, m.withFilter)
						env := exec.Env{Alloc: mem, BatchSize: size}
						var op exec.Operator
						var err error
						if m.loop {
							var cond exec.Expr
							switch {
							case !m.noKey && m.withFilter:
								cond = e.call("and", nil, keyEq, filter)
							case !m.noKey:
								cond = keyEq
							case m.withFilter:
								cond = filter
							}
							op, err = exec.NewNestedLoopJoin(env, exectest.SourceOf(l, size), exectest.SourceOf(r, size), typ, cond)
						} else {
							spec := exec.JoinSpec{Type: typ, LeftKeys: []int{0}, RightKeys: []int{0}}
							if m.nullEq {
								spec.NullEqual = []bool{true}
							}
							if m.withFilter {
								spec.Filter = filter
							}
							op, err = exec.NewJoin(env, exectest.SourceOf(l, size), exectest.SourceOf(r, size), spec)
						}
						if err != nil {
							t.Fatal(err)
						}
						if wantErr != nil {
							_, err := exec.Drain(t.Context(), op)
							if !errors.Is(err, errs.ErrInvalidArgument) || !strings.Contains(err.Error(), "more than one row returned by a subquery") {
								t.Fatalf("want the single-row error, got %v", err)
							}
							return
						}
						got := drainRows(t, op)
						diffRows(t, sorted(got), sorted(want))
					})
				}
			}
		}
	}
}

// TestMarkJoinInSemantics checks x IN (subquery) three-valued results on a small case.
func TestMarkJoinInSemantics(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int32, Nullable: true}}, nil)
	cases := []struct {
		left, right string
		want        []string
	}{
		{`[{"x":1},{"x":2},{"x":null}]`, `[{"x":1},{"x":3}]`, []string{"1|true", "2|false", "NULL|NULL"}},
		{`[{"x":1},{"x":2},{"x":null}]`, `[{"x":1},{"x":null}]`, []string{"1|true", "2|NULL", "NULL|NULL"}},
		{`[{"x":1},{"x":null}]`, `[]`, []string{"1|false", "NULL|false"}},
	}
	for i, c := range cases {
		for _, size := range exectest.BatchSizes {
			t.Run(fmt.Sprintf("%d/%d", i, size), func(t *testing.T) {
				mem := exectest.Alloc(t)
				l := exectest.Record(t, mem, s, c.left)
				defer l.Release()
				r := exectest.Record(t, mem, s, c.right)
				defer r.Release()
				op, err := exec.NewJoin(exec.Env{Alloc: mem, BatchSize: size}, exectest.SourceOf(l, size), exec.NewSource(s, r),
					exec.JoinSpec{Type: exec.JoinMark, LeftKeys: []int{0}, RightKeys: []int{0}})
				if err != nil {
					t.Fatal(err)
				}
				diffRows(t, drainRows(t, op), c.want)
			})
		}
	}
}

func BenchmarkNestedLoopJoin_1kx1k(b *testing.B) {
	mem := exectest.Alloc(b)
	s := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	ps := arrow.NewSchema(append(append([]arrow.Field(nil), s.Fields()...), s.Fields()...), nil)
	e := eb{schema: ps}
	rng := rand.New(rand.NewPCG(1, 2))
	l := randRecord(mem, s, 1000, []int{100, 1000}, 0, rng)
	defer l.Release()
	r := randRecord(mem, s, 1000, []int{100, 1000}, 0, rng)
	defer r.Release()
	cond := e.call("lt", nil, e.col(1), e.col(3))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op, err := exec.NewNestedLoopJoin(exec.Env{Alloc: mem}, exec.NewSource(s, l), exec.NewSource(s, r), exec.JoinInner, cond)
		if err != nil {
			b.Fatal(err)
		}
		out, err := exec.Drain(b.Context(), op)
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range out {
			o.Release()
		}
	}
	b.ReportMetric(1e6*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpairs/s")
}
