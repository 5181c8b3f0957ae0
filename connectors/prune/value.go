package prune

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/tern-db/tern/catalog"
)

// Kind is the comparison domain of a Value.
type Kind uint8

const (
	KindNone    Kind = iota // unknown / absent
	KindInt                 // smallint, integer, bigint, date (days), timestamp[tz] (microseconds)
	KindFloat               // real, double precision
	KindString              // text (byte order, as PostgreSQL's C collation)
	KindBool                // false < true
	KindDecimal             // numeric: unscaled value at the column's scale
)

// Value is one statistic or literal value in a column's comparison domain.
type Value struct {
	Kind Kind
	I    int64
	F    float64
	S    string
	D    decimal128.Num
}

// Int, Float, String, Bool and Decimal build values.
func Int(v int64) Value              { return Value{Kind: KindInt, I: v} }
func Float(v float64) Value          { return Value{Kind: KindFloat, F: v} }
func String(v string) Value          { return Value{Kind: KindString, S: v} }
func Decimal(v decimal128.Num) Value { return Value{Kind: KindDecimal, D: v} }
func Bool(v bool) Value {
	if v {
		return Value{Kind: KindBool, I: 1}
	}
	return Value{Kind: KindBool}
}

// KindOf returns the comparison domain of a column type.
func KindOf(t catalog.Type) Kind {
	switch t.Kind {
	case catalog.TypeInt16, catalog.TypeInt32, catalog.TypeInt64, catalog.TypeDate,
		catalog.TypeTimestamp, catalog.TypeTimestampTZ:
		return KindInt
	case catalog.TypeFloat32, catalog.TypeFloat64:
		return KindFloat
	case catalog.TypeText:
		return KindString
	case catalog.TypeBool:
		return KindBool
	case catalog.TypeNumeric:
		return KindDecimal
	}
	return KindNone
}

// Compare orders two values of the same kind (-1, 0, 1). Values of different kinds compare
// as equal, which never prunes anything.
func Compare(a, b Value) int {
	if a.Kind != b.Kind {
		return 0
	}
	switch a.Kind {
	case KindInt, KindBool:
		return cmp3(a.I, b.I)
	case KindFloat:
		return cmp3(a.F, b.F)
	case KindString:
		return strings.Compare(a.S, b.S)
	case KindDecimal:
		return a.D.Cmp(b.D)
	}
	return 0
}

func cmp3[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// maxStringStat bounds the string statistics kept in the catalog: longer minimums are cut
// (still a lower bound), longer maximums are dropped (unknown).
const maxStringStat = 128

// Encode renders v for catalog.ColumnStats ("" for KindNone).
func (v Value) Encode() string {
	switch v.Kind {
	case KindInt:
		return "i:" + strconv.FormatInt(v.I, 10)
	case KindBool:
		return "b:" + strconv.FormatInt(v.I, 10)
	case KindFloat:
		return "f:" + strconv.FormatFloat(v.F, 'g', -1, 64)
	case KindString:
		return "s:" + v.S
	case KindDecimal:
		return fmt.Sprintf("d:%d:%d", v.D.HighBits(), v.D.LowBits())
	}
	return ""
}

// Decode parses an encoded value; "" or anything malformed is KindNone.
func Decode(s string) Value {
	if len(s) < 2 || s[1] != ':' {
		return Value{}
	}
	body := s[2:]
	switch s[0] {
	case 'i', 'b':
		n, err := strconv.ParseInt(body, 10, 64)
		if err != nil {
			return Value{}
		}
		if s[0] == 'b' {
			return Value{Kind: KindBool, I: n}
		}
		return Int(n)
	case 'f':
		f, err := strconv.ParseFloat(body, 64)
		if err != nil || math.IsNaN(f) {
			return Value{}
		}
		return Float(f)
	case 's':
		return String(body)
	case 'd':
		var hi int64
		var lo uint64
		if _, err := fmt.Sscanf(body, "%d:%d", &hi, &lo); err != nil {
			return Value{}
		}
		return Decimal(decimal128.New(hi, lo))
	}
	return Value{}
}

// String renders v for messages and EXPLAIN.
func (v Value) String() string {
	switch v.Kind {
	case KindInt:
		return strconv.FormatInt(v.I, 10)
	case KindBool:
		return strconv.FormatBool(v.I != 0)
	case KindFloat:
		return strconv.FormatFloat(v.F, 'g', -1, 64)
	case KindString:
		return strconv.Quote(v.S)
	case KindDecimal:
		return v.D.BigInt().String()
	}
	return "?"
}
