package sqllogictest

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Canonical value spellings shared by every backend.
const (
	NullText  = "NULL"
	EmptyText = "(empty)"
)

// CanonicalText turns a non-NULL value, already in PostgreSQL's text output form, into the
// spelling used in .slt files: the empty string becomes "(empty)" and newline, carriage return
// and tab are written as \n, \r and \t so that a row stays on one line.
func CanonicalText(s string) string {
	if s == "" {
		return EmptyText
	}
	if strings.ContainsAny(s, "\n\r\t") {
		s = strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s)
	}
	return s
}

// FormatFloat64 prints a float8 as PostgreSQL 12+ does with extra_float_digits = 1 (the
// default): the shortest representation that round-trips, in fixed notation when the decimal
// exponent is in [-4, 15) and as d.ddde+XX otherwise; Infinity, -Infinity and NaN by name.
func FormatFloat64(f float64) string { return formatFloat(f, 64, 15) }

// FormatFloat32 prints a float4 as PostgreSQL does: like FormatFloat64 with the shortest
// float32 digits and fixed notation for decimal exponents in [-4, 6).
func FormatFloat32(f float32) string { return formatFloat(float64(f), 32, 6) }

func formatFloat(f float64, bits, fixedBelow int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0"
		}
		return "0"
	}
	e := strconv.FormatFloat(f, 'e', -1, bits) // d.ddde±XX, at least two exponent digits
	i := strings.LastIndexByte(e, 'e')
	exp, err := strconv.Atoi(e[i+1:])
	if err != nil {
		return e
	}
	if exp >= -4 && exp < fixedBelow {
		return strconv.FormatFloat(f, 'f', -1, bits)
	}
	return e
}

// FormatDecimal prints an unscaled integer with the given scale exactly, as PostgreSQL prints
// NUMERIC: scale 2 gives 100.00, a negative scale appends zeros.
func FormatDecimal(unscaled *big.Int, scale int32) string {
	s := unscaled.String()
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	switch {
	case scale < 0:
		if s != "0" {
			s += strings.Repeat("0", int(-scale))
		}
	case scale > 0:
		if len(s) <= int(scale) {
			s = strings.Repeat("0", int(scale)-len(s)+1) + s
		}
		s = s[:len(s)-int(scale)] + "." + s[len(s)-int(scale):]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// FormatDate prints a date as PostgreSQL does with DateStyle ISO: 2024-01-02, or
// 0044-03-15 BC before year 1.
func FormatDate(t time.Time) string {
	y, bc := pgYear(t.Year())
	return fmt.Sprintf("%04d-%02d-%02d", y, int(t.Month()), t.Day()) + bc
}

// FormatTimestamp prints a timestamp without time zone as PostgreSQL does with DateStyle ISO:
// 2024-01-02 10:00:00, fractional seconds only when non-zero and without trailing zeros.
func FormatTimestamp(t time.Time) string {
	y, bc := pgYear(t.Year())
	return fmt.Sprintf("%04d-%02d-%02d %s", y, int(t.Month()), t.Day(), formatClock(t)) + bc
}

// FormatTimestampTZ prints an instant as PostgreSQL does with TimeZone UTC:
// 2024-01-02 10:00:00+00.
func FormatTimestampTZ(t time.Time) string {
	t = t.UTC()
	y, bc := pgYear(t.Year())
	return fmt.Sprintf("%04d-%02d-%02d %s+00", y, int(t.Month()), t.Day(), formatClock(t)) + bc
}

// FormatTime prints a time of day: 10:00:00 or 10:00:00.25.
func FormatTime(t time.Time) string { return formatClock(t) }

func formatClock(t time.Time) string {
	s := fmt.Sprintf("%02d:%02d:%02d", t.Hour(), t.Minute(), t.Second())
	if ns := t.Nanosecond(); ns != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%09d", ns), "0")
	}
	return s
}

// pgYear maps an astronomical year (0 = 1 BC) to PostgreSQL's year and " BC" suffix.
func pgYear(y int) (int, string) {
	if y <= 0 {
		return 1 - y, " BC"
	}
	return y, ""
}

// FormatInterval prints an interval as PostgreSQL does with IntervalStyle postgres:
// "1 year 2 mons 3 days 04:05:06", "00:00:00" when zero.
func FormatInterval(months, days int32, nanos int64) string {
	var parts []string
	// a positive field after a negative one carries '+' (PostgreSQL's is_before: each
	// nonzero field sets it for the next one only)
	before := false
	unit := func(n int64, one, many string) {
		if n == 0 {
			return
		}
		plus := ""
		if before && n > 0 {
			plus = "+"
		}
		if n == 1 {
			parts = append(parts, plus+"1 "+one)
		} else {
			parts = append(parts, plus+strconv.FormatInt(n, 10)+" "+many)
		}
		before = n < 0
	}
	unit(int64(months/12), "year", "years")
	unit(int64(months%12), "mon", "mons")
	unit(int64(days), "day", "days")
	if nanos != 0 || len(parts) == 0 {
		sign := ""
		if nanos < 0 {
			sign, nanos = "-", -nanos
		} else if before {
			sign = "+"
		}
		h := nanos / int64(time.Hour)
		m := nanos / int64(time.Minute) % 60
		sec := nanos / int64(time.Second) % 60
		s := fmt.Sprintf("%s%02d:%02d:%02d", sign, h, m, sec)
		if frac := nanos % int64(time.Second); frac != 0 {
			s += strings.TrimRight(fmt.Sprintf(".%09d", frac), "0")
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// TypeLetter is the .slt column type letter of an Arrow type: I integer, R float or decimal,
// B boolean, D date/time/timestamp, T anything else (text, intervals, NULL-typed columns).
func TypeLetter(t arrow.DataType) byte {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return 'I'
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64,
		arrow.DECIMAL32, arrow.DECIMAL64, arrow.DECIMAL128, arrow.DECIMAL256:
		return 'R'
	case arrow.BOOL:
		return 'B'
	case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP, arrow.TIME32, arrow.TIME64:
		return 'D'
	case arrow.DICTIONARY:
		return TypeLetter(t.(*arrow.DictionaryType).ValueType)
	case arrow.EXTENSION:
		return TypeLetter(t.(arrow.ExtensionType).StorageType())
	}
	return 'T'
}

// FormatArrowValue renders row i of arr in the canonical .slt form, matching what the
// Postgres backend produces for the same value read as PostgreSQL text.
func FormatArrowValue(arr arrow.Array, i int) string {
	if arr.IsNull(i) {
		return NullText
	}
	switch a := arr.(type) {
	case array.ExtensionArray: // arrow.json and other extension types print as their storage
		return FormatArrowValue(a.Storage(), i)
	case *array.Boolean:
		if a.Value(i) {
			return "t"
		}
		return "f"
	case *array.Int8:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int16:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int32:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10)
	case *array.Uint8:
		return strconv.FormatUint(uint64(a.Value(i)), 10)
	case *array.Uint16:
		return strconv.FormatUint(uint64(a.Value(i)), 10)
	case *array.Uint32:
		return strconv.FormatUint(uint64(a.Value(i)), 10)
	case *array.Uint64:
		return strconv.FormatUint(a.Value(i), 10)
	case *array.Float16:
		return FormatFloat32(a.Value(i).Float32())
	case *array.Float32:
		return FormatFloat32(a.Value(i))
	case *array.Float64:
		return FormatFloat64(a.Value(i))
	case *array.Decimal32:
		return FormatDecimal(big.NewInt(int64(a.Value(i))), a.DataType().(arrow.DecimalType).GetScale())
	case *array.Decimal64:
		return FormatDecimal(big.NewInt(int64(a.Value(i))), a.DataType().(arrow.DecimalType).GetScale())
	case *array.Decimal128:
		return FormatDecimal(a.Value(i).BigInt(), a.DataType().(arrow.DecimalType).GetScale())
	case *array.Decimal256:
		return FormatDecimal(a.Value(i).BigInt(), a.DataType().(arrow.DecimalType).GetScale())
	case *array.String:
		return CanonicalText(a.Value(i))
	case *array.LargeString:
		return CanonicalText(a.Value(i))
	case *array.StringView:
		return CanonicalText(a.Value(i))
	case *array.Binary:
		return `\x` + fmt.Sprintf("%x", a.Value(i))
	case *array.LargeBinary:
		return `\x` + fmt.Sprintf("%x", a.Value(i))
	case *array.Date32:
		return FormatDate(a.Value(i).ToTime())
	case *array.Date64:
		return FormatDate(a.Value(i).ToTime())
	case *array.Timestamp:
		tt := a.DataType().(*arrow.TimestampType)
		t := a.Value(i).ToTime(tt.Unit)
		if tt.TimeZone != "" {
			return FormatTimestampTZ(t)
		}
		return FormatTimestamp(t)
	case *array.Time32:
		return FormatTime(a.Value(i).ToTime(a.DataType().(*arrow.Time32Type).Unit))
	case *array.Time64:
		return FormatTime(a.Value(i).ToTime(a.DataType().(*arrow.Time64Type).Unit))
	case *array.MonthDayNanoInterval:
		v := a.Value(i)
		return FormatInterval(v.Months, v.Days, v.Nanoseconds)
	case *array.DayTimeInterval:
		v := a.Value(i)
		return FormatInterval(0, v.Days, int64(v.Milliseconds)*int64(time.Millisecond))
	case *array.MonthInterval:
		return FormatInterval(int32(a.Value(i)), 0, 0)
	case *array.Dictionary:
		return FormatArrowValue(a.Dictionary(), a.GetValueIndex(i))
	case array.ListLike:
		return CanonicalText(FormatArray(a, i))
	}
	return CanonicalText(arr.ValueStr(i))
}

// FormatArray prints row i (non-NULL) of a list array as PostgreSQL's array_out does:
// {1,NULL,"a b"}, elements quoted when empty, "NULL", or holding braces, commas, quotes,
// backslashes or white space, booleans as t/f.
func FormatArray(a array.ListLike, i int) string {
	start, end := a.ValueOffsets(i)
	vals := a.ListValues()
	var sb strings.Builder
	sb.WriteByte('{')
	for j := int(start); j < int(end); j++ {
		if j > int(start) {
			sb.WriteByte(',')
		}
		if vals.IsNull(j) {
			sb.WriteString("NULL")
			continue
		}
		var v string
		switch e := vals.(type) {
		case *array.String:
			v = e.Value(j)
		case *array.LargeString:
			v = e.Value(j)
		case array.ListLike:
			sb.WriteString(FormatArray(e, j)) // nested: a further dimension, unquoted
			continue
		default:
			v = FormatArrowValue(vals, j)
		}
		quote := v == "" || strings.EqualFold(v, "NULL") || strings.ContainsAny(v, "{},\"\\ \t\n\r\v\f")
		if !quote {
			sb.WriteString(v)
			continue
		}
		sb.WriteByte('"')
		for k := 0; k < len(v); k++ {
			if v[k] == '"' || v[k] == '\\' {
				sb.WriteByte('\\')
			}
			sb.WriteByte(v[k])
		}
		sb.WriteByte('"')
	}
	sb.WriteByte('}')
	return sb.String()
}

// PostgresTypeLetter is the .slt column type letter of a PostgreSQL type OID, consistent with
// TypeLetter.
func PostgresTypeLetter(oid uint32) byte {
	switch oid {
	case 20, 21, 23, 26: // int8, int2, int4, oid
		return 'I'
	case 700, 701, 1700: // float4, float8, numeric
		return 'R'
	case 16: // bool
		return 'B'
	case 1082, 1083, 1114, 1184, 1266: // date, time, timestamp, timestamptz, timetz
		return 'D'
	}
	return 'T'
}
