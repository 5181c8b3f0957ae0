package flightnodes

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/tern-db/tern/proto/errs"
)

// arrowType maps a Substrait type onto the Arrow type Tern carries it in.
func arrowType(t *substraitpb.Type) (arrow.DataType, error) {
	if t == nil || t.GetKind() == nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "missing type")
	}
	switch k := t.GetKind().(type) {
	case *substraitpb.Type_Bool:
		return arrow.FixedWidthTypes.Boolean, nil
	case *substraitpb.Type_I8_:
		return arrow.PrimitiveTypes.Int8, nil
	case *substraitpb.Type_I16_:
		return arrow.PrimitiveTypes.Int16, nil
	case *substraitpb.Type_I32_:
		return arrow.PrimitiveTypes.Int32, nil
	case *substraitpb.Type_I64_:
		return arrow.PrimitiveTypes.Int64, nil
	case *substraitpb.Type_Fp32:
		return arrow.PrimitiveTypes.Float32, nil
	case *substraitpb.Type_Fp64:
		return arrow.PrimitiveTypes.Float64, nil
	case *substraitpb.Type_String_, *substraitpb.Type_Varchar, *substraitpb.Type_FixedChar_:
		return arrow.BinaryTypes.String, nil
	case *substraitpb.Type_Binary_, *substraitpb.Type_FixedBinary_:
		return arrow.BinaryTypes.Binary, nil
	case *substraitpb.Type_Decimal_:
		p, s := k.Decimal.GetPrecision(), k.Decimal.GetScale()
		if p == 0 {
			p = 38
		}
		if p < 1 || p > 38 || s < 0 || s > p {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "invalid decimal(%d,%d)", p, s)
		}
		return &arrow.Decimal128Type{Precision: p, Scale: s}, nil
	case *substraitpb.Type_Date_:
		return arrow.FixedWidthTypes.Date32, nil
	case *substraitpb.Type_Timestamp_:
		return &arrow.TimestampType{Unit: arrow.Microsecond}, nil
	case *substraitpb.Type_TimestampTz:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, nil
	case *substraitpb.Type_PrecisionTimestamp_:
		u, err := timeUnit(k.PrecisionTimestamp.GetPrecision())
		if err != nil {
			return nil, err
		}
		return &arrow.TimestampType{Unit: u}, nil
	case *substraitpb.Type_PrecisionTimestampTz:
		u, err := timeUnit(k.PrecisionTimestampTz.GetPrecision())
		if err != nil {
			return nil, err
		}
		return &arrow.TimestampType{Unit: u, TimeZone: "UTC"}, nil
	case *substraitpb.Type_Time_:
		return arrow.FixedWidthTypes.Time64us, nil
	case *substraitpb.Type_IntervalDay_, *substraitpb.Type_IntervalYear_, *substraitpb.Type_IntervalCompound_:
		return arrow.FixedWidthTypes.MonthDayNanoInterval, nil
	case *substraitpb.Type_List_:
		// Tern's arrays: list<item: element, nullable> (catalog.Type.Arrow)
		et, err := arrowType(k.List.GetType())
		if err != nil {
			return nil, err
		}
		if et.ID() == arrow.LIST {
			return nil, errs.Errorf(errs.ErrNotSupported, "lists of lists (multidimensional arrays)")
		}
		return arrow.ListOfField(arrow.Field{Name: "item", Type: et, Nullable: true}), nil
	}
	return nil, errs.Errorf(errs.ErrNotSupported, "Substrait type %s", kindName(t.GetKind()))
}

func kindName(v any) string {
	s := fmt.Sprintf("%T", v)
	s = strings.TrimPrefix(s, "*substraitpb.")
	s = strings.TrimPrefix(s, "Type_")
	s = strings.TrimPrefix(s, "Expression_Literal_")
	return strings.TrimSuffix(s, "_")
}

func timeUnit(precision int32) (arrow.TimeUnit, error) {
	switch precision {
	case 0:
		return arrow.Second, nil
	case 3:
		return arrow.Millisecond, nil
	case 6:
		return arrow.Microsecond, nil
	case 9:
		return arrow.Nanosecond, nil
	}
	return 0, errs.Errorf(errs.ErrNotSupported, "timestamp precision %d", precision)
}

// schemaOf converts a NamedStruct (flat: nested struct names are not supported).
func schemaOf(ns *substraitpb.NamedStruct) (*arrow.Schema, error) {
	if ns == nil || ns.GetStruct() == nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "read relation without base_schema")
	}
	types := ns.GetStruct().GetTypes()
	names := ns.GetNames()
	if len(names) != len(types) {
		return nil, errs.Errorf(errs.ErrNotSupported, "base_schema with %d names for %d columns (nested types)", len(names), len(types))
	}
	fields := make([]arrow.Field, len(types))
	for i, t := range types {
		dt, err := arrowType(t)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", names[i], err)
		}
		fields[i] = arrow.Field{Name: names[i], Type: dt, Nullable: nullability(t) != substraitpb.Type_NULLABILITY_REQUIRED}
	}
	return arrow.NewSchema(fields, nil), nil
}

// nullability reads the nullability of any simple type.
func nullability(t *substraitpb.Type) substraitpb.Type_Nullability {
	switch k := t.GetKind().(type) {
	case *substraitpb.Type_Bool:
		return k.Bool.GetNullability()
	case *substraitpb.Type_I8_:
		return k.I8.GetNullability()
	case *substraitpb.Type_I16_:
		return k.I16.GetNullability()
	case *substraitpb.Type_I32_:
		return k.I32.GetNullability()
	case *substraitpb.Type_I64_:
		return k.I64.GetNullability()
	case *substraitpb.Type_Fp32:
		return k.Fp32.GetNullability()
	case *substraitpb.Type_Fp64:
		return k.Fp64.GetNullability()
	case *substraitpb.Type_String_:
		return k.String_.GetNullability()
	case *substraitpb.Type_Varchar:
		return k.Varchar.GetNullability()
	case *substraitpb.Type_Decimal_:
		return k.Decimal.GetNullability()
	case *substraitpb.Type_Date_:
		return k.Date.GetNullability()
	case *substraitpb.Type_PrecisionTimestamp_:
		return k.PrecisionTimestamp.GetNullability()
	case *substraitpb.Type_PrecisionTimestampTz:
		return k.PrecisionTimestampTz.GetNullability()
	case *substraitpb.Type_List_:
		return k.List.GetNullability()
	}
	return substraitpb.Type_NULLABILITY_NULLABLE
}

// literalScalar converts a Substrait literal into an Arrow scalar.
func literalScalar(l *substraitpb.Expression_Literal) (scalar.Scalar, error) {
	if l == nil || l.GetLiteralType() == nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "empty literal")
	}
	switch v := l.GetLiteralType().(type) {
	case *substraitpb.Expression_Literal_Boolean:
		return scalar.NewBooleanScalar(v.Boolean), nil
	case *substraitpb.Expression_Literal_I8:
		return scalar.NewInt8Scalar(int8(v.I8)), nil
	case *substraitpb.Expression_Literal_I16:
		return scalar.NewInt16Scalar(int16(v.I16)), nil
	case *substraitpb.Expression_Literal_I32:
		return scalar.NewInt32Scalar(v.I32), nil
	case *substraitpb.Expression_Literal_I64:
		return scalar.NewInt64Scalar(v.I64), nil
	case *substraitpb.Expression_Literal_Fp32:
		return scalar.NewFloat32Scalar(v.Fp32), nil
	case *substraitpb.Expression_Literal_Fp64:
		return scalar.NewFloat64Scalar(v.Fp64), nil
	case *substraitpb.Expression_Literal_String_:
		return scalar.NewStringScalar(v.String_), nil
	case *substraitpb.Expression_Literal_VarChar_:
		return scalar.NewStringScalar(v.VarChar.GetValue()), nil
	case *substraitpb.Expression_Literal_FixedChar:
		return scalar.NewStringScalar(v.FixedChar), nil
	case *substraitpb.Expression_Literal_Binary:
		return scalar.NewBinaryScalar(memory.NewBufferBytes(v.Binary), arrow.BinaryTypes.Binary), nil
	case *substraitpb.Expression_Literal_Date:
		return scalar.NewDate32Scalar(arrow.Date32(v.Date)), nil
	case *substraitpb.Expression_Literal_Timestamp:
		return scalar.NewTimestampScalar(arrow.Timestamp(v.Timestamp), &arrow.TimestampType{Unit: arrow.Microsecond}), nil
	case *substraitpb.Expression_Literal_TimestampTz:
		return scalar.NewTimestampScalar(arrow.Timestamp(v.TimestampTz), &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}), nil
	case *substraitpb.Expression_Literal_PrecisionTimestamp_:
		u, err := timeUnit(v.PrecisionTimestamp.GetPrecision())
		if err != nil {
			return nil, err
		}
		return scalar.NewTimestampScalar(arrow.Timestamp(v.PrecisionTimestamp.GetValue()), &arrow.TimestampType{Unit: u}), nil
	case *substraitpb.Expression_Literal_PrecisionTimestampTz:
		u, err := timeUnit(v.PrecisionTimestampTz.GetPrecision())
		if err != nil {
			return nil, err
		}
		return scalar.NewTimestampScalar(arrow.Timestamp(v.PrecisionTimestampTz.GetValue()), &arrow.TimestampType{Unit: u, TimeZone: "UTC"}), nil
	case *substraitpb.Expression_Literal_Decimal_:
		d := v.Decimal
		b := d.GetValue()
		if len(b) != 16 {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "decimal literal of %d bytes (want 16)", len(b))
		}
		p, s := d.GetPrecision(), d.GetScale()
		if p < 1 || p > 38 || s < 0 || s > p {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "invalid decimal(%d,%d) literal", p, s)
		}
		n := decimal128.New(int64(binary.LittleEndian.Uint64(b[8:])), binary.LittleEndian.Uint64(b[:8]))
		return scalar.NewDecimal128Scalar(n, &arrow.Decimal128Type{Precision: p, Scale: s}), nil
	case *substraitpb.Expression_Literal_IntervalYearToMonth_:
		m := v.IntervalYearToMonth.GetYears()*12 + v.IntervalYearToMonth.GetMonths()
		return scalar.NewMonthDayNanoIntervalScalar(arrow.MonthDayNanoInterval{Months: m}), nil
	case *substraitpb.Expression_Literal_IntervalDayToSecond_:
		return scalar.NewMonthDayNanoIntervalScalar(dayToSecond(v.IntervalDayToSecond, 0)), nil
	case *substraitpb.Expression_Literal_IntervalCompound_:
		ym := v.IntervalCompound.GetIntervalYearToMonth()
		return scalar.NewMonthDayNanoIntervalScalar(dayToSecond(v.IntervalCompound.GetIntervalDayToSecond(), ym.GetYears()*12+ym.GetMonths())), nil
	case *substraitpb.Expression_Literal_Null:
		dt, err := arrowType(v.Null)
		if err != nil {
			return nil, err
		}
		return scalar.MakeNullScalar(dt), nil
	}
	return nil, errs.Errorf(errs.ErrNotSupported, "Substrait literal %s", kindName(l.GetLiteralType()))
}

func dayToSecond(d *substraitpb.Expression_Literal_IntervalDayToSecond, months int32) arrow.MonthDayNanoInterval {
	nanos := int64(d.GetSeconds()) * 1e9
	prec := int32(6) // deprecated microseconds field
	if p, ok := d.GetPrecisionMode().(*substraitpb.Expression_Literal_IntervalDayToSecond_Precision); ok {
		prec = p.Precision
	}
	sub := d.GetSubseconds()
	if m, ok := d.GetPrecisionMode().(*substraitpb.Expression_Literal_IntervalDayToSecond_Microseconds); ok {
		sub, prec = int64(m.Microseconds), 6
	}
	for p := prec; p < 9; p++ {
		sub *= 10
	}
	for p := prec; p > 9; p-- {
		sub /= 10
	}
	return arrow.MonthDayNanoInterval{Months: months, Days: d.GetDays(), Nanoseconds: nanos + sub}
}
