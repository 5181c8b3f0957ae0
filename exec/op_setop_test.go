package exec_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
)

// refSetOp computes a set operation over rendered rows (NULLs equal).
func refSetOp(kind exec.SetOpKind, ins []arrow.RecordBatch) []string {
	counts := make([]map[string]int, len(ins))
	var order []string
	seen := map[string]bool{}
	var all []string
	for i, rec := range ins {
		counts[i] = map[string]int{}
		for r := 0; r < int(rec.NumRows()); r++ {
			row := rowOf(rec.Columns(), r)
			counts[i][row]++
			all = append(all, row)
			if !seen[row] {
				seen[row] = true
				order = append(order, row)
			}
		}
	}
	var out []string
	for _, row := range order {
		m := 0
		switch kind {
		case exec.UnionDistinct:
			m = 1
		case exec.IntersectDistinct, exec.IntersectAll:
			m = counts[0][row]
			for _, c := range counts[1:] {
				m = min(m, c[row])
			}
			if kind == exec.IntersectDistinct {
				m = min(m, 1)
			}
		case exec.ExceptDistinct:
			m = min(counts[0][row], 1)
			for _, c := range counts[1:] {
				if c[row] > 0 {
					m = 0
				}
			}
		case exec.ExceptAll:
			m = counts[0][row]
			for _, c := range counts[1:] {
				m -= c[row]
			}
		}
		for ; m > 0; m-- {
			out = append(out, row)
		}
	}
	if kind == exec.UnionAll {
		return all
	}
	return out
}

func TestSetOps(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	kinds := []exec.SetOpKind{exec.UnionAll, exec.UnionDistinct, exec.IntersectDistinct, exec.IntersectAll, exec.ExceptDistinct, exec.ExceptAll}
	for _, kind := range kinds {
		for _, size := range exectest.BatchSizes {
			for _, shape := range [][]int{{100, 80}, {0, 50}, {50, 0}, {60, 40, 30}} {
				t.Run(fmt.Sprintf("%s/%d/%v", kind, size, shape), func(t *testing.T) {
					mem := exectest.Alloc(t)
					rng := rand.New(rand.NewPCG(uint64(size), uint64(kind)))
					var recs []arrow.RecordBatch
					var ops []exec.Operator
					for _, n := range shape {
						rec := randRecord(mem, s, n, []int{5, 4}, 0.2, rng)
						defer rec.Release()
						recs = append(recs, rec)
						ops = append(ops, exectest.SourceOf(rec, size))
					}
					op, err := exec.NewSetOp(exec.Env{Alloc: mem, BatchSize: size}, ops, kind)
					if err != nil {
						t.Fatal(err)
					}
					diffRows(t, sorted(drainRows(t, op)), sorted(refSetOp(kind, recs)))
				})
			}
		}
	}
}

func BenchmarkUnionDistinct1M(b *testing.B) {
	mem := memory.NewGoAllocator()
	s := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rec := randRecord(mem, s, 1<<20, []int{1 << 16}, 0, rand.New(rand.NewPCG(1, 2)))
	defer rec.Release()
	parts := exectest.Slice(rec, exec.DefaultBatchSize)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op, _ := exec.NewSetOp(exec.Env{Alloc: mem}, []exec.Operator{exec.NewSource(s, slices.Clone(parts)...), exec.NewSource(s, slices.Clone(parts)...)}, exec.UnionDistinct)
		out, err := exec.Drain(b.Context(), op)
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range out {
			o.Release()
		}
	}
	b.ReportMetric(2*float64(rec.NumRows())*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
}
