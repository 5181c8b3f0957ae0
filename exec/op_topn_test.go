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

// TestTopNEqualsSortLimit: TopN gives exactly the rows of a (stable) sort then a limit.
func TestTopNEqualsSortLimit(t *testing.T) {
	for _, dt := range []arrow.DataType{arrow.PrimitiveTypes.Int32, arrow.BinaryTypes.String, arrow.PrimitiveTypes.Float64, dec102} {
		s := arrow.NewSchema([]arrow.Field{{Name: "k", Type: dt, Nullable: true},
			{Name: "k2", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
			{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
		for _, size := range exectest.BatchSizes {
			for _, lim := range [][2]int64{{0, 10}, {5, 3}, {0, 0}, {0, 20000}, {3000, 100}, {0, 1}} {
				for _, keys := range [][]exec.SortKey{{{Col: 0}}, {{Col: 0, Desc: true, NullsFirst: true}, {Col: 1}}} {
					t.Run(fmt.Sprintf("%s/%d/%v/%v", dt, size, lim, keys), func(t *testing.T) {
						mem := exectest.Alloc(t)
						rng := rand.New(rand.NewPCG(uint64(size), uint64(lim[0]+lim[1])))
						n := 5000
						if size == 1 {
							n = 600
						}
						rec := randRecord(mem, s, n, []int{50, 10, 1 << 30}, 0.1, rng)
						defer rec.Release()
						env := exec.Env{Alloc: mem, BatchSize: size}
						top, err := exec.NewTopN(env, exectest.SourceOf(rec, size), keys, lim[0], lim[1])
						if err != nil {
							t.Fatal(err)
						}
						got := drainRows(t, top)
						srt, err := exec.NewSort(env, exectest.SourceOf(rec, size), keys)
						if err != nil {
							t.Fatal(err)
						}
						lop, err := exec.NewLimit(env, srt, lim[0], lim[1])
						if err != nil {
							t.Fatal(err)
						}
						diffRows(t, got, drainRows(t, lop))
					})
				}
			}
		}
	}
}

func BenchmarkTopN100_1M(b *testing.B) {
	mem := memory.NewGoAllocator()
	s := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}, {Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rec := randRecord(mem, s, 1<<20, []int{1 << 30, 100}, 0, rand.New(rand.NewPCG(1, 2)))
	defer rec.Release()
	parts := exectest.Slice(rec, exec.DefaultBatchSize)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op, _ := exec.NewTopN(exec.Env{Alloc: mem}, exec.NewSource(s, slices.Clone(parts)...), []exec.SortKey{{Col: 0, Desc: true}}, 0, 100)
		out, err := exec.Drain(b.Context(), op)
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range out {
			o.Release()
		}
	}
	b.ReportMetric(float64(rec.NumRows())*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
}
