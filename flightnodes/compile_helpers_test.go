package flightnodes_test

import (
	"encoding/binary"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb/extensions"
	"google.golang.org/protobuf/proto"
)

// Helpers that build Substrait plans by hand, the way the planner emits them.

type planBuilder struct {
	plan    *substraitpb.Plan
	anchors map[string]uint32
}

func newPlan() *planBuilder {
	return &planBuilder{plan: &substraitpb.Plan{
		ExtensionUrns: []*extensions.SimpleExtensionURN{{ExtensionUrnAnchor: 1, Urn: "extension:dev.tern:functions"}},
	}, anchors: map[string]uint32{}}
}

// fn returns the anchor of function name (declared as "name:any").
func (p *planBuilder) fn(name string) uint32 {
	if a, ok := p.anchors[name]; ok {
		return a
	}
	a := uint32(len(p.anchors) + 1)
	p.anchors[name] = a
	p.plan.Extensions = append(p.plan.Extensions, &extensions.SimpleExtensionDeclaration{
		MappingType: &extensions.SimpleExtensionDeclaration_ExtensionFunction_{
			ExtensionFunction: &extensions.SimpleExtensionDeclaration_ExtensionFunction{
				ExtensionUrnReference: 1, FunctionAnchor: a, Name: name + ":any"}}})
	return a
}

func (p *planBuilder) root(r *substraitpb.Rel, names ...string) []byte {
	p.plan.Relations = []*substraitpb.PlanRel{{RelType: &substraitpb.PlanRel_Root{Root: &substraitpb.RelRoot{Input: r, Names: names}}}}
	b, err := proto.Marshal(p.plan)
	if err != nil {
		panic(err)
	}
	return b
}

func (p *planBuilder) call(name string, out *substraitpb.Type, args ...*substraitpb.Expression) *substraitpb.Expression {
	fa := make([]*substraitpb.FunctionArgument, len(args))
	for i, a := range args {
		fa[i] = &substraitpb.FunctionArgument{ArgType: &substraitpb.FunctionArgument_Value{Value: a}}
	}
	return &substraitpb.Expression{RexType: &substraitpb.Expression_ScalarFunction_{ScalarFunction: &substraitpb.Expression_ScalarFunction{
		FunctionReference: p.fn(name), Arguments: fa, OutputType: out}}}
}

func (p *planBuilder) agg(name string, out *substraitpb.Type, distinct bool, args ...*substraitpb.Expression) *substraitpb.AggregateRel_Measure {
	fa := make([]*substraitpb.FunctionArgument, len(args))
	for i, a := range args {
		fa[i] = &substraitpb.FunctionArgument{ArgType: &substraitpb.FunctionArgument_Value{Value: a}}
	}
	inv := substraitpb.AggregateFunction_AGGREGATION_INVOCATION_ALL
	if distinct {
		inv = substraitpb.AggregateFunction_AGGREGATION_INVOCATION_DISTINCT
	}
	return &substraitpb.AggregateRel_Measure{Measure: &substraitpb.AggregateFunction{
		FunctionReference: p.fn(name), Arguments: fa, OutputType: out, Invocation: inv,
		Phase: substraitpb.AggregationPhase_AGGREGATION_PHASE_INITIAL_TO_RESULT}}
}

// Types.
func tyI32() *substraitpb.Type {
	return &substraitpb.Type{Kind: &substraitpb.Type_I32_{I32: &substraitpb.Type_I32{Nullability: substraitpb.Type_NULLABILITY_NULLABLE}}}
}
func tyI64() *substraitpb.Type {
	return &substraitpb.Type{Kind: &substraitpb.Type_I64_{I64: &substraitpb.Type_I64{Nullability: substraitpb.Type_NULLABILITY_NULLABLE}}}
}
func tyBool() *substraitpb.Type {
	return &substraitpb.Type{Kind: &substraitpb.Type_Bool{Bool: &substraitpb.Type_Boolean{Nullability: substraitpb.Type_NULLABILITY_NULLABLE}}}
}
func tyStr() *substraitpb.Type {
	return &substraitpb.Type{Kind: &substraitpb.Type_String_{String_: &substraitpb.Type_String{Nullability: substraitpb.Type_NULLABILITY_NULLABLE}}}
}
func tyDate() *substraitpb.Type {
	return &substraitpb.Type{Kind: &substraitpb.Type_Date_{Date: &substraitpb.Type_Date{Nullability: substraitpb.Type_NULLABILITY_NULLABLE}}}
}
func tyTs() *substraitpb.Type {
	return &substraitpb.Type{Kind: &substraitpb.Type_PrecisionTimestamp_{PrecisionTimestamp: &substraitpb.Type_PrecisionTimestamp{Precision: 6, Nullability: substraitpb.Type_NULLABILITY_NULLABLE}}}
}
func tyDec(p, s int32) *substraitpb.Type {
	return &substraitpb.Type{Kind: &substraitpb.Type_Decimal_{Decimal: &substraitpb.Type_Decimal{Precision: p, Scale: s, Nullability: substraitpb.Type_NULLABILITY_NULLABLE}}}
}

// Literals.
func litI32(v int32) *substraitpb.Expression_Literal {
	return &substraitpb.Expression_Literal{LiteralType: &substraitpb.Expression_Literal_I32{I32: v}}
}
func litI64(v int64) *substraitpb.Expression_Literal {
	return &substraitpb.Expression_Literal{LiteralType: &substraitpb.Expression_Literal_I64{I64: v}}
}
func litStr(v string) *substraitpb.Expression_Literal {
	return &substraitpb.Expression_Literal{LiteralType: &substraitpb.Expression_Literal_String_{String_: v}}
}
func litDate(days int32) *substraitpb.Expression_Literal {
	return &substraitpb.Expression_Literal{LiteralType: &substraitpb.Expression_Literal_Date{Date: days}}
}
func litTs(us int64) *substraitpb.Expression_Literal {
	return &substraitpb.Expression_Literal{LiteralType: &substraitpb.Expression_Literal_PrecisionTimestamp_{
		PrecisionTimestamp: &substraitpb.Expression_Literal_PrecisionTimestamp{Precision: 6, Value: us}}}
}
func litDec(unscaled int64, p, s int32) *substraitpb.Expression_Literal {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint64(b, uint64(unscaled))
	hi := uint64(0)
	if unscaled < 0 {
		hi = ^uint64(0)
	}
	binary.LittleEndian.PutUint64(b[8:], hi)
	return &substraitpb.Expression_Literal{LiteralType: &substraitpb.Expression_Literal_Decimal_{
		Decimal: &substraitpb.Expression_Literal_Decimal{Value: b, Precision: p, Scale: s}}}
}
func litNull(t *substraitpb.Type) *substraitpb.Expression_Literal {
	return &substraitpb.Expression_Literal{LiteralType: &substraitpb.Expression_Literal_Null{Null: t}}
}

func lit(l *substraitpb.Expression_Literal) *substraitpb.Expression {
	return &substraitpb.Expression{RexType: &substraitpb.Expression_Literal_{Literal: l}}
}

func field(i int32) *substraitpb.Expression {
	return &substraitpb.Expression{RexType: &substraitpb.Expression_Selection{Selection: fieldRef(i)}}
}

func fieldRef(i int32) *substraitpb.Expression_FieldReference {
	return &substraitpb.Expression_FieldReference{
		ReferenceType: &substraitpb.Expression_FieldReference_DirectReference{DirectReference: &substraitpb.Expression_ReferenceSegment{
			ReferenceType: &substraitpb.Expression_ReferenceSegment_StructField_{StructField: &substraitpb.Expression_ReferenceSegment_StructField{Field: i}}}},
		RootType: &substraitpb.Expression_FieldReference_RootReference_{RootReference: &substraitpb.Expression_FieldReference_RootReference{}},
	}
}

func castTo(e *substraitpb.Expression, t *substraitpb.Type) *substraitpb.Expression {
	return &substraitpb.Expression{RexType: &substraitpb.Expression_Cast_{Cast: &substraitpb.Expression_Cast{Type: t, Input: e}}}
}

func namedStruct(names []string, types ...*substraitpb.Type) *substraitpb.NamedStruct {
	return &substraitpb.NamedStruct{Names: names, Struct: &substraitpb.Type_Struct{Types: types, Nullability: substraitpb.Type_NULLABILITY_REQUIRED}}
}

// values is a VirtualTable read of literal rows.
func values(names []string, types []*substraitpb.Type, rows ...[]*substraitpb.Expression_Literal) *substraitpb.Rel {
	vt := &substraitpb.ReadRel_VirtualTable{}
	for _, r := range rows {
		vt.Values = append(vt.Values, &substraitpb.Expression_Literal_Struct{Fields: r})
	}
	return &substraitpb.Rel{RelType: &substraitpb.Rel_Read{Read: &substraitpb.ReadRel{
		BaseSchema: namedStruct(names, types...),
		ReadType:   &substraitpb.ReadRel_VirtualTable_{VirtualTable: vt},
	}}}
}

func emit(m ...int32) *substraitpb.RelCommon {
	return &substraitpb.RelCommon{EmitKind: &substraitpb.RelCommon_Emit_{Emit: &substraitpb.RelCommon_Emit{OutputMapping: m}}}
}

func filterRel(in *substraitpb.Rel, cond *substraitpb.Expression) *substraitpb.Rel {
	return &substraitpb.Rel{RelType: &substraitpb.Rel_Filter{Filter: &substraitpb.FilterRel{Input: in, Condition: cond}}}
}

func projectRel(in *substraitpb.Rel, common *substraitpb.RelCommon, exprs ...*substraitpb.Expression) *substraitpb.Rel {
	return &substraitpb.Rel{RelType: &substraitpb.Rel_Project{Project: &substraitpb.ProjectRel{Common: common, Input: in, Expressions: exprs}}}
}

func sortRel(in *substraitpb.Rel, keys ...*substraitpb.SortField) *substraitpb.Rel {
	return &substraitpb.Rel{RelType: &substraitpb.Rel_Sort{Sort: &substraitpb.SortRel{Input: in, Sorts: keys}}}
}

func sortKey(e *substraitpb.Expression, d substraitpb.SortField_SortDirection) *substraitpb.SortField {
	return &substraitpb.SortField{Expr: e, SortKind: &substraitpb.SortField_Direction{Direction: d}}
}

func fetchRel(in *substraitpb.Rel, offset, count int64) *substraitpb.Rel {
	return &substraitpb.Rel{RelType: &substraitpb.Rel_Fetch{Fetch: &substraitpb.FetchRel{Input: in,
		OffsetMode: &substraitpb.FetchRel_Offset{Offset: offset}, CountMode: &substraitpb.FetchRel_Count{Count: count}}}}
}
