package catalog

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/proto/errs"
)

// TypeKind is a SQL type family as Tern stores it.
type TypeKind uint8

const (
	TypeUnknown TypeKind = iota
	TypeBool
	TypeInt16
	TypeInt32
	TypeInt64
	TypeFloat32
	TypeFloat64
	TypeNumeric // exact decimal with Precision and Scale
	TypeText    // VARCHAR(n), CHAR(n) and TEXT; Precision holds n (0: unbounded); Scale 1 marks CHAR(n)
	TypeDate
	TypeTimestamp   // without time zone, microseconds
	TypeTimestampTZ // with time zone, stored as UTC microseconds
	TypeInterval    // month-day-nano
	// TypeArray is a one-dimensional array whose elements have kind Elem (and the
	// element's Precision/Scale); see ArrayOf.
	TypeArray
	TypeJSON  // json: the input text, validated (types_json.go)
	TypeJSONB // jsonb: PostgreSQL's normalized text (types_json.go)
)

// Type is a column's SQL type. The zero value is unknown.
type Type struct {
	Kind      TypeKind
	Precision int32
	Scale     int32
	// Elem is an array's element kind (Kind == TypeArray); zero otherwise. Arrays of arrays
	// are not types of their own in PostgreSQL (int[][] is int[]), so one level suffices.
	Elem TypeKind `json:",omitempty"`
}

// ArrayOf is the array type with elements of type e (an array's own array is itself).
func ArrayOf(e Type) Type {
	if e.Kind == TypeArray {
		return e
	}
	return Type{Kind: TypeArray, Elem: e.Kind, Precision: e.Precision, Scale: e.Scale}
}

// IsArray reports an array type.
func (t Type) IsArray() bool { return t.Kind == TypeArray }

// ElemType is an array's element type (t itself for other types).
func (t Type) ElemType() Type {
	if t.Kind != TypeArray {
		return t
	}
	return Type{Kind: t.Elem, Precision: t.Precision, Scale: t.Scale}
}

// Common types, for brevity at call sites.
var (
	Bool        = Type{Kind: TypeBool}
	Int16       = Type{Kind: TypeInt16}
	Int32       = Type{Kind: TypeInt32}
	Int64       = Type{Kind: TypeInt64}
	Float32     = Type{Kind: TypeFloat32}
	Float64     = Type{Kind: TypeFloat64}
	Text        = Type{Kind: TypeText}
	Date        = Type{Kind: TypeDate}
	Timestamp   = Type{Kind: TypeTimestamp}
	TimestampTZ = Type{Kind: TypeTimestampTZ}
	Interval    = Type{Kind: TypeInterval}
)

// DefaultNumericPrecision/Scale are used for NUMERIC without a type modifier. PostgreSQL's
// unconstrained numeric has no fixed scale; Decimal128 needs one.
const (
	MaxNumericPrecision     = 38
	DefaultNumericPrecision = 38
	DefaultNumericScale     = 10
)

// Char returns CHAR(n) (bpchar): text blank-padded to n characters, trailing spaces
// insignificant. It is TypeText with Scale 1 (text has no scale), so every text rule applies
// unless a rule asks IsChar; n 0 is bpchar without a length (no padding).
func Char(n int32) Type { return Type{Kind: TypeText, Precision: n, Scale: 1} }

// IsChar reports CHAR(n).
func (t Type) IsChar() bool { return t.Kind == TypeText && t.Scale == 1 }

// Numeric returns NUMERIC(p,s).
func Numeric(p, s int32) Type { return Type{Kind: TypeNumeric, Precision: p, Scale: s} }

// String renders the type as PostgreSQL names it.
func (t Type) String() string {
	switch t.Kind {
	case TypeBool:
		return "boolean"
	case TypeInt16:
		return "smallint"
	case TypeInt32:
		return "integer"
	case TypeInt64:
		return "bigint"
	case TypeFloat32:
		return "real"
	case TypeFloat64:
		return "double precision"
	case TypeNumeric:
		return fmt.Sprintf("numeric(%d,%d)", t.Precision, t.Scale)
	case TypeText:
		if t.IsChar() {
			if t.Precision > 0 {
				return fmt.Sprintf("character(%d)", t.Precision)
			}
			return "bpchar"
		}
		if t.Precision > 0 {
			return fmt.Sprintf("character varying(%d)", t.Precision)
		}
		return "text"
	case TypeDate:
		return "date"
	case TypeTimestamp:
		return "timestamp without time zone"
	case TypeTimestampTZ:
		return "timestamp with time zone"
	case TypeInterval:
		return "interval"
	case TypeArray:
		return t.ElemType().String() + "[]"
	case TypeJSON:
		return "json"
	case TypeJSONB:
		return "jsonb"
	}
	return "unknown"
}

// Arrow returns the Arrow type that carries values of t everywhere in Tern.
func (t Type) Arrow() arrow.DataType {
	switch t.Kind {
	case TypeBool:
		return arrow.FixedWidthTypes.Boolean
	case TypeInt16:
		return arrow.PrimitiveTypes.Int16
	case TypeInt32:
		return arrow.PrimitiveTypes.Int32
	case TypeInt64:
		return arrow.PrimitiveTypes.Int64
	case TypeFloat32:
		return arrow.PrimitiveTypes.Float32
	case TypeFloat64:
		return arrow.PrimitiveTypes.Float64
	case TypeNumeric:
		return &arrow.Decimal128Type{Precision: t.Precision, Scale: t.Scale}
	case TypeText, TypeJSON, TypeJSONB:
		return arrow.BinaryTypes.String
	case TypeDate:
		return arrow.FixedWidthTypes.Date32
	case TypeTimestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case TypeTimestampTZ:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case TypeInterval:
		return arrow.FixedWidthTypes.MonthDayNanoInterval
	case TypeArray:
		// list (32-bit offsets, not large_list): a PostgreSQL array holds at most 2^27
		// elements, pqarrow reads Parquet LISTs back as list, and one batch of arrays stays
		// far below 2^31 elements. Elements are nullable: arrays hold NULLs.
		return arrow.ListOfField(arrow.Field{Name: "item", Type: t.ElemType().Arrow(), Nullable: true})
	}
	return arrow.Null
}

// TypeFromArrow maps an Arrow type (from a Parquet file, an ingest or a client's parameters)
// onto the SQL type Tern uses for it.
func TypeFromArrow(dt arrow.DataType) (Type, error) {
	switch dt := dt.(type) {
	case *arrow.BooleanType:
		return Bool, nil
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Uint8Type:
		return Int16, nil
	case *arrow.Int32Type, *arrow.Uint16Type:
		return Int32, nil
	case *arrow.Int64Type, *arrow.Uint32Type:
		return Int64, nil
	case *arrow.Uint64Type:
		return Numeric(20, 0), nil
	case *arrow.Float16Type, *arrow.Float32Type:
		return Float32, nil
	case *arrow.Float64Type:
		return Float64, nil
	case *arrow.Decimal128Type:
		return Numeric(dt.Precision, dt.Scale), nil
	case *arrow.Decimal32Type:
		return Numeric(dt.Precision, dt.Scale), nil
	case *arrow.Decimal64Type:
		return Numeric(dt.Precision, dt.Scale), nil
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		return Text, nil
	case *arrow.Date32Type, *arrow.Date64Type:
		return Date, nil
	case *arrow.TimestampType:
		if dt.TimeZone != "" {
			return TimestampTZ, nil
		}
		return Timestamp, nil
	case *arrow.MonthDayNanoIntervalType:
		return Interval, nil
	case *arrow.DictionaryType:
		return TypeFromArrow(dt.ValueType)
	case arrow.ListLikeType:
		if dt.ID() == arrow.LIST || dt.ID() == arrow.LARGE_LIST || dt.ID() == arrow.FIXED_SIZE_LIST || dt.ID() == arrow.LIST_VIEW {
			e, err := TypeFromArrow(dt.Elem())
			if err != nil {
				return Type{}, err
			}
			if e.Kind == TypeArray {
				return Type{}, errs.Errorf(errs.ErrNotSupported, "arrow type %s: arrays of arrays have no SQL type in Tern", dt)
			}
			return ArrayOf(e), nil
		}
	case arrow.ExtensionType:
		return typeFromExtension(dt)
	}
	return Type{}, errs.Errorf(errs.ErrNotSupported, "arrow type %s has no SQL type in Tern", dt)
}
