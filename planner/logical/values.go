package logical

import (
	"context"
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/functions"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

var epoch = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// FormatValue renders a literal value of type t as PostgreSQL would print it.
func FormatValue(t catalog.Type, v any) string {
	if v == nil {
		return "NULL"
	}
	switch t.Kind {
	case catalog.TypeBool:
		if v.(bool) {
			return "true"
		}
		return "false"
	case catalog.TypeInt16, catalog.TypeInt32, catalog.TypeInt64:
		return strconv.FormatInt(v.(int64), 10)
	case catalog.TypeFloat32:
		return strconv.FormatFloat(v.(float64), 'g', -1, 32)
	case catalog.TypeFloat64:
		return strconv.FormatFloat(v.(float64), 'g', -1, 64)
	case catalog.TypeNumeric:
		return v.(decimal128.Num).ToString(t.Scale)
	case catalog.TypeDate:
		return epoch.AddDate(0, 0, int(v.(int32))).Format("2006-01-02")
	case catalog.TypeTimestamp:
		return time.UnixMicro(v.(int64)).UTC().Format("2006-01-02 15:04:05.999999")
	case catalog.TypeTimestampTZ:
		return time.UnixMicro(v.(int64)).UTC().Format("2006-01-02 15:04:05.999999Z07")
	case catalog.TypeText, catalog.TypeUnknown:
		return "'" + strings.ReplaceAll(v.(string), "'", "''") + "'"
	case catalog.TypeInterval:
		return "'" + FormatInterval(v.(Interval)) + "'"
	case catalog.TypeJSON, catalog.TypeJSONB:
		return "'" + strings.ReplaceAll(v.(string), "'", "''") + "'::" + t.String()
	}
	return "?"
}

func invalidInput(t catalog.Type, s string) error {
	return Errorf(errs.ErrInvalidArgument, "invalid input syntax for type %s: %q", BaseTypeName(t), s)
}

// BaseTypeName names a type without its modifiers, as PostgreSQL's input errors do.
func BaseTypeName(t catalog.Type) string {
	switch t.Kind {
	case catalog.TypeNumeric:
		return "numeric"
	case catalog.TypeText:
		if t.Precision > 0 {
			return "character varying"
		}
		return "text"
	case catalog.TypeUnknown:
		return "unknown"
	case catalog.TypeTimestamp:
		return "timestamp"
	}
	return t.String()
}

func outOfRange(t catalog.Type) error {
	switch t.Kind {
	case catalog.TypeInt16:
		return Errorf(errs.ErrInvalidArgument, "smallint out of range")
	case catalog.TypeInt32:
		return Errorf(errs.ErrInvalidArgument, "integer out of range")
	case catalog.TypeInt64:
		return Errorf(errs.ErrInvalidArgument, "bigint out of range")
	case catalog.TypeNumeric:
		return Errorf(errs.ErrInvalidArgument, "numeric field overflow")
	}
	return Errorf(errs.ErrInvalidArgument, "value out of range for type %s", typeName(t))
}

func intRange(t catalog.Type, v int64) error {
	switch t.Kind {
	case catalog.TypeInt16:
		if v < math.MinInt16 || v > math.MaxInt16 {
			return outOfRange(t)
		}
	case catalog.TypeInt32:
		if v < math.MinInt32 || v > math.MaxInt32 {
			return outOfRange(t)
		}
	}
	return nil
}

// ParseValue converts the text s into a value of type t, as PostgreSQL's input functions do.
func ParseValue(s string, t catalog.Type) (any, error) {
	raw := s
	s = strings.TrimSpace(s)
	switch t.Kind {
	case catalog.TypeUnknown:
		return raw, nil
	case catalog.TypeText:
		return raw, nil
	case catalog.TypeJSON:
		return raw, exec.ValidateJSON(raw) // json keeps its input text
	case catalog.TypeJSONB:
		return exec.NormalizeJSON(raw)
	case catalog.TypeBool:
		switch strings.ToLower(s) {
		case "t", "true", "yes", "y", "on", "1":
			return true, nil
		case "f", "false", "no", "n", "off", "0":
			return false, nil
		}
		return nil, invalidInput(t, raw)
	case catalog.TypeInt16, catalog.TypeInt32, catalog.TypeInt64:
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return nil, Errorf(errs.ErrInvalidArgument, "value %q is out of range for type %s", raw, typeName(t))
			}
			return nil, invalidInput(t, raw)
		}
		if intRange(t, v) != nil {
			return nil, Errorf(errs.ErrInvalidArgument, "value %q is out of range for type %s", raw, typeName(t))
		}
		return v, nil
	case catalog.TypeFloat32, catalog.TypeFloat64:
		bits := 64
		if t.Kind == catalog.TypeFloat32 {
			bits = 32
		}
		switch strings.ToLower(s) {
		case "nan":
			return math.NaN(), nil
		case "infinity", "inf", "+infinity":
			return math.Inf(1), nil
		case "-infinity", "-inf":
			return math.Inf(-1), nil
		}
		v, err := strconv.ParseFloat(s, bits)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return nil, Errorf(errs.ErrInvalidArgument, "\"%s\" is out of range for type %s", strings.TrimSpace(raw), typeName(t))
			}
			return nil, invalidInput(t, raw)
		}
		return v, nil
	case catalog.TypeNumeric:
		return parseNumeric(s, raw, t)
	case catalog.TypeInterval:
		return parseInterval(s, IntervalFieldName(t.Precision))
	case catalog.TypeDate:
		tm, err := parseTime(s, false)
		if err != nil {
			return nil, timeInputError(t, raw, err)
		}
		days := tm.Unix() / 86400
		if tm.Unix() < 0 && tm.Unix()%86400 != 0 {
			days--
		}
		return int32(days), nil
	case catalog.TypeTimestamp, catalog.TypeTimestampTZ:
		tm, err := parseTime(s, t.Kind == catalog.TypeTimestampTZ)
		if err != nil {
			return nil, timeInputError(t, raw, err)
		}
		return tm.UnixMicro(), nil
	}
	return nil, Errorf(errs.ErrNotSupported, "values of type %s are not supported yet", typeName(t))
}

// timeInputError words a date/time parse failure as PostgreSQL: a well-formed value with a
// field out of range (February 30th, hour 25) is "field value out of range".
func timeInputError(t catalog.Type, raw string, err error) error {
	if err != nil && strings.Contains(err.Error(), "out of range") {
		return Errorf(errs.ErrInvalidArgument, "date/time field value out of range: %q", raw)
	}
	return invalidInput(t, raw)
}

func parseNumeric(s, raw string, t catalog.Type) (any, error) {
	r, ok := new(big.Rat).SetString(s)
	if !ok || strings.ContainsAny(s, "/") {
		return nil, invalidInput(t, raw)
	}
	return RatToDecimal(r, t)
}

// RatToDecimal rounds r half away from zero to t's scale and checks t's precision.
func RatToDecimal(r *big.Rat, t catalog.Type) (any, error) {
	scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(t.Scale)), nil)))
	num, den := scaled.Num(), scaled.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	// round half away from zero
	if new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2)).Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(t.Precision)), nil)
	if new(big.Int).Abs(q).Cmp(limit) >= 0 {
		return nil, outOfRange(t)
	}
	return decimal128.FromBigInt(q), nil
}

// DecimalToRat converts a scaled decimal to a rational.
func DecimalToRat(n decimal128.Num, scale int32) *big.Rat {
	return new(big.Rat).SetFrac(n.BigInt(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
}

var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02",
}

func parseTime(s string, tz bool) (time.Time, error) {
	var last, rangeErr error
	for _, l := range timeLayouts {
		tm, err := time.Parse(l, s)
		if err == nil {
			if !tz {
				// timestamp without time zone ignores a zone written in the literal, as PostgreSQL
				y, mo, d := tm.Date()
				return time.Date(y, mo, d, tm.Hour(), tm.Minute(), tm.Second(), tm.Nanosecond(), time.UTC), nil
			}
			return tm.UTC(), nil
		}
		last = err
		if strings.Contains(err.Error(), "out of range") && rangeErr == nil {
			rangeErr = err
		}
	}
	if rangeErr != nil {
		return time.Time{}, rangeErr
	}
	return time.Time{}, last
}

// CastValue converts a value of type from into type to (explicit cast rules). Text and
// untyped literals are read by the type's input function (ParseValue, PostgreSQL's I/O
// conversion); every other cast is the executor's cast kernel, run over one row through the
// function registry, so a constant cast and a column cast never disagree.
func CastValue(v any, from, to catalog.Type) (any, error) {
	if v == nil {
		return nil, nil
	}
	if from.Kind == catalog.TypeUnknown || from.Kind == catalog.TypeText {
		s, ok := v.(string)
		if !ok {
			return nil, Errorf(errs.ErrInternal, "literal of type %s holds a %T", typeName(from), v)
		}
		if to.Kind == catalog.TypeText {
			return varcharExplicit(s, to)
		}
		out, err := ParseValue(s, to)
		if err == nil && to.Kind == catalog.TypeFloat32 {
			if f, ok := out.(float64); ok {
				out = float64(float32(f)) // real keeps single precision
			}
		}
		return out, err
	}
	if intWidth(from) > 0 && intWidth(from) <= intWidth(to) {
		// widening between integer types changes no value (all are int64 here): no kernel
		// needed, and a million-literal IN list plans without a million kernel runs
		return v, nil
	}
	in, ok := ValueScalar(from, v)
	if !ok {
		return nil, Errorf(errs.ErrInternal, "literal of type %s holds a %T", typeName(from), v)
	}
	r, err := functions.EvalCast(context.Background(), in, to.Arrow())
	if errors.Is(err, errs.ErrNotSupported) {
		// no kernel: PostgreSQL has no such cast either
		return nil, Errorf(errs.ErrInvalidArgument, "cannot cast type %s to %s", typeName(from), typeName(to))
	}
	if err != nil {
		return nil, err
	}
	out, ok := ScalarValue(to, r)
	if !ok {
		return nil, Errorf(errs.ErrInternal, "cast to %s answered %s", typeName(to), r.DataType())
	}
	if s, isText := out.(string); isText {
		return varcharExplicit(s, to)
	}
	return out, nil
}

func intWidth(t catalog.Type) int {
	switch t.Kind {
	case catalog.TypeInt16:
		return 2
	case catalog.TypeInt32:
		return 4
	case catalog.TypeInt64:
		return 8
	}
	return 0
}

// varcharExplicit applies an explicit cast's length coercion to varchar(n) (truncation), with
// the executor's varchar function.
func varcharExplicit(s string, to catalog.Type) (any, error) {
	if to.Precision <= 0 || len(s) <= int(to.Precision) {
		return s, nil
	}
	f, ok := functions.ByID(proto.FnVarchar)
	if !ok {
		return nil, Errorf(errs.ErrInternal, "varchar is not declared")
	}
	r, err := f.Eval(context.Background(), []scalar.Scalar{scalar.NewStringScalar(s),
		scalar.NewInt32Scalar(to.Precision), scalar.NewBooleanScalar(true)}, arrow.BinaryTypes.String)
	if err != nil {
		return nil, err
	}
	out, _ := ScalarValue(catalog.Text, r)
	return out, nil
}
