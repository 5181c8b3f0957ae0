package substrait

import (
	"fmt"

	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/catalog"
)

func nullability(nullable bool) pb.Type_Nullability {
	if nullable {
		return pb.Type_NULLABILITY_NULLABLE
	}
	return pb.Type_NULLABILITY_REQUIRED
}

// Type converts a SQL type to its Substrait type.
func Type(t catalog.Type, nullable bool) (*pb.Type, error) {
	n := nullability(nullable)
	switch t.Kind {
	case catalog.TypeBool:
		return &pb.Type{Kind: &pb.Type_Bool{Bool: &pb.Type_Boolean{Nullability: n}}}, nil
	case catalog.TypeInt16:
		return &pb.Type{Kind: &pb.Type_I16_{I16: &pb.Type_I16{Nullability: n}}}, nil
	case catalog.TypeInt32:
		return &pb.Type{Kind: &pb.Type_I32_{I32: &pb.Type_I32{Nullability: n}}}, nil
	case catalog.TypeInt64:
		return &pb.Type{Kind: &pb.Type_I64_{I64: &pb.Type_I64{Nullability: n}}}, nil
	case catalog.TypeFloat32:
		return &pb.Type{Kind: &pb.Type_Fp32{Fp32: &pb.Type_FP32{Nullability: n}}}, nil
	case catalog.TypeFloat64:
		return &pb.Type{Kind: &pb.Type_Fp64{Fp64: &pb.Type_FP64{Nullability: n}}}, nil
	case catalog.TypeNumeric:
		return &pb.Type{Kind: &pb.Type_Decimal_{Decimal: &pb.Type_Decimal{Precision: t.Precision, Scale: t.Scale, Nullability: n}}}, nil
	case catalog.TypeText, catalog.TypeUnknown, catalog.TypeJSON, catalog.TypeJSONB:
		// json and jsonb are strings in plans: their functions say which (proto.URNJSON)
		return &pb.Type{Kind: &pb.Type_String_{String_: &pb.Type_String{Nullability: n}}}, nil
	case catalog.TypeDate:
		return &pb.Type{Kind: &pb.Type_Date_{Date: &pb.Type_Date{Nullability: n}}}, nil
	case catalog.TypeTimestamp:
		return &pb.Type{Kind: &pb.Type_PrecisionTimestamp_{PrecisionTimestamp: &pb.Type_PrecisionTimestamp{Precision: 6, Nullability: n}}}, nil
	case catalog.TypeTimestampTZ:
		return &pb.Type{Kind: &pb.Type_PrecisionTimestampTz{PrecisionTimestampTz: &pb.Type_PrecisionTimestampTZ{Precision: 6, Nullability: n}}}, nil
	case catalog.TypeInterval:
		return &pb.Type{Kind: &pb.Type_IntervalCompound_{IntervalCompound: &pb.Type_IntervalCompound{Precision: 6, Nullability: n}}}, nil
	case catalog.TypeArray:
		// arrays are lists with nullable elements (catalog.Type.Arrow)
		et, err := Type(t.ElemType(), true)
		if err != nil {
			return nil, err
		}
		return &pb.Type{Kind: &pb.Type_List_{List: &pb.Type_List{Type: et, Nullability: n}}}, nil
	}
	return nil, fmt.Errorf("type %s has no Substrait mapping yet", t)
}

// sigName is the short name of a type in Substrait function signatures.
func sigName(t catalog.Type) string {
	switch t.Kind {
	case catalog.TypeBool:
		return "bool"
	case catalog.TypeInt16:
		return "i16"
	case catalog.TypeInt32:
		return "i32"
	case catalog.TypeInt64:
		return "i64"
	case catalog.TypeFloat32:
		return "fp32"
	case catalog.TypeFloat64:
		return "fp64"
	case catalog.TypeNumeric:
		return "dec"
	case catalog.TypeText, catalog.TypeUnknown, catalog.TypeJSON, catalog.TypeJSONB:
		return "str"
	case catalog.TypeDate:
		return "date"
	case catalog.TypeTimestamp:
		return "pts"
	case catalog.TypeTimestampTZ:
		return "ptstz"
	case catalog.TypeInterval:
		return "iday"
	case catalog.TypeArray:
		return "list"
	}
	return "any"
}
