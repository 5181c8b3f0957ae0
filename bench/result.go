package main

import (
	"encoding/csv"
	"fmt"
	"math"
	"math/big"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"
)

// result is a query result as text, for checking answers. Column names are kept for messages
// only: engines name expressions differently.
type result struct {
	cols []string
	rows [][]string
}

func (r *result) addArrow(rec arrow.RecordBatch) {
	n := int(rec.NumRows())
	base := len(r.rows)
	for i := 0; i < n; i++ {
		r.rows = append(r.rows, make([]string, rec.NumCols()))
	}
	for c, col := range rec.Columns() {
		for i := 0; i < n; i++ {
			r.rows[base+i][c] = arrowCell(col, i)
		}
	}
}

func arrowCell(a arrow.Array, i int) string {
	if a.IsNull(i) {
		return "NULL"
	}
	switch a := a.(type) {
	case *array.Decimal128:
		dt := a.DataType().(*arrow.Decimal128Type)
		return a.Value(i).ToString(dt.Scale)
	case *array.Float64:
		return strconv.FormatFloat(a.Value(i), 'g', -1, 64)
	case *array.Date32:
		return a.Value(i).FormattedString()
	}
	return a.ValueStr(i)
}

// sqlCell formats a value scanned by database/sql from DuckDB like arrowCell does.
func sqlCell(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case duckdb.Decimal:
		return decimalString(v.Value, int(v.Scale))
	case *big.Int:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(v), 'g', -1, 32)
	case time.Time:
		if v.Hour() == 0 && v.Minute() == 0 && v.Second() == 0 && v.Nanosecond() == 0 {
			return v.Format("2006-01-02")
		}
		return v.Format("2006-01-02 15:04:05.999999")
	case []byte:
		return string(v)
	}
	return fmt.Sprint(v)
}

func decimalString(v *big.Int, scale int) string {
	s := new(big.Int).Abs(v).String()
	neg := v.Sign() < 0
	if scale > 0 {
		for len(s) <= scale {
			s = "0" + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// readAnswer reads a reference answer: CSV with a header line.
func readAnswer(path string) (*result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rd := csv.NewReader(f)
	rd.FieldsPerRecord = -1
	recs, err := rd.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: empty", path)
	}
	return &result{cols: recs[0], rows: recs[1:]}, nil
}

// cellsEqual compares two cells: numbers within 0.01 (absolute) or 1e-9 (relative), other
// values as trimmed text.
func cellsEqual(a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if a == b {
		return true
	}
	fa, erra := strconv.ParseFloat(a, 64)
	fb, errb := strconv.ParseFloat(b, 64)
	if erra != nil || errb != nil {
		return false
	}
	d := math.Abs(fa - fb)
	return d <= 0.01 || d <= 1e-9*math.Max(math.Abs(fa), math.Abs(fb))
}

// check compares got against want. Rows must match in order; when they only match as sorted
// sets (ties ordered differently), the answer is "ok" with a note.
func check(got, want *result) (ok bool, msg string) {
	if got == nil || want == nil {
		return false, "no result"
	}
	if len(got.rows) != len(want.rows) {
		return false, fmt.Sprintf("%d rows, want %d", len(got.rows), len(want.rows))
	}
	if len(got.rows) > 0 && len(got.rows[0]) != len(want.rows[0]) {
		return false, fmt.Sprintf("%d columns, want %d", len(got.rows[0]), len(want.rows[0]))
	}
	first := -1
	for i := range got.rows {
		if !rowEqual(got.rows[i], want.rows[i]) {
			first = i
			break
		}
	}
	if first < 0 {
		return true, ""
	}
	g, w := sortedRows(got.rows), sortedRows(want.rows)
	for i := range g {
		if !rowEqual(g[i], w[i]) {
			return false, fmt.Sprintf("row %d: got %s, want %s", first+1, clip(strings.Join(got.rows[first], "|"), 80), clip(strings.Join(want.rows[first], "|"), 80))
		}
	}
	return true, "ties in another order"
}

func rowEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !cellsEqual(a[i], b[i]) {
			return false
		}
	}
	return true
}

// sortedRows sorts rows by their text with numbers rounded to 2 decimals, so rows equal
// within the tolerance sort alike (nearly always).
func sortedRows(rows [][]string) [][]string {
	key := func(r []string) string {
		parts := make([]string, len(r))
		for i, c := range r {
			c = strings.TrimSpace(c)
			if f, err := strconv.ParseFloat(c, 64); err == nil {
				c = strconv.FormatFloat(math.Round(f*100)/100, 'f', 2, 64)
			}
			parts[i] = c
		}
		return strings.Join(parts, "\x00")
	}
	type kr struct {
		k string
		r []string
	}
	ks := make([]kr, len(rows))
	for i, r := range rows {
		ks[i] = kr{key(r), r}
	}
	slices.SortFunc(ks, func(a, b kr) int { return strings.Compare(a.k, b.k) })
	out := make([][]string, len(rows))
	for i := range ks {
		out[i] = ks[i].r
	}
	return out
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
