package prune

import (
	"fmt"
	"strings"

	"github.com/tern-db/tern/catalog"
)

// Op is a predicate's comparison.
type Op uint8

const (
	Eq Op = iota
	Lt
	Le
	Gt
	Ge
	Between // Vals[0] <= col <= Vals[1]
	In      // col = any of Vals
	IsNull
	IsNotNull
)

var opNames = [...]string{"=", "<", "<=", ">", ">=", "BETWEEN", "IN", "IS NULL", "IS NOT NULL"}

// Pred is one conjunct over a table column (index into the table's columns). Literal values
// are in the column's comparison domain (KindOf its type). A list of Preds is a conjunction.
type Pred struct {
	Col  int
	Op   Op
	Vals []Value
}

func (p Pred) String() string {
	var vs []string
	for _, v := range p.Vals {
		vs = append(vs, v.String())
	}
	return fmt.Sprintf("#%d %s %s", p.Col, opNames[p.Op], strings.Join(vs, ","))
}

// Stats is what a predicate is checked against: one column's statistics over rows rows.
type Stats struct {
	Min, Max Value // KindNone: unknown
	Nulls    int64
	Rows     int64
}

// StatsOf decodes catalog statistics.
func StatsOf(cs catalog.ColumnStats, rows int64) Stats {
	return Stats{Min: Decode(cs.Min), Max: Decode(cs.Max), Nulls: cs.Nulls, Rows: rows}
}

// MayMatch reports whether some row described by st may satisfy p.
func (p Pred) MayMatch(st Stats) bool {
	switch p.Op {
	case IsNull:
		return st.Nulls > 0
	case IsNotNull:
		return st.Nulls < st.Rows
	}
	if st.Rows > 0 && st.Nulls >= st.Rows {
		return false // only NULLs: no comparison is true
	}
	lo, hi := st.Min, st.Max
	below := func(v Value) bool { return hi.Kind != KindNone && hi.Kind == v.Kind && Compare(hi, v) < 0 } // every value < v
	above := func(v Value) bool { return lo.Kind != KindNone && lo.Kind == v.Kind && Compare(lo, v) > 0 } // every value > v
	eqMay := func(v Value) bool { return !below(v) && !above(v) }
	switch p.Op {
	case Eq:
		return len(p.Vals) != 1 || eqMay(p.Vals[0])
	case In:
		for _, v := range p.Vals {
			if eqMay(v) {
				return true
			}
		}
		return len(p.Vals) == 0
	case Lt: // some value < v unless min >= v
		return len(p.Vals) != 1 || !(lo.Kind == p.Vals[0].Kind && lo.Kind != KindNone && Compare(lo, p.Vals[0]) >= 0)
	case Le:
		return len(p.Vals) != 1 || !above(p.Vals[0])
	case Gt:
		return len(p.Vals) != 1 || !(hi.Kind == p.Vals[0].Kind && hi.Kind != KindNone && Compare(hi, p.Vals[0]) <= 0)
	case Ge:
		return len(p.Vals) != 1 || !below(p.Vals[0])
	case Between:
		return len(p.Vals) != 2 || (!below(p.Vals[0]) && !above(p.Vals[1]) && Compare(p.Vals[0], p.Vals[1]) <= 0)
	}
	return true
}

// Matcher checks a conjunction against the statistics of a file or row group, given per
// column (nil stats: nothing known, which matches).
func MayMatchAll(preds []Pred, stats []catalog.ColumnStats, rows int64) bool {
	for _, p := range preds {
		if p.Col < 0 || p.Col >= len(stats) {
			continue
		}
		if !p.MayMatch(StatsOf(stats[p.Col], rows)) {
			return false
		}
	}
	return true
}

// Selection is what a scan of one file reads after pruning.
type Selection struct {
	File      catalog.DataFile
	RowGroups []int // indexes into File.RowGroups; nil with no row group info: the whole file
}

// Files prunes a snapshot's files and their row groups with preds. Files and row groups
// without statistics are kept.
func Files(files []catalog.DataFile, preds []Pred) []Selection {
	var out []Selection
	for _, f := range files {
		if len(f.Stats) > 0 && !MayMatchAll(preds, f.Stats, f.Rows) {
			continue
		}
		sel := Selection{File: f}
		if len(f.RowGroups) > 0 {
			for i, rg := range f.RowGroups {
				if len(rg.Stats) == 0 || MayMatchAll(preds, rg.Stats, rg.Rows) {
					sel.RowGroups = append(sel.RowGroups, i)
				}
			}
			if len(sel.RowGroups) == 0 {
				continue
			}
		}
		out = append(out, sel)
	}
	return out
}

// Whole reports whether the selection reads every row group of its file.
func (s Selection) Whole() bool {
	return len(s.File.RowGroups) == 0 || len(s.RowGroups) == len(s.File.RowGroups)
}

// Ranges returns the byte ranges [start, start+length) covering the selected row groups,
// one per run of consecutive row groups (a reader reads the row groups whose offset falls in
// a range). The whole file is {0, 0}.
func (s Selection) Ranges() [][2]int64 {
	if s.Whole() {
		return [][2]int64{{0, 0}}
	}
	var out [][2]int64
	rgs := s.File.RowGroups
	for i := 0; i < len(s.RowGroups); {
		j := i
		for j+1 < len(s.RowGroups) && s.RowGroups[j+1] == s.RowGroups[j]+1 {
			j++
		}
		start := rgs[s.RowGroups[i]].Offset
		end := s.File.Bytes
		if last := s.RowGroups[j]; last+1 < len(rgs) {
			end = rgs[last+1].Offset
		}
		out = append(out, [2]int64{start, end - start})
		i = j + 1
	}
	return out
}

// EstimateBytes returns the compressed bytes a scan of cols (table column indexes; nil: all)
// reads for the selection, from catalog statistics (the file size when there are none).
func (s Selection) EstimateBytes(cols []int) int64 {
	if len(s.File.RowGroups) == 0 || len(s.File.RowGroups[0].Stats) == 0 {
		if len(s.File.Stats) == 0 {
			return s.File.Bytes
		}
		var n int64
		for i, st := range s.File.Stats {
			if cols == nil || contains(cols, i) {
				n += st.Bytes
			}
		}
		return n
	}
	var n int64
	for _, i := range s.RowGroups {
		for c, st := range s.File.RowGroups[i].Stats {
			if cols == nil || contains(cols, c) {
				n += st.Bytes
			}
		}
	}
	if s.RowGroups == nil {
		for _, rg := range s.File.RowGroups {
			for c, st := range rg.Stats {
				if cols == nil || contains(cols, c) {
					n += st.Bytes
				}
			}
		}
	}
	return n
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
