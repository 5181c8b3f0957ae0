package exec_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
	"github.com/tern-db/tern/proto/errs"
)

// refSort renders rec's rows in the order a stable sort by keys gives.
func refSort(rec arrow.RecordBatch, keys []exec.SortKey) []string {
	idx := make([]int, rec.NumRows())
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(x, y int) bool {
		a, b := idx[x], idx[y]
		for _, k := range keys {
			col := rec.Column(k.Col)
			na, nb := col.IsNull(a), col.IsNull(b)
			var c int
			switch {
			case na && nb:
				c = 0
			case na:
				c = 1
				if k.NullsFirst {
					c = -1
				}
			case nb:
				c = -1
				if k.NullsFirst {
					c = 1
				}
			default:
				c = cmpCells(col, a, b)
				if k.Desc {
					c = -c
				}
			}
			if c != 0 {
				return c < 0
			}
		}
		return false
	})
	out := make([]string, len(idx))
	for i, r := range idx {
		out[i] = rowOf(rec.Columns(), r)
	}
	return out
}

// withRowID appends a column numbering the rows, to check stability.
func withRowID(mem memory.Allocator, rec arrow.RecordBatch) arrow.RecordBatch {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	for i := 0; i < int(rec.NumRows()); i++ {
		b.Append(int64(i))
	}
	id := b.NewArray()
	defer id.Release()
	fields := append(rec.Schema().Fields(), arrow.Field{Name: "rowid", Type: arrow.PrimitiveTypes.Int64})
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), append(rec.Columns(), id), rec.NumRows())
}

func TestSortRandom(t *testing.T) {
	schema := aggSchema()
	type keyset []exec.SortKey
	var sets []keyset
	for i := range schema.Fields() {
		for _, d := range []struct{ desc, nf bool }{{false, false}, {true, true}, {false, true}, {true, false}} {
			sets = append(sets, keyset{{Col: i, Desc: d.desc, NullsFirst: d.nf}})
		}
	}
	sets = append(sets,
		keyset{{Col: 0}, {Col: 7, Desc: true}},
		keyset{{Col: 7, NullsFirst: true}, {Col: 6}, {Col: 3, Desc: true}},
		keyset{{Col: 6, Desc: true}, {Col: 5, NullsFirst: true}},
		keyset{{Col: 9}, {Col: 1}, {Col: 2}},
		keyset{},
	)
	for _, ks := range sets {
		for _, size := range exectest.BatchSizes {
			for _, card := range []int{5, 1000} {
				t.Run(fmt.Sprintf("%v/size%d/card%d", ks, size, card), func(t *testing.T) {
					mem := exectest.Alloc(t)
					rng := rand.New(rand.NewPCG(uint64(size), uint64(card)))
					base := randRecord(mem, schema, 500, repeatInt(card, schema.NumFields()), 0.2, rng)
					rec := withRowID(mem, base)
					base.Release()
					defer rec.Release()
					op, err := exec.NewSort(exec.Env{Alloc: mem, BatchSize: size}, exectest.SourceOf(rec, size), ks)
					if err != nil {
						t.Fatal(err)
					}
					diffRows(t, drainRows(t, op), refSort(rec, ks))
				})
			}
		}
	}
}

func TestSortEdgeCases(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true}, {Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	tests := []struct {
		name string
		rows string
		keys []exec.SortKey
		want []string
	}{
		{"empty", `[]`, []exec.SortKey{{Col: 0}}, nil},
		{"floats", `[{"f":"NaN","s":"a"},{"f":1,"s":"b"},{"f":-0.0,"s":"c"},{"f":null,"s":"d"},{"f":"-Inf","s":"e"},{"f":0,"s":"f"},{"f":"+Inf","s":"g"}]`,
			[]exec.SortKey{{Col: 0}}, []string{"-Inf|e", "0|c", "0|f", "1|b", "+Inf|g", "NaN|a", "NULL|d"}},
		{"floats desc nulls first", `[{"f":"NaN","s":"a"},{"f":1,"s":"b"},{"f":null,"s":"d"}]`,
			[]exec.SortKey{{Col: 0, Desc: true, NullsFirst: true}}, []string{"NULL|d", "NaN|a", "1|b"}},
		{"strings bytewise", `[{"s":"b"},{"s":"B"},{"s":"a\u0000"},{"s":"a"},{"s":"é"},{"s":"abcdefghij"},{"s":"abcdefghi"}]`,
			[]exec.SortKey{{Col: 1}}, []string{"NULL|B", "NULL|a", "NULL|a\x00", "NULL|abcdefghi", "NULL|abcdefghij", "NULL|b", "NULL|é"}},
	}
	for _, tc := range tests {
		for _, size := range exectest.BatchSizes {
			t.Run(fmt.Sprintf("%s/%d", tc.name, size), func(t *testing.T) {
				mem := exectest.Alloc(t)
				rec := exectest.Record(t, mem, schema, tc.rows)
				defer rec.Release()
				op, err := exec.NewSort(exec.Env{Alloc: mem, BatchSize: size}, exectest.SourceOf(rec, size), tc.keys)
				if err != nil {
					t.Fatal(err)
				}
				got := drainRows(t, op)
				want := tc.want
				diffRows(t, got, want)
			})
		}
	}
}

func TestSortLifecycle(t *testing.T) {
	schema := aggSchema()
	for _, size := range exectest.BatchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := exectest.Alloc(t)
			rec := randRecord(mem, schema, 2000, repeatInt(100, schema.NumFields()), 0.1, rand.New(rand.NewPCG(9, 9)))
			defer rec.Release()
			env := exec.Env{Alloc: mem, BatchSize: size}
			keys := []exec.SortKey{{Col: 7}, {Col: 3}}
			op, _ := exec.NewSort(env, exectest.SourceOf(rec, size), keys)
			op.Close()
			op.Close()
			op, _ = exec.NewSort(env, exectest.SourceOf(rec, size), keys)
			pullOne(t, op)
			op, _ = exec.NewSort(env, &errOp{Operator: exectest.SourceOf(rec, size), n: 1, err: errs.ErrSourceUnavailable}, keys)
			if _, err := exec.Drain(context.Background(), op); !errors.Is(err, errs.ErrSourceUnavailable) {
				t.Fatalf("got %v", err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			op, _ = exec.NewSort(env, exectest.SourceOf(rec, size), keys)
			if _, err := exec.Drain(ctx, op); !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func benchSort(b *testing.B, dt arrow.DataType, card int) {
	mem := memory.NewGoAllocator()
	s := arrow.NewSchema([]arrow.Field{{Name: "k", Type: dt}, {Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rec := randRecord(mem, s, 1<<20, []int{card, 1000}, 0, rand.New(rand.NewPCG(7, 7)))
	defer rec.Release()
	parts := exectest.Slice(rec, exec.DefaultBatchSize)
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	b.ResetTimer()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		op, err := exec.NewSort(exec.Env{Alloc: mem}, exec.NewSource(s, slices.Clone(parts)...), []exec.SortKey{{Col: 0}})
		if err != nil {
			b.Fatal(err)
		}
		out, err := exec.Drain(context.Background(), op)
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range out {
			o.Release()
		}
	}
	b.ReportMetric(float64(rec.NumRows())*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
}

func BenchmarkSortInt64_1M(b *testing.B)  { benchSort(b, arrow.PrimitiveTypes.Int64, 1<<30) }
func BenchmarkSortString_1M(b *testing.B) { benchSort(b, arrow.BinaryTypes.String, 1<<30) }
func BenchmarkSortFloat64_1M(b *testing.B) {
	benchSort(b, arrow.PrimitiveTypes.Float64, 1<<30)
}
