package exec_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
	"github.com/tern-db/tern/proto/errs"
)

// refJoin is a nested-loop join over rendered cells (NULL keys never match).
func refJoin(l, r arrow.RecordBatch, lk, rk []int, typ exec.JoinType) []string {
	key := func(rec arrow.RecordBatch, cols []int, i int) (string, bool) {
		var parts []string
		for _, c := range cols {
			if rec.Column(c).IsNull(i) {
				return "", false
			}
			parts = append(parts, cell(rec.Column(c), i))
		}
		return strings.Join(parts, "\x00"), true
	}
	nulls := func(n int) string {
		return strings.TrimSuffix(strings.Repeat("NULL|", n), "|")
	}
	var out []string
	rmatched := make([]bool, r.NumRows())
	for i := 0; i < int(l.NumRows()); i++ {
		kl, okl := key(l, lk, i)
		matched := false
		for j := 0; j < int(r.NumRows()); j++ {
			kr, okr := key(r, rk, j)
			if !okl || !okr || kl != kr {
				continue
			}
			matched = true
			rmatched[j] = true
			if typ != exec.JoinSemi && typ != exec.JoinAnti {
				out = append(out, rowOf(l.Columns(), i)+"|"+rowOf(r.Columns(), j))
			}
		}
		switch {
		case typ == exec.JoinSemi && matched, typ == exec.JoinAnti && !matched:
			out = append(out, rowOf(l.Columns(), i))
		case (typ == exec.JoinLeft || typ == exec.JoinFull) && !matched:
			out = append(out, rowOf(l.Columns(), i)+"|"+nulls(int(r.NumCols())))
		}
	}
	if typ == exec.JoinRight || typ == exec.JoinFull {
		for j := 0; j < int(r.NumRows()); j++ {
			if !rmatched[j] {
				out = append(out, nulls(int(l.NumCols()))+"|"+rowOf(r.Columns(), j))
			}
		}
	}
	return out
}

var joinTypes = []exec.JoinType{exec.JoinInner, exec.JoinLeft, exec.JoinRight, exec.JoinFull, exec.JoinSemi, exec.JoinAnti}

func TestHashJoinRandom(t *testing.T) {
	type keyset struct {
		types []arrow.DataType
	}
	var sets []keyset
	for _, dt := range allKeyTypes {
		sets = append(sets, keyset{[]arrow.DataType{dt}})
	}
	sets = append(sets, keyset{[]arrow.DataType{arrow.PrimitiveTypes.Int32, arrow.BinaryTypes.String}})
	for _, ks := range sets {
		var lf, rf []arrow.Field
		var lk, rk []int
		for i, dt := range ks.types {
			lf = append(lf, arrow.Field{Name: fmt.Sprintf("lk%d", i), Type: dt, Nullable: true})
			rf = append(rf, arrow.Field{Name: fmt.Sprintf("rk%d", i), Type: dt, Nullable: true})
			lk = append(lk, i+1)
			rk = append(rk, i)
		}
		lf = append([]arrow.Field{{Name: "lv", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, lf...)
		rf = append(rf, arrow.Field{Name: "rv", Type: arrow.BinaryTypes.String, Nullable: true})
		ls, rs := arrow.NewSchema(lf, nil), arrow.NewSchema(rf, nil)
		for _, typ := range joinTypes {
			for _, size := range exectest.BatchSizes {
				for _, shape := range []struct{ nl, nr int }{{150, 100}, {0, 50}, {50, 0}} {
					name := fmt.Sprintf("%v/type%d/size%d/%dx%d", ks.types, typ, size, shape.nl, shape.nr)
					t.Run(name, func(t *testing.T) {
						mem := exectest.Alloc(t)
						rng := rand.New(rand.NewPCG(uint64(size), uint64(typ)))
						lc := repeatInt(30, ls.NumFields())
						l := randRecord(mem, ls, shape.nl, lc, 0.15, rng)
						defer l.Release()
						r := randRecord(mem, rs, shape.nr, repeatInt(30, rs.NumFields()), 0.15, rng)
						defer r.Release()
						op, err := exec.NewHashJoin(exec.Env{Alloc: mem, BatchSize: size},
							exectest.SourceOf(l, size), exectest.SourceOf(r, size), lk, rk, typ)
						if err != nil {
							t.Fatal(err)
						}
						got := drainRows(t, op)
						diffRows(t, sorted(got), sorted(refJoin(l, r, lk, rk, typ)))
					})
				}
			}
		}
	}
}

func TestHashJoinLifecycle(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, {Name: "v", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	for _, typ := range joinTypes {
		for _, size := range exectest.BatchSizes {
			t.Run(fmt.Sprintf("%d/%d", typ, size), func(t *testing.T) {
				mem := exectest.Alloc(t)
				rng := rand.New(rand.NewPCG(3, 4))
				l := randRecord(mem, s, 500, []int{20, 100}, 0.1, rng)
				defer l.Release()
				r := randRecord(mem, s, 500, []int{20, 100}, 0.1, rng)
				defer r.Release()
				env := exec.Env{Alloc: mem, BatchSize: size}
				mk := func(lo, ro exec.Operator) exec.Operator {
					op, err := exec.NewHashJoin(env, lo, ro, []int{0}, []int{0}, typ)
					if err != nil {
						t.Fatal(err)
					}
					return op
				}
				op := mk(exectest.SourceOf(l, size), exectest.SourceOf(r, size))
				op.Close()
				op.Close()
				pullOne(t, mk(exectest.SourceOf(l, size), exectest.SourceOf(r, size)))
				op = mk(&errOp{Operator: exectest.SourceOf(l, size), n: 1, err: errs.ErrSourceUnavailable}, exectest.SourceOf(r, size))
				if _, err := exec.Drain(context.Background(), op); !errors.Is(err, errs.ErrSourceUnavailable) {
					t.Fatalf("probe error: got %v", err)
				}
				op = mk(exectest.SourceOf(l, size), &errOp{Operator: exectest.SourceOf(r, size), n: 1, err: errs.ErrSourceUnavailable})
				if _, err := exec.Drain(context.Background(), op); !errors.Is(err, errs.ErrSourceUnavailable) {
					t.Fatalf("build error: got %v", err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				op = mk(exectest.SourceOf(l, size), exectest.SourceOf(r, size))
				if _, err := exec.Drain(ctx, op); !errors.Is(err, context.Canceled) {
					t.Fatalf("cancel: got %v", err)
				}
			})
		}
	}
}

func TestHashJoinSchema(t *testing.T) {
	ls := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int32}}, nil)
	rs := arrow.NewSchema([]arrow.Field{{Name: "b", Type: arrow.PrimitiveTypes.Int32}}, nil)
	for _, typ := range joinTypes {
		op, err := exec.NewHashJoin(exec.Env{}, exec.NewSource(ls), exec.NewSource(rs), []int{0}, []int{0}, typ)
		if err != nil {
			t.Fatal(err)
		}
		s := op.Schema()
		wantCols := 2
		if typ == exec.JoinSemi || typ == exec.JoinAnti {
			wantCols = 1
		}
		if s.NumFields() != wantCols {
			t.Fatalf("type %d: %s", typ, s)
		}
		if wantCols == 2 {
			if s.Field(0).Nullable != (typ == exec.JoinRight || typ == exec.JoinFull) || s.Field(1).Nullable != (typ == exec.JoinLeft || typ == exec.JoinFull) {
				t.Fatalf("type %d nullability: %s", typ, s)
			}
		}
		op.Close()
	}
	rs2 := arrow.NewSchema([]arrow.Field{{Name: "b", Type: arrow.PrimitiveTypes.Int64}}, nil)
	if _, err := exec.NewHashJoin(exec.Env{}, exec.NewSource(ls), exec.NewSource(rs2), []int{0}, []int{0}, exec.JoinInner); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Fatalf("mismatched key types: %v", err)
	}
}

func benchJoin(b *testing.B, buildRows, probeRows int, keyType arrow.DataType) {
	mem := memory.NewGoAllocator()
	s := arrow.NewSchema([]arrow.Field{{Name: "k", Type: keyType}, {Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rng := rand.New(rand.NewPCG(5, 6))
	// Build keys unique-ish (card = buildRows), probe keys drawn from twice that range.
	r := randRecord(mem, s, buildRows, []int{buildRows, 100}, 0, rng)
	defer r.Release()
	l := randRecord(mem, s, probeRows, []int{2 * buildRows, 100}, 0, rng)
	defer l.Release()
	lp, rp := exectest.Slice(l, exec.DefaultBatchSize), exectest.Slice(r, exec.DefaultBatchSize)
	defer func() {
		for _, p := range append(lp, rp...) {
			p.Release()
		}
	}()
	b.ResetTimer()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		op, err := exec.NewHashJoin(exec.Env{Alloc: mem}, exec.NewSource(s, slices.Clone(lp)...), exec.NewSource(s, slices.Clone(rp)...), []int{0}, []int{0}, exec.JoinInner)
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
	b.ReportMetric(float64(buildRows+probeRows)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
}

func BenchmarkHashJoinInt64_Build1M_Probe1M(b *testing.B) {
	benchJoin(b, 1<<20, 1<<20, arrow.PrimitiveTypes.Int64)
}
func BenchmarkHashJoinInt64_Build10k_Probe1M(b *testing.B) {
	benchJoin(b, 10000, 1<<20, arrow.PrimitiveTypes.Int64)
}
func BenchmarkHashJoinString_Build100k_Probe1M(b *testing.B) {
	benchJoin(b, 100000, 1<<20, arrow.BinaryTypes.String)
}
