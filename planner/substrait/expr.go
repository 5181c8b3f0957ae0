package substrait

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	ext "github.com/substrait-io/substrait-protobuf/go/substraitpb/extensions"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/functions"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// fn returns the anchor of function name:sig declared under urn.
func (p *producer) fn(urn, compound string) uint32 {
	key := urn + "#" + compound
	if a, ok := p.funcs[key]; ok {
		return a
	}
	ua, ok := p.urns[urn]
	if !ok {
		ua = uint32(len(p.urnList) + 1)
		p.urns[urn] = ua
		p.urnList = append(p.urnList, &ext.SimpleExtensionURN{ExtensionUrnAnchor: ua, Urn: urn})
	}
	a := uint32(len(p.decls) + 1)
	p.funcs[key] = a
	p.decls = append(p.decls, &ext.SimpleExtensionDeclaration{MappingType: &ext.SimpleExtensionDeclaration_ExtensionFunction_{
		ExtensionFunction: &ext.SimpleExtensionDeclaration_ExtensionFunction{ExtensionUrnReference: ua, FunctionAnchor: a, Name: compound},
	}})
	return a
}

// scalarFunction returns the extension URN and compound name of call x, both from the
// function registry's one declaration of x.Fn.
func scalarFunction(x *logical.Call) (string, string, error) {
	f, ok := functions.ByID(x.Fn)
	if !ok {
		return "", "", fmt.Errorf("function %s: %w", x.Fn, errs.ErrNotSupported)
	}
	types := make([]catalog.Type, len(x.Args))
	sigs := make([]string, len(x.Args))
	for i, a := range x.Args {
		types[i] = a.Type()
		sigs[i] = sigName(types[i])
	}
	return f.URNOf(types), f.Compound(sigs), nil
}

func fieldRef(i int) *pb.Expression_FieldReference {
	return &pb.Expression_FieldReference{
		ReferenceType: &pb.Expression_FieldReference_DirectReference{DirectReference: &pb.Expression_ReferenceSegment{
			ReferenceType: &pb.Expression_ReferenceSegment_StructField_{StructField: &pb.Expression_ReferenceSegment_StructField{Field: int32(i)}},
		}},
		RootType: &pb.Expression_FieldReference_RootReference_{RootReference: &pb.Expression_FieldReference_RootReference{}},
	}
}

func fieldExpr(i int) *pb.Expression {
	return &pb.Expression{RexType: &pb.Expression_Selection{Selection: fieldRef(i)}}
}

func (p *producer) expr(e logical.Expr) (*pb.Expression, error) {
	if p.work++; p.work&1023 == 0 {
		if err := p.ctx.Err(); err != nil {
			return nil, err
		}
	}
	switch x := e.(type) {
	case *logical.Column:
		return fieldExpr(x.Index), nil
	case *logical.Literal:
		l, err := literal(x)
		if err != nil {
			return nil, err
		}
		return &pb.Expression{RexType: &pb.Expression_Literal_{Literal: l}}, nil
	case *logical.Call:
		if v, opts, ok := inList(x); ok {
			return p.singularOrList(v, opts)
		}
		args := make([]*pb.FunctionArgument, len(x.Args))
		for i, a := range x.Args {
			ae, err := p.expr(a)
			if err != nil {
				return nil, err
			}
			args[i] = &pb.FunctionArgument{ArgType: &pb.FunctionArgument_Value{Value: ae}}
		}
		out, err := Type(x.Typ, x.Nullable())
		if err != nil {
			return nil, err
		}
		urn, compound, err := scalarFunction(x)
		if err != nil {
			return nil, err
		}
		anchor := p.fn(urn, compound)
		return &pb.Expression{RexType: &pb.Expression_ScalarFunction_{ScalarFunction: &pb.Expression_ScalarFunction{
			FunctionReference: anchor, Arguments: args, OutputType: out,
		}}}, nil
	case *logical.Cast:
		in, err := p.expr(x.Input)
		if err != nil {
			return nil, err
		}
		t, err := Type(x.To, x.Nullable())
		if err != nil {
			return nil, err
		}
		return &pb.Expression{RexType: &pb.Expression_Cast_{Cast: &pb.Expression_Cast{
			Type: t, Input: in, FailureBehavior: pb.Expression_Cast_FAILURE_BEHAVIOR_THROW_EXCEPTION,
		}}}, nil
	case *logical.Case:
		it := &pb.Expression_IfThen{}
		for _, w := range x.Whens {
			c, err := p.expr(w.Cond)
			if err != nil {
				return nil, err
			}
			r, err := p.expr(w.Result)
			if err != nil {
				return nil, err
			}
			it.Ifs = append(it.Ifs, &pb.Expression_IfThen_IfClause{If: c, Then: r})
		}
		var els logical.Expr = x.Else
		if els == nil {
			els = &logical.Literal{Typ: x.Typ}
		}
		ee, err := p.expr(els)
		if err != nil {
			return nil, err
		}
		it.Else = ee
		return &pb.Expression{RexType: &pb.Expression_IfThen_{IfThen: it}}, nil
	case *logical.Param:
		return nil, fmt.Errorf("parameter $%d was not substituted", x.Index+1)
	case *logical.AggCall:
		return nil, fmt.Errorf("aggregate %s outside an aggregate", x.Fn)
	}
	return nil, fmt.Errorf("expression %T not supported by the producer", e)
}

// minInList is the number of `value = constant` alternatives from which an OR becomes a
// SingularOrList, which executors answer with a hash set of the constants.
const minInList = 8

// inList recognizes the binder's form of `v IN (c1, ..., cn)`: OR(v = c1, ..., v = cn) with
// the same v (not a constant) and literals of v's type. Equal semantics: TRUE when some
// comparison is TRUE, else NULL when v or some ci is NULL, else FALSE.
func inList(c *logical.Call) (logical.Expr, []*logical.Literal, bool) {
	if c.Fn != proto.FnOr || len(c.Args) < minInList {
		return nil, nil, false
	}
	var v logical.Expr
	var key string
	opts := make([]*logical.Literal, 0, len(c.Args))
	for _, a := range c.Args {
		eq, ok := a.(*logical.Call)
		if !ok || eq.Fn != proto.FnEqual || len(eq.Args) != 2 {
			return nil, nil, false
		}
		l, ok := eq.Args[1].(*logical.Literal)
		if !ok {
			return nil, nil, false
		}
		x := eq.Args[0]
		if _, isLit := x.(*logical.Literal); isLit || x.Type() != l.Typ {
			return nil, nil, false
		}
		if v == nil {
			v, key = x, x.String()
		} else if x != v && x.String() != key {
			return nil, nil, false
		}
		opts = append(opts, l)
	}
	return v, opts, true
}

func (p *producer) singularOrList(v logical.Expr, opts []*logical.Literal) (*pb.Expression, error) {
	ve, err := p.expr(v)
	if err != nil {
		return nil, err
	}
	options := make([]*pb.Expression, len(opts))
	for i, o := range opts {
		l, err := literal(o)
		if err != nil {
			return nil, err
		}
		options[i] = &pb.Expression{RexType: &pb.Expression_Literal_{Literal: l}}
	}
	return &pb.Expression{RexType: &pb.Expression_SingularOrList_{SingularOrList: &pb.Expression_SingularOrList{
		Value: ve, Options: options,
	}}}, nil
}

func literal(x *logical.Literal) (*pb.Expression_Literal, error) {
	if x.Value == nil {
		t, err := Type(x.Typ, true)
		if err != nil {
			return nil, err
		}
		return &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_Null{Null: t}, Nullable: true}, nil
	}
	l := &pb.Expression_Literal{}
	// The binder and the rules keep a literal's Go value in its type's representation
	// (logical.Literal); a mismatch is a bug elsewhere, reported as an error, never a panic.
	bad := func() (*pb.Expression_Literal, error) {
		return nil, fmt.Errorf("literal of type %s holds a %T", x.Typ, x.Value)
	}
	switch x.Typ.Kind {
	case catalog.TypeBool:
		v, ok := x.Value.(bool)
		if !ok {
			return bad()
		}
		l.LiteralType = &pb.Expression_Literal_Boolean{Boolean: v}
	case catalog.TypeInt16, catalog.TypeInt32, catalog.TypeInt64, catalog.TypeTimestamp, catalog.TypeTimestampTZ:
		v, ok := x.Value.(int64)
		if !ok {
			return bad()
		}
		switch x.Typ.Kind {
		case catalog.TypeInt16:
			l.LiteralType = &pb.Expression_Literal_I16{I16: int32(v)}
		case catalog.TypeInt32:
			l.LiteralType = &pb.Expression_Literal_I32{I32: int32(v)}
		case catalog.TypeInt64:
			l.LiteralType = &pb.Expression_Literal_I64{I64: v}
		case catalog.TypeTimestamp:
			l.LiteralType = &pb.Expression_Literal_PrecisionTimestamp_{PrecisionTimestamp: &pb.Expression_Literal_PrecisionTimestamp{Precision: 6, Value: v}}
		default:
			l.LiteralType = &pb.Expression_Literal_PrecisionTimestampTz{PrecisionTimestampTz: &pb.Expression_Literal_PrecisionTimestamp{Precision: 6, Value: v}}
		}
	case catalog.TypeFloat32, catalog.TypeFloat64:
		v, ok := x.Value.(float64)
		if !ok {
			return bad()
		}
		if x.Typ.Kind == catalog.TypeFloat32 {
			l.LiteralType = &pb.Expression_Literal_Fp32{Fp32: float32(v)}
		} else {
			l.LiteralType = &pb.Expression_Literal_Fp64{Fp64: v}
		}
	case catalog.TypeNumeric:
		n, ok := x.Value.(decimal128.Num)
		if !ok {
			return bad()
		}
		b := make([]byte, 16)
		binary.LittleEndian.PutUint64(b[:8], n.LowBits())
		binary.LittleEndian.PutUint64(b[8:], uint64(n.HighBits()))
		l.LiteralType = &pb.Expression_Literal_Decimal_{Decimal: &pb.Expression_Literal_Decimal{Value: b, Precision: x.Typ.Precision, Scale: x.Typ.Scale}}
	case catalog.TypeText, catalog.TypeUnknown, catalog.TypeJSON, catalog.TypeJSONB:
		v, ok := x.Value.(string)
		if !ok {
			return bad()
		}
		l.LiteralType = &pb.Expression_Literal_String_{String_: v}
	case catalog.TypeDate:
		v, ok := x.Value.(int32)
		if !ok {
			return bad()
		}
		l.LiteralType = &pb.Expression_Literal_Date{Date: v}
	case catalog.TypeInterval:
		iv, ok := x.Value.(logical.Interval)
		if !ok {
			return bad()
		}
		secs := iv.Micros / 1_000_000
		l.LiteralType = &pb.Expression_Literal_IntervalCompound_{IntervalCompound: &pb.Expression_Literal_IntervalCompound{
			IntervalYearToMonth: &pb.Expression_Literal_IntervalYearToMonth{Months: iv.Months},
			IntervalDayToSecond: &pb.Expression_Literal_IntervalDayToSecond{Days: iv.Days, Seconds: int32(secs),
				PrecisionMode: &pb.Expression_Literal_IntervalDayToSecond_Precision{Precision: 6}, Subseconds: iv.Micros - secs*1_000_000},
		}}
	default:
		return nil, fmt.Errorf("literal of type %s not supported", x.Typ)
	}
	return l, nil
}

func namedStruct(s logical.Schema) (*pb.NamedStruct, error) {
	ns := &pb.NamedStruct{Struct: &pb.Type_Struct{Nullability: pb.Type_NULLABILITY_REQUIRED}}
	for _, f := range s {
		t, err := Type(f.Type, f.Nullable)
		if err != nil {
			return nil, err
		}
		ns.Names = append(ns.Names, f.Name)
		ns.Struct.Types = append(ns.Struct.Types, t)
	}
	return ns, nil
}
