package substrait

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
	gproto "google.golang.org/protobuf/proto"
)

// consume.go: the consumer's half that needs no catalog. A client's serialized plan is
// checked against size and nesting limits as it is decoded, its extension declarations become
// a table of functions by anchor, and its types and literals become Tern's. Relations and
// expressions are bound by the planner (planner/bind_substrait.go), with the binder's name
// resolution and type rules, exactly as SQL is.

const (
	// MaxPlanBytes bounds a client plan before it is decoded.
	MaxPlanBytes = 16 << 20
	// MaxPlanDepth bounds message nesting while decoding (a relation costs two levels, a
	// function call three): the decoder stops there instead of recursing on.
	MaxPlanDepth = 1000
)

// Decode decodes a client's serialized plan. Bad input is errs.ErrInvalidArgument naming
// what was wrong; nothing is decoded from a plan over MaxPlanBytes.
func Decode(raw []byte) (*pb.Plan, error) {
	if len(raw) == 0 {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "empty Substrait plan")
	}
	if len(raw) > MaxPlanBytes {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "Substrait plan of %d bytes exceeds the limit of %d", len(raw), MaxPlanBytes)
	}
	p := &pb.Plan{}
	opts := gproto.UnmarshalOptions{RecursionLimit: MaxPlanDepth}
	if err := opts.Unmarshal(raw, p); err != nil {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "malformed Substrait plan: %s", strings.TrimPrefix(err.Error(), "proto: "))
	}
	return p, nil
}

// Root returns the plan's single root relation.
func Root(p *pb.Plan) (*pb.RelRoot, error) {
	var root *pb.RelRoot
	for i, r := range p.GetRelations() {
		switch x := r.GetRelType().(type) {
		case *pb.PlanRel_Root:
			if root != nil {
				return nil, logical.Errorf(errs.ErrInvalidArgument, "a Substrait plan has one root relation, this one has several")
			}
			root = x.Root
		case *pb.PlanRel_Rel:
			return nil, logical.Errorf(errs.ErrNotSupported, "Substrait plans with shared relations (plan relation %d) are not supported", i)
		default:
			return nil, logical.Errorf(errs.ErrInvalidArgument, "plan relation %d is empty", i)
		}
	}
	if root == nil || root.GetInput() == nil {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "the Substrait plan has no root relation")
	}
	if len(p.GetParameterBindings()) > 0 {
		return nil, logical.Errorf(errs.ErrNotSupported, "Substrait plans with dynamic parameters are not supported")
	}
	return root, nil
}

// Function is a declared extension function: its extension URN and its name, the part of
// the compound name before ':' (e.g. "add" of "add:i32_i32").
type Function struct {
	URN  string
	Name string
}

// Functions maps function anchors to their declarations.
type Functions map[uint32]Function

// FunctionsOf reads the plan's extension function declarations. Types and type variations
// declared by extensions are refused: Tern has none.
func FunctionsOf(p *pb.Plan) (Functions, error) {
	urns := map[uint32]string{}
	for _, u := range p.GetExtensionUrns() {
		if _, dup := urns[u.GetExtensionUrnAnchor()]; dup {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "extension URN anchor %d is declared twice", u.GetExtensionUrnAnchor())
		}
		urns[u.GetExtensionUrnAnchor()] = u.GetUrn()
	}
	out := Functions{}
	for _, d := range p.GetExtensions() {
		f := d.GetExtensionFunction()
		if f == nil {
			return nil, logical.Errorf(errs.ErrNotSupported, "Substrait extension types and type variations are not supported")
		}
		urn, ok := urns[f.GetExtensionUrnReference()]
		if !ok {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "function %q refers to undeclared extension URN anchor %d", f.GetName(), f.GetExtensionUrnReference())
		}
		if _, dup := out[f.GetFunctionAnchor()]; dup {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "function anchor %d is declared twice", f.GetFunctionAnchor())
		}
		name, _, _ := strings.Cut(f.GetName(), ":")
		out[f.GetFunctionAnchor()] = Function{URN: urn, Name: strings.ToLower(name)}
	}
	return out, nil
}

// FromType converts a Substrait type to Tern's, with its nullability.
func FromType(t *pb.Type) (catalog.Type, bool, error) {
	nullable := func(n pb.Type_Nullability) bool { return n != pb.Type_NULLABILITY_REQUIRED }
	switch k := t.GetKind().(type) {
	case *pb.Type_Bool:
		return catalog.Bool, nullable(k.Bool.GetNullability()), nil
	case *pb.Type_I8_: // Tern's smallest integer
		return catalog.Int16, nullable(k.I8.GetNullability()), nil
	case *pb.Type_I16_:
		return catalog.Int16, nullable(k.I16.GetNullability()), nil
	case *pb.Type_I32_:
		return catalog.Int32, nullable(k.I32.GetNullability()), nil
	case *pb.Type_I64_:
		return catalog.Int64, nullable(k.I64.GetNullability()), nil
	case *pb.Type_Fp32:
		return catalog.Float32, nullable(k.Fp32.GetNullability()), nil
	case *pb.Type_Fp64:
		return catalog.Float64, nullable(k.Fp64.GetNullability()), nil
	case *pb.Type_String_:
		return catalog.Text, nullable(k.String_.GetNullability()), nil
	case *pb.Type_Varchar:
		if k.Varchar.GetLength() < 0 {
			return catalog.Type{}, false, logical.Errorf(errs.ErrInvalidArgument, "varchar length %d", k.Varchar.GetLength())
		}
		return catalog.Type{Kind: catalog.TypeText, Precision: k.Varchar.GetLength()}, nullable(k.Varchar.GetNullability()), nil
	case *pb.Type_FixedChar_:
		return catalog.Text, nullable(k.FixedChar.GetNullability()), nil
	case *pb.Type_Decimal_:
		p, s := k.Decimal.GetPrecision(), k.Decimal.GetScale()
		if p < 1 || p > 38 || s < 0 || s > p {
			return catalog.Type{}, false, logical.Errorf(errs.ErrInvalidArgument, "decimal(%d, %d) is not a valid type (precision 1 to 38, scale 0 to precision)", p, s)
		}
		return catalog.Numeric(p, s), nullable(k.Decimal.GetNullability()), nil
	case *pb.Type_Date_:
		return catalog.Date, nullable(k.Date.GetNullability()), nil
	case *pb.Type_Timestamp_:
		return catalog.Type{Kind: catalog.TypeTimestamp}, nullable(k.Timestamp.GetNullability()), nil
	case *pb.Type_TimestampTz:
		return catalog.Type{Kind: catalog.TypeTimestampTZ}, nullable(k.TimestampTz.GetNullability()), nil
	case *pb.Type_PrecisionTimestamp_:
		return catalog.Type{Kind: catalog.TypeTimestamp}, nullable(k.PrecisionTimestamp.GetNullability()), nil
	case *pb.Type_PrecisionTimestampTz:
		return catalog.Type{Kind: catalog.TypeTimestampTZ}, nullable(k.PrecisionTimestampTz.GetNullability()), nil
	case *pb.Type_IntervalYear_:
		return catalog.Type{Kind: catalog.TypeInterval}, nullable(k.IntervalYear.GetNullability()), nil
	case *pb.Type_IntervalDay_:
		return catalog.Type{Kind: catalog.TypeInterval}, nullable(k.IntervalDay.GetNullability()), nil
	case *pb.Type_IntervalCompound_:
		return catalog.Type{Kind: catalog.TypeInterval}, nullable(k.IntervalCompound.GetNullability()), nil
	case *pb.Type_List_:
		et, _, err := FromType(k.List.GetType())
		if err != nil {
			return catalog.Type{}, false, err
		}
		if et.IsArray() {
			return catalog.Type{}, false, logical.Errorf(errs.ErrNotSupported, "lists of lists (multidimensional arrays) are not supported")
		}
		return catalog.ArrayOf(et), nullable(k.List.GetNullability()), nil
	case nil:
		return catalog.Type{}, false, logical.Errorf(errs.ErrInvalidArgument, "a Substrait type is missing")
	}
	return catalog.Type{}, false, logical.Errorf(errs.ErrNotSupported, "Substrait type %s has no Tern type", KindOf(t.GetKind()))
}

// KindOf names a oneof case for messages: *substraitpb.Rel_ExtensionLeaf -> "ExtensionLeaf",
// *substraitpb.Type_Uuid -> "Uuid".
func KindOf(v any) string {
	s := strings.TrimSuffix(fmt.Sprintf("%T", v), "_")
	return s[strings.LastIndex(s, "_")+1:]
}

// FromLiteral converts a Substrait literal to a logical one (logical.Literal's value forms).
func FromLiteral(l *pb.Expression_Literal) (*logical.Literal, error) {
	lit := func(t catalog.Type, v any) (*logical.Literal, error) { return &logical.Literal{Typ: t, Value: v}, nil }
	switch v := l.GetLiteralType().(type) {
	case *pb.Expression_Literal_Null:
		t, _, err := FromType(v.Null)
		if err != nil {
			return nil, err
		}
		return lit(t, nil)
	case *pb.Expression_Literal_Boolean:
		return lit(catalog.Bool, v.Boolean)
	case *pb.Expression_Literal_I8:
		if v.I8 < math.MinInt8 || v.I8 > math.MaxInt8 {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "i8 literal %d out of range", v.I8)
		}
		return lit(catalog.Int16, int64(v.I8))
	case *pb.Expression_Literal_I16:
		if v.I16 < math.MinInt16 || v.I16 > math.MaxInt16 {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "i16 literal %d out of range", v.I16)
		}
		return lit(catalog.Int16, int64(v.I16))
	case *pb.Expression_Literal_I32:
		return lit(catalog.Int32, int64(v.I32))
	case *pb.Expression_Literal_I64:
		return lit(catalog.Int64, v.I64)
	case *pb.Expression_Literal_Fp32:
		return lit(catalog.Float32, float64(v.Fp32))
	case *pb.Expression_Literal_Fp64:
		return lit(catalog.Float64, v.Fp64)
	case *pb.Expression_Literal_String_:
		return lit(catalog.Text, v.String_)
	case *pb.Expression_Literal_FixedChar:
		return lit(catalog.Text, v.FixedChar)
	case *pb.Expression_Literal_VarChar_:
		return lit(catalog.Type{Kind: catalog.TypeText, Precision: int32(min(v.VarChar.GetLength(), math.MaxInt32))}, v.VarChar.GetValue())
	case *pb.Expression_Literal_Decimal_:
		d := v.Decimal
		t, _, err := FromType(&pb.Type{Kind: &pb.Type_Decimal_{Decimal: &pb.Type_Decimal{Precision: d.GetPrecision(), Scale: d.GetScale()}}})
		if err != nil {
			return nil, err
		}
		b := d.GetValue()
		if len(b) != 16 {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "decimal literal of %d bytes (16 expected)", len(b))
		}
		n := decimal128.New(int64(binary.LittleEndian.Uint64(b[8:])), binary.LittleEndian.Uint64(b[:8]))
		if !n.FitsInPrecision(t.Precision) {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "decimal literal does not fit decimal(%d, %d)", t.Precision, t.Scale)
		}
		return lit(t, n)
	case *pb.Expression_Literal_Date:
		return lit(catalog.Date, v.Date)
	case *pb.Expression_Literal_Timestamp: // deprecated: microseconds
		return lit(catalog.Type{Kind: catalog.TypeTimestamp}, v.Timestamp)
	case *pb.Expression_Literal_TimestampTz: // deprecated: microseconds
		return lit(catalog.Type{Kind: catalog.TypeTimestampTZ}, v.TimestampTz)
	case *pb.Expression_Literal_PrecisionTimestamp_:
		us, err := toMicros(v.PrecisionTimestamp.GetValue(), v.PrecisionTimestamp.GetPrecision())
		if err != nil {
			return nil, err
		}
		return lit(catalog.Type{Kind: catalog.TypeTimestamp}, us)
	case *pb.Expression_Literal_PrecisionTimestampTz:
		us, err := toMicros(v.PrecisionTimestampTz.GetValue(), v.PrecisionTimestampTz.GetPrecision())
		if err != nil {
			return nil, err
		}
		return lit(catalog.Type{Kind: catalog.TypeTimestampTZ}, us)
	case *pb.Expression_Literal_IntervalYearToMonth_:
		iv, err := yearMonth(v.IntervalYearToMonth)
		if err != nil {
			return nil, err
		}
		return lit(catalog.Type{Kind: catalog.TypeInterval}, iv)
	case *pb.Expression_Literal_IntervalDayToSecond_:
		iv, err := daySecond(v.IntervalDayToSecond)
		if err != nil {
			return nil, err
		}
		return lit(catalog.Type{Kind: catalog.TypeInterval}, iv)
	case *pb.Expression_Literal_IntervalCompound_:
		ym, err := yearMonth(v.IntervalCompound.GetIntervalYearToMonth())
		if err != nil {
			return nil, err
		}
		ds, err := daySecond(v.IntervalCompound.GetIntervalDayToSecond())
		if err != nil {
			return nil, err
		}
		ds.Months = ym.Months
		return lit(catalog.Type{Kind: catalog.TypeInterval}, ds)
	case nil:
		return nil, logical.Errorf(errs.ErrInvalidArgument, "a Substrait literal is empty")
	}
	return nil, logical.Errorf(errs.ErrNotSupported, "Substrait %s literals have no Tern type", KindOf(l.GetLiteralType()))
}

// toMicros converts a count of 10^-precision seconds to microseconds.
func toMicros(v int64, precision int32) (int64, error) {
	switch {
	case precision < 0 || precision > 12:
		return 0, logical.Errorf(errs.ErrInvalidArgument, "timestamp precision %d (0 to 12)", precision)
	case precision <= 6:
		f := int64(math.Pow10(int(6 - precision)))
		if v > math.MaxInt64/f || v < math.MinInt64/f {
			return 0, logical.Errorf(errs.ErrInvalidArgument, "timestamp literal out of range")
		}
		return v * f, nil
	}
	return v / int64(math.Pow10(int(precision-6))), nil
}

func yearMonth(v *pb.Expression_Literal_IntervalYearToMonth) (logical.Interval, error) {
	m := int64(v.GetYears())*12 + int64(v.GetMonths())
	if m > math.MaxInt32 || m < math.MinInt32 {
		return logical.Interval{}, logical.Errorf(errs.ErrInvalidArgument, "interval out of range")
	}
	return logical.Interval{Months: int32(m)}, nil
}

func daySecond(v *pb.Expression_Literal_IntervalDayToSecond) (logical.Interval, error) {
	var sub int64
	switch pm := v.GetPrecisionMode().(type) {
	case *pb.Expression_Literal_IntervalDayToSecond_Precision:
		us, err := toMicros(v.GetSubseconds(), pm.Precision)
		if err != nil {
			return logical.Interval{}, err
		}
		sub = us
	case *pb.Expression_Literal_IntervalDayToSecond_Microseconds:
		sub = int64(pm.Microseconds)
	}
	const limit = 1 << 62 // far beyond any interval, far from overflow
	if sub > limit || sub < -limit {
		return logical.Interval{}, logical.Errorf(errs.ErrInvalidArgument, "interval out of range")
	}
	return logical.Interval{Days: v.GetDays(), Micros: int64(v.GetSeconds())*1_000_000 + sub}, nil
}
