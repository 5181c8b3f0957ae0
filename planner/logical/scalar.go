package logical

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/tern-db/tern/catalog"
)

// ValueScalar converts a literal value of type t (Literal's representation) into the Arrow
// scalar the executor holds for it, so that constants can be evaluated by the executor's
// kernels (the function registry's folding evaluator). An untyped literal is text. ok is
// false for values not in their type's representation.
func ValueScalar(t catalog.Type, v any) (scalar.Scalar, bool) {
	if t.Kind == catalog.TypeUnknown {
		t = catalog.Text
	}
	dt := t.Arrow()
	if v == nil {
		return scalar.MakeNullScalar(dt), true
	}
	switch t.Kind {
	case catalog.TypeArray:
		return nil, false // array constants stay expressions (never folded to literals)
	case catalog.TypeBool:
		b, ok := v.(bool)
		return scalar.NewBooleanScalar(b), ok
	case catalog.TypeInt16, catalog.TypeInt32, catalog.TypeInt64:
		i, ok := v.(int64)
		switch t.Kind {
		case catalog.TypeInt16:
			return scalar.NewInt16Scalar(int16(i)), ok && int64(int16(i)) == i
		case catalog.TypeInt32:
			return scalar.NewInt32Scalar(int32(i)), ok && int64(int32(i)) == i
		}
		return scalar.NewInt64Scalar(i), ok
	case catalog.TypeFloat32:
		f, ok := v.(float64)
		return scalar.NewFloat32Scalar(float32(f)), ok
	case catalog.TypeFloat64:
		f, ok := v.(float64)
		return scalar.NewFloat64Scalar(f), ok
	case catalog.TypeNumeric:
		n, ok := v.(decimal128.Num)
		return scalar.NewDecimal128Scalar(n, dt), ok
	case catalog.TypeText, catalog.TypeJSON, catalog.TypeJSONB:
		s, ok := v.(string)
		return scalar.NewStringScalar(s), ok
	case catalog.TypeDate:
		d, ok := v.(int32)
		return scalar.NewDate32Scalar(arrow.Date32(d)), ok
	case catalog.TypeTimestamp, catalog.TypeTimestampTZ:
		us, ok := v.(int64)
		return scalar.NewTimestampScalar(arrow.Timestamp(us), dt), ok
	case catalog.TypeInterval:
		iv, ok := v.(Interval)
		return scalar.NewMonthDayNanoIntervalScalar(arrow.MonthDayNanoInterval{
			Months: iv.Months, Days: iv.Days, Nanoseconds: iv.Micros * 1000}), ok
	}
	return nil, false
}

// ScalarValue is ValueScalar's inverse: the literal value of type t that s holds. ok is false
// when s's Arrow type is not t's (a kernel that answered another type than the planner
// expects: such a constant is left for the executor).
func ScalarValue(t catalog.Type, s scalar.Scalar) (any, bool) {
	if !arrow.TypeEqual(s.DataType(), t.Arrow()) {
		return nil, false
	}
	if !s.IsValid() {
		return nil, true
	}
	switch v := s.(type) {
	case *scalar.Boolean:
		return v.Value, true
	case *scalar.Int16:
		return int64(v.Value), true
	case *scalar.Int32:
		return int64(v.Value), true
	case *scalar.Int64:
		return v.Value, true
	case *scalar.Float32:
		return float64(v.Value), true
	case *scalar.Float64:
		return v.Value, true
	case *scalar.Decimal128:
		return v.Value, true
	case *scalar.String:
		return string(v.Data()), true
	case *scalar.Date32:
		return int32(v.Value), true
	case *scalar.Timestamp:
		return int64(v.Value), true
	case *scalar.MonthDayNanoInterval:
		return Interval{Months: v.Value.Months, Days: v.Value.Days, Micros: v.Value.Nanoseconds / 1000}, true
	}
	return nil, false
}
