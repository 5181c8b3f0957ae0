package prune

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/tern-db/tern/catalog"
)

func TestValueEncoding(t *testing.T) {
	for _, v := range []Value{Int(-5), Int(1 << 60), Float(2.5), String("a:b"), String(""), Bool(true), Decimal(decimal128.FromI64(-12345))} {
		if got := Decode(v.Encode()); Compare(got, v) != 0 || got.Kind != v.Kind {
			t.Errorf("%v round-trips to %v", v, got)
		}
	}
	if Decode("").Kind != KindNone || Decode("x:1").Kind != KindNone {
		t.Error("malformed values decode")
	}
}

func TestPredMayMatch(t *testing.T) {
	st := Stats{Min: Int(10), Max: Int(20), Nulls: 1, Rows: 5}
	onlyNull := Stats{Nulls: 3, Rows: 3}
	noStats := Stats{Rows: 5}
	for _, tc := range []struct {
		p    Pred
		st   Stats
		want bool
	}{
		{Pred{Op: Eq, Vals: []Value{Int(10)}}, st, true},
		{Pred{Op: Eq, Vals: []Value{Int(9)}}, st, false},
		{Pred{Op: Eq, Vals: []Value{Int(21)}}, st, false},
		{Pred{Op: Lt, Vals: []Value{Int(10)}}, st, false},
		{Pred{Op: Lt, Vals: []Value{Int(11)}}, st, true},
		{Pred{Op: Le, Vals: []Value{Int(10)}}, st, true},
		{Pred{Op: Le, Vals: []Value{Int(9)}}, st, false},
		{Pred{Op: Gt, Vals: []Value{Int(20)}}, st, false},
		{Pred{Op: Gt, Vals: []Value{Int(19)}}, st, true},
		{Pred{Op: Ge, Vals: []Value{Int(20)}}, st, true},
		{Pred{Op: Ge, Vals: []Value{Int(21)}}, st, false},
		{Pred{Op: Between, Vals: []Value{Int(0), Int(9)}}, st, false},
		{Pred{Op: Between, Vals: []Value{Int(0), Int(10)}}, st, true},
		{Pred{Op: Between, Vals: []Value{Int(15), Int(12)}}, st, false},
		{Pred{Op: In, Vals: []Value{Int(1), Int(30)}}, st, false},
		{Pred{Op: In, Vals: []Value{Int(1), Int(15)}}, st, true},
		{Pred{Op: IsNull}, st, true},
		{Pred{Op: IsNull}, Stats{Min: Int(1), Max: Int(2), Rows: 4}, false},
		{Pred{Op: IsNotNull}, onlyNull, false},
		{Pred{Op: Eq, Vals: []Value{Int(1)}}, onlyNull, false},
		{Pred{Op: Eq, Vals: []Value{Int(1)}}, noStats, true},
		{Pred{Op: Eq, Vals: []Value{String("b")}}, Stats{Min: String("a"), Max: String("c"), Rows: 1}, true},
		{Pred{Op: Eq, Vals: []Value{String("d")}}, Stats{Min: String("a"), Max: String("c"), Rows: 1}, false},
		{Pred{Op: Eq, Vals: []Value{String("d")}}, Stats{Min: String("a"), Rows: 1}, true}, // max unknown
	} {
		if got := tc.p.MayMatch(tc.st); got != tc.want {
			t.Errorf("%v on %+v: %v, want %v", tc.p, tc.st, got, tc.want)
		}
	}
}

func TestFilesAndRanges(t *testing.T) {
	cs := func(lo, hi int64) []catalog.ColumnStats {
		return []catalog.ColumnStats{{Min: Int(lo).Encode(), Max: Int(hi).Encode(), Bytes: 100}}
	}
	f := catalog.DataFile{Path: "a", Rows: 30, Bytes: 1000, Stats: cs(0, 29), RowGroups: []catalog.RowGroupInfo{
		{Offset: 4, Rows: 10, Stats: cs(0, 9)}, {Offset: 300, Rows: 10, Stats: cs(10, 19)}, {Offset: 600, Rows: 10, Stats: cs(20, 29)}}}
	g := catalog.DataFile{Path: "b", Rows: 10, Bytes: 500, Stats: cs(100, 109)}
	sels := Files([]catalog.DataFile{f, g}, []Pred{{Col: 0, Op: Ge, Vals: []Value{Int(12)}}, {Col: 0, Op: Lt, Vals: []Value{Int(50)}}})
	if len(sels) != 1 || len(sels[0].RowGroups) != 2 {
		t.Fatalf("selections %+v", sels)
	}
	if r := sels[0].Ranges(); len(r) != 1 || r[0] != [2]int64{300, 700} {
		t.Fatalf("ranges %v", r)
	}
	if b := sels[0].EstimateBytes([]int{0}); b != 200 {
		t.Fatalf("estimate %d", b)
	}
	sels = Files([]catalog.DataFile{f}, []Pred{{Col: 0, Op: In, Vals: []Value{Int(1), Int(25)}}})
	if r := sels[0].Ranges(); len(r) != 2 || r[0] != [2]int64{4, 296} || r[1] != [2]int64{600, 400} {
		t.Fatalf("ranges %v", r)
	}
}

func TestLayout(t *testing.T) {
	tb := catalog.Table{Columns: []catalog.Column{{Name: "ts", Type: catalog.Timestamp}, {Name: "d", Type: catalog.Date}, {Name: "n", Type: catalog.Int64}, {Name: "s", Type: catalog.Text}}}
	for _, tc := range []struct {
		opt  string
		ok   bool
		disp string // display of key for the value 0 / epoch
	}{
		{"day(ts)", true, "1970-01-01"}, {"month(d)", true, "1970-01"}, {"year(ts)", true, "1970"},
		{"range(n, 10)", true, "[0,10)"}, {"s", true, ""}, {"day(n)", false, ""}, {"range(ts, 5)", false, ""},
		{"range(n, 0)", false, ""}, {"nope", false, ""}, {"hour(ts)", false, ""},
	} {
		tb.Options = map[string]string{OptPartitionBy: tc.opt}
		l, err := ParseLayout(tb)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.opt, err)
			continue
		}
		if tc.ok && tc.disp != "" {
			if got := l.Partition.Display(Int(l.Partition.intKey(0)).Encode()); got != tc.disp {
				t.Errorf("%s: display %q, want %q", tc.opt, got, tc.disp)
			}
		}
	}
	tb.Options = map[string]string{OptClusterBy: "n, s"}
	if l, err := ParseLayout(tb); err != nil || len(l.Cluster) != 2 || l.Cluster[0] != 2 {
		t.Fatalf("cluster %v %v", l, err)
	}
	if d, err := ParseDuration("36 hours"); err != nil || d.Hours() != 36 {
		t.Fatalf("duration %v %v", d, err)
	}
	// Negative timestamps floor to the day before.
	tb.Options = map[string]string{OptPartitionBy: "day(ts)"}
	l, _ := ParseLayout(tb)
	if k := l.Partition.intKey(-1); k != -1 {
		t.Fatalf("day of -1us = %d", k)
	}
}
