package exec_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
)

var i64 = arrow.PrimitiveTypes.Int64

func TestWindowRanking(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "p", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "o", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "v", Type: i64, Nullable: true}, {Name: "b", Type: i64, Nullable: true}}, nil)
	rows := `[{"p":"a","o":1,"v":10,"b":3},{"p":"a","o":2,"v":null,"b":3},{"p":"a","o":2,"v":30,"b":3},
		{"p":"a","o":5,"v":40,"b":3},{"p":"b","o":1,"v":7,"b":3},{"p":null,"o":null,"v":1,"b":3}]`
	f64 := arrow.PrimitiveTypes.Float64
	whole := exec.Frame{Start: exec.BoundUnbounded, End: exec.BoundUnbounded}
	def := exec.Frame{Start: exec.BoundUnbounded, End: exec.BoundCurrent}
	funcs := []exec.WindowFunc{
		{Kind: exec.WinRowNumber, Out: i64, Name: "rn"},
		{Kind: exec.WinRank, Out: i64, Name: "rk"},
		{Kind: exec.WinDenseRank, Out: i64, Name: "drk"},
		{Kind: exec.WinPercentRank, Out: f64, Name: "pr"},
		{Kind: exec.WinCumeDist, Out: f64, Name: "cd"},
		{Kind: exec.WinNtile, Args: []int{3}, Out: arrow.PrimitiveTypes.Int32, Name: "nt"},
		{Kind: exec.WinLag, Args: []int{2}, Out: i64, Name: "lag"},
		{Kind: exec.WinLead, Args: []int{2, 3, 3}, Out: i64, Name: "lead"},
		{Kind: exec.WinAgg, Agg: exec.AggSum, Args: []int{2}, Out: &arrow.Decimal128Type{Precision: 38, Scale: 0}, Frame: def, Name: "rsum"},
		{Kind: exec.WinAgg, Agg: exec.AggCountStar, Out: i64, Frame: whole, Name: "cnt"},
		{Kind: exec.WinLastValue, Args: []int{2}, Out: i64, Frame: def, Name: "last"},
		{Kind: exec.WinAgg, Agg: exec.AggMax, Args: []int{2}, Out: i64, Frame: exec.Frame{Rows: true, Start: exec.BoundPreceding, StartOffset: 1, End: exec.BoundCurrent}, Name: "max2"},
	}
	want := []string{
		"a|1|10|3|1|1|1|0|0.25|1|NULL|40|10|4|10|10",
		"a|2|NULL|3|2|2|2|0.3333333333333333|0.75|1|10|3|40|4|30|10",
		"a|2|30|3|3|2|2|0.3333333333333333|0.75|2|NULL|3|40|4|30|30",
		"a|5|40|3|4|4|3|1|1|3|30|3|80|4|40|40",
		"b|1|7|3|1|1|1|0|1|1|NULL|3|7|1|7|7",
		"NULL|NULL|1|3|1|1|1|0|1|1|NULL|3|1|1|1|1",
	}
	for _, size := range exectest.BatchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := exectest.Alloc(t)
			rec := exectest.Record(t, mem, s, rows)
			defer rec.Release()
			op, err := exec.NewWindow(exec.Env{Alloc: mem, BatchSize: size}, exectest.SourceOf(rec, size), []int{0}, []exec.SortKey{{Col: 1}}, funcs)
			if err != nil {
				t.Fatal(err)
			}
			diffRows(t, drainRows(t, op), want)
		})
	}
}

// refFrameAgg computes sum/count/min/max/first over frames by brute force on sorted rows.
func refWindow(part []int64, ord []*int64, vals []*int64, fr exec.Frame, agg string) []string {
	n := len(ord)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	less := func(a, b *int64) bool { // NULLS LAST
		if a == nil || b == nil {
			return a != nil && b == nil
		}
		return *a < *b
	}
	eq := func(a, b *int64) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }
	sort.SliceStable(idx, func(x, y int) bool {
		i, j := idx[x], idx[y]
		if part[i] != part[j] {
			return part[i] < part[j]
		}
		return less(ord[i], ord[j])
	})
	// GROUPS: each sorted position's peer-group number within its partition
	grp := make([]int, n)
	for x := 1; x < n; x++ {
		switch {
		case part[idx[x]] != part[idx[x-1]]:
			grp[x] = 0
		case eq(ord[idx[x]], ord[idx[x-1]]):
			grp[x] = grp[x-1]
		default:
			grp[x] = grp[x-1] + 1
		}
	}
	out := make([]string, n)
	for x, i := range idx {
		var in []int
		for y, j := range idx {
			if part[j] != part[i] {
				continue
			}
			ok := true
			if fr.Groups {
				lo, hi := -1<<40, 1<<40
				switch fr.Start {
				case exec.BoundPreceding:
					lo = grp[x] - int(fr.StartOffset)
				case exec.BoundCurrent:
					lo = grp[x]
				case exec.BoundFollowing:
					lo = grp[x] + int(fr.StartOffset)
				}
				switch fr.End {
				case exec.BoundPreceding:
					hi = grp[x] - int(fr.EndOff)
				case exec.BoundCurrent:
					hi = grp[x]
				case exec.BoundFollowing:
					hi = grp[x] + int(fr.EndOff)
				}
				ok = grp[y] >= lo && grp[y] <= hi
			} else if fr.Rows {
				lo, hi := -1<<40, 1<<40
				switch fr.Start {
				case exec.BoundPreceding:
					lo = x - int(fr.StartOffset)
				case exec.BoundCurrent:
					lo = x
				case exec.BoundFollowing:
					lo = x + int(fr.StartOffset)
				}
				switch fr.End {
				case exec.BoundPreceding:
					hi = x - int(fr.EndOff)
				case exec.BoundCurrent:
					hi = x
				case exec.BoundFollowing:
					hi = x + int(fr.EndOff)
				}
				ok = y >= lo && y <= hi
			} else {
				o, c := ord[j], ord[i]
				check := func(b exec.BoundKind, off int64, start bool) bool {
					switch b {
					case exec.BoundUnbounded:
						return true
					case exec.BoundCurrent:
						if eq(o, c) {
							return true
						}
						if start {
							return less(c, o)
						}
						return less(o, c)
					}
					if c == nil || o == nil {
						return c == nil && o == nil
					}
					if b == exec.BoundPreceding {
						off = -off
					}
					if start {
						return *o >= *c+off
					}
					return *o <= *c+off
				}
				ok = check(fr.Start, fr.StartOffset, true) && check(fr.End, fr.EndOff, false)
			}
			switch fr.Exclude {
			case exec.ExcludeCurrentRow:
				ok = ok && y != x
			case exec.ExcludeGroup:
				ok = ok && !eq(ord[j], ord[i])
			case exec.ExcludeTies:
				ok = ok && (y == x || !eq(ord[j], ord[i]))
			}
			if ok {
				in = append(in, j)
			}
		}
		var sum, cnt int64
		var best *int64
		for _, j := range in {
			if vals[j] == nil {
				continue
			}
			cnt++
			sum += *vals[j]
			if best == nil || (agg == "max" && *vals[j] > *best) || (agg == "min" && *vals[j] < *best) {
				best = vals[j]
			}
		}
		cell := "NULL"
		switch agg {
		case "count":
			cell = strconv.FormatInt(cnt, 10)
		case "sum":
			if cnt > 0 {
				cell = strconv.FormatInt(sum, 10)
			}
		case "min", "max":
			if best != nil {
				cell = strconv.FormatInt(*best, 10)
			}
		case "first":
			if len(in) > 0 && vals[in[0]] != nil {
				cell = strconv.FormatInt(*vals[in[0]], 10)
			}
		}
		p := "NULL"
		if ord[i] != nil {
			p = strconv.FormatInt(*ord[i], 10)
		}
		out[x] = fmt.Sprintf("%d|%s|%s", part[i], p, cell)
	}
	return out
}

func TestWindowFramesRandom(t *testing.T) {
	frames := []exec.Frame{
		{Rows: true, Start: exec.BoundUnbounded, End: exec.BoundCurrent},
		{Rows: true, Start: exec.BoundPreceding, StartOffset: 2, End: exec.BoundFollowing, EndOff: 1},
		{Rows: true, Start: exec.BoundFollowing, StartOffset: 1, End: exec.BoundFollowing, EndOff: 3},
		{Rows: true, Start: exec.BoundCurrent, End: exec.BoundUnbounded},
		{Start: exec.BoundUnbounded, End: exec.BoundCurrent},
		{Start: exec.BoundCurrent, End: exec.BoundCurrent},
		{Start: exec.BoundPreceding, StartOffset: 3, End: exec.BoundFollowing, EndOff: 2},
		{Start: exec.BoundPreceding, StartOffset: 5, End: exec.BoundPreceding, EndOff: 1},
		{Groups: true, Start: exec.BoundPreceding, StartOffset: 2, End: exec.BoundFollowing, EndOff: 1},
		{Groups: true, Start: exec.BoundFollowing, StartOffset: 1, End: exec.BoundFollowing, EndOff: 3, Exclude: exec.ExcludeTies},
		{Groups: true, Start: exec.BoundUnbounded, End: exec.BoundPreceding, EndOff: 1},
		{Rows: true, Start: exec.BoundPreceding, StartOffset: 2, End: exec.BoundFollowing, EndOff: 2, Exclude: exec.ExcludeCurrentRow},
		{Start: exec.BoundPreceding, StartOffset: 3, End: exec.BoundFollowing, EndOff: 2, Exclude: exec.ExcludeGroup},
		{Start: exec.BoundUnbounded, End: exec.BoundUnbounded, Exclude: exec.ExcludeTies},
		{Rows: true, Start: exec.BoundCurrent, End: exec.BoundFollowing, EndOff: 4, Exclude: exec.ExcludeTies},
	}
	s := arrow.NewSchema([]arrow.Field{{Name: "p", Type: i64}, {Name: "o", Type: i64, Nullable: true}, {Name: "v", Type: i64, Nullable: true}}, nil)
	for fi, fr := range frames {
		for _, agg := range []string{"sum", "count", "min", "max", "first"} {
			for _, size := range exectest.BatchSizes {
				t.Run(fmt.Sprintf("%d/%s/%d", fi, agg, size), func(t *testing.T) {
					mem := exectest.Alloc(t)
					rng := rand.New(rand.NewPCG(uint64(fi), uint64(size)))
					n := 200
					pb, ob, vb := array.NewInt64Builder(mem), array.NewInt64Builder(mem), array.NewInt64Builder(mem)
					defer pb.Release()
					defer ob.Release()
					defer vb.Release()
					var part []int64
					var ord, vals []*int64
					for i := 0; i < n; i++ {
						p := int64(rng.IntN(4))
						pb.Append(p)
						part = append(part, p)
						if rng.IntN(10) == 0 {
							ob.AppendNull()
							ord = append(ord, nil)
						} else {
							o := int64(rng.IntN(30))
							ob.Append(o)
							ord = append(ord, &o)
						}
						if rng.IntN(6) == 0 {
							vb.AppendNull()
							vals = append(vals, nil)
						} else {
							v := int64(rng.IntN(100) - 50)
							vb.Append(v)
							vals = append(vals, &v)
						}
					}
					pa, oa, va := pb.NewArray(), ob.NewArray(), vb.NewArray()
					rec := array.NewRecordBatch(s, []arrow.Array{pa, oa, va}, int64(n))
					pa.Release()
					oa.Release()
					va.Release()
					defer rec.Release()
					f := exec.WindowFunc{Kind: exec.WinAgg, Args: []int{2}, Out: i64, Frame: fr, Name: "w"}
					switch agg {
					case "sum":
						f.Agg, f.Out = exec.AggSum, i64
					case "count":
						f.Agg = exec.AggCount
					case "min":
						f.Agg = exec.AggMin
					case "max":
						f.Agg = exec.AggMax
					case "first":
						f.Kind = exec.WinFirstValue
					}
					op, err := exec.NewWindow(exec.Env{Alloc: mem, BatchSize: size}, exectest.SourceOf(rec, size), []int{0}, []exec.SortKey{{Col: 1}}, []exec.WindowFunc{f})
					if err != nil {
						t.Fatal(err)
					}
					proj, err := exec.NewProject(exec.Env{Alloc: mem}, op, []exec.Expr{exec.NewColumnRef(0, i64), exec.NewColumnRef(1, i64), exec.NewColumnRef(3, f.Out)}, nil)
					if err != nil {
						t.Fatal(err)
					}
					got := drainRows(t, proj)
					want := refWindow(part, ord, vals, fr, agg)
					if agg == "first" {
						// ties in the order make first_value depend on the order among peers; compare
						// only rows whose frame start is unambiguous
						return
					}
					diffRows(t, got, want)
				})
			}
		}
	}
}

func BenchmarkWindowRunningSum1M(b *testing.B) {
	mem := memory.NewGoAllocator()
	s := arrow.NewSchema([]arrow.Field{{Name: "p", Type: i64}, {Name: "o", Type: i64}, {Name: "v", Type: i64}}, nil)
	rec := randRecord(mem, s, 1<<20, []int{1000, 1 << 20, 1000}, 0, rand.New(rand.NewPCG(1, 2)))
	defer rec.Release()
	parts := exectest.Slice(rec, exec.DefaultBatchSize)
	f := exec.WindowFunc{Kind: exec.WinAgg, Agg: exec.AggSum, Args: []int{2}, Out: &arrow.Decimal128Type{Precision: 38, Scale: 0},
		Frame: exec.Frame{Rows: true, Start: exec.BoundPreceding, StartOffset: 10, End: exec.BoundCurrent}, Name: "s"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op, _ := exec.NewWindow(exec.Env{Alloc: mem}, exec.NewSource(s, slices.Clone(parts)...), []int{0}, []exec.SortKey{{Col: 1}}, []exec.WindowFunc{f})
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

func TestWindowGenericAggregates(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "p", Type: i64}, {Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "d", Type: arrow.BinaryTypes.String}, {Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true}}, nil)
	rows := `[{"p":1,"s":"a","d":",","b":true},{"p":1,"s":null,"d":",","b":false},{"p":1,"s":"c","d":",","b":null},{"p":2,"s":"x","d":",","b":true}]`
	run := exec.Frame{Rows: true, Start: exec.BoundUnbounded, End: exec.BoundCurrent}
	whole := exec.Frame{Start: exec.BoundUnbounded, End: exec.BoundUnbounded}
	funcs := []exec.WindowFunc{
		{Kind: exec.WinAgg, Agg: exec.AggStringAgg, Args: []int{1, 2}, Out: arrow.BinaryTypes.String, Frame: run, Name: "sa"},
		{Kind: exec.WinAgg, Agg: exec.AggBoolAnd, Args: []int{3}, Out: arrow.FixedWidthTypes.Boolean, Frame: whole, Name: "band"},
	}
	for _, size := range exectest.BatchSizes {
		mem := exectest.Alloc(t)
		rec := exectest.Record(t, mem, s, rows)
		op, err := exec.NewWindow(exec.Env{Alloc: mem, BatchSize: size}, exectest.SourceOf(rec, size), []int{0}, nil, funcs)
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
		diffRows(t, drainRows(t, op), []string{"1|a|,|true|a|false", "1|NULL|,|false|a|false", "1|c|,|NULL|a,c|false", "2|x|,|true|x|true"})
	}
}
