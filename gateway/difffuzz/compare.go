package difffuzz

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Outcome is one engine's answer to a query: canonical text rows with type letters
// (sqllogictest's I, R, T, B, D), or an error.
type Outcome struct {
	Types string
	Rows  [][]string
	Err   error
}

// Compare reports how got (Tern) differs from want (PostgreSQL), "" when they agree: both
// failing agree (the messages may differ); rows are compared in order when ordered is true,
// else as multisets; numbers compare with a relative tolerance of 1e-9 (avg and float
// arithmetic may differ in the last digits, and numeric scale is compared by value).
func Compare(want, got Outcome, ordered bool) string {
	switch {
	case want.Err != nil && got.Err != nil:
		return ""
	case want.Err != nil:
		return fmt.Sprintf("PostgreSQL fails (%v), Tern answers %d rows", want.Err, len(got.Rows))
	case got.Err != nil:
		return fmt.Sprintf("Tern fails: %v", got.Err)
	case want.Types != got.Types:
		return fmt.Sprintf("column types %q, PostgreSQL %q", got.Types, want.Types)
	case len(want.Rows) != len(got.Rows):
		return fmt.Sprintf("%d rows, PostgreSQL %d", len(got.Rows), len(want.Rows))
	}
	w, g := want.Rows, got.Rows
	if !ordered {
		w, g = sorted(w), sorted(g)
	}
	for i := range w {
		if !sameRow(w[i], g[i], want.Types) {
			return fmt.Sprintf("row %d: %v, PostgreSQL %v", i+1, g[i], w[i])
		}
	}
	return ""
}

func sorted(rows [][]string) [][]string {
	out := append([][]string(nil), rows...)
	keys := make([]string, len(out))
	idx := make([]int, len(out))
	for i, r := range out {
		keys[i] = normRow(r)
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
	res := make([][]string, len(out))
	for i, j := range idx {
		res[i] = out[j]
	}
	return res
}

// normRow is the sort key of a row: numbers rounded so that rows equal within tolerance
// sort together.
func normRow(r []string) string {
	parts := make([]string, len(r))
	for i, v := range r {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			parts[i] = strconv.FormatFloat(f, 'g', 8, 64)
		} else {
			parts[i] = v
		}
	}
	return strings.Join(parts, "\x00")
}

func sameRow(w, g []string, types string) bool {
	if len(w) != len(g) {
		return false
	}
	for i := range w {
		if w[i] == g[i] {
			continue
		}
		if i < len(types) && types[i] != 'R' && !(types[i] == 'T' && strings.Contains(w[i]+g[i], ".")) {
			// text compares exactly, except decimals cast to text: their scale is the known
			// per-value-scale difference of unconstrained NUMERIC, not what the fuzzer hunts
			return false
		}
		wf, err1 := strconv.ParseFloat(w[i], 64)
		gf, err2 := strconv.ParseFloat(g[i], 64)
		if err1 != nil || err2 != nil {
			return false
		}
		if d := math.Abs(wf - gf); d > 1e-9*math.Max(math.Abs(wf), 1) {
			return false
		}
	}
	return true
}
