package planner

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/substrait-io/substrait-go/v8/expr"
	"github.com/substrait-io/substrait-go/v8/extensions"
	"github.com/substrait-io/substrait-go/v8/literal"
	"github.com/substrait-io/substrait-go/v8/plan"
	"github.com/substrait-io/substrait-go/v8/types"
	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/substrait"
	"github.com/tern-db/tern/proto/errs"
	"google.golang.org/grpc/codes"
	gproto "google.golang.org/protobuf/proto"
)

const (
	urnComparison = extensions.SubstraitDefaultURNPrefix + "functions_comparison"
	urnArithmetic = extensions.SubstraitDefaultURNPrefix + "functions_arithmetic"
	urnAggregate  = extensions.SubstraitDefaultURNPrefix + "functions_aggregate_generic"
	urnString     = extensions.SubstraitDefaultURNPrefix + "functions_string"
)

func nullable(t types.Type) types.Type { return t.WithNullability(types.NullabilityNullable) }

// schemaT is table t of testCatalog as a client describes it.
var schemaT = types.NamedStruct{Names: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"},
	Struct: types.StructType{Nullability: types.NullabilityRequired, Types: []types.Type{
		nullable(&types.Int32Type{}), nullable(&types.StringType{}), nullable(&types.Float64Type{}),
		nullable(&types.DateType{}), nullable(&types.Int16Type{}), nullable(&types.DecimalType{Precision: 10, Scale: 2}),
		nullable(&types.BooleanType{}), nullable(&types.PrecisionTimestampType{Precision: types.PrecisionMicroSeconds}),
		nullable(&types.Int64Type{}),
	}}}

func schemaOf(names []string, ts ...types.Type) types.NamedStruct {
	return types.NamedStruct{Names: names, Struct: types.StructType{Nullability: types.NullabilityRequired, Types: ts}}
}

func toBytes(t testing.TB, p *plan.Plan, err error) []byte {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	pp, err := p.ToProto()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := gproto.Marshal(pp)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func must[T any](t testing.TB) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// filterPlan: SELECT a, b FROM <names> WHERE a > 1 LIMIT 5, over a table shaped as t.
func filterPlan(t testing.TB, names ...string) []byte {
	b := plan.NewBuilderDefault()
	scan := b.NamedScan(names, schemaT)
	a := must[*expr.FieldReference](t)(b.RootFieldRef(scan, 0))
	gt := must[*expr.ScalarFunction](t)(b.ScalarFn(urnComparison, "gt", nil, a, literal.NewInt32(1, false)))
	f := must[*plan.FilterRel](t)(b.FilterRemap(scan, gt, []int32{0, 1}))
	fe := must[*plan.FetchRel](t)(b.Fetch(f, 0, 5))
	p, err := b.Plan(fe, []string{"x", "y"})
	return toBytes(t, p, err)
}

func planSub(t *testing.T, p Planner, s Session, raw []byte) *Query {
	t.Helper()
	st, err := p.PlanSubstrait(context.Background(), s, raw)
	if err != nil {
		t.Fatal(err)
	}
	q, ok := st.(*Query)
	if !ok {
		t.Fatalf("PlanSubstrait returned %T", st)
	}
	return q
}

func describe(t *testing.T, q *Query) string {
	t.Helper()
	lines, err := substrait.Describe(q.Plan)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// A client plan is planned as the SQL that says the same: same physical plan, promised
// schema from the root names and the bound types.
func TestPlanSubstraitLikeSQL(t *testing.T) {
	p := testPlanner()
	q := planSub(t, p, Session{}, filterPlan(t, "t"))
	if got := q.Schema.String(); !strings.Contains(got, "x: type=int32, nullable") || !strings.Contains(got, "y: type=utf8, nullable") {
		t.Fatalf("schema %s", got)
	}
	st, err := p.Plan(context.Background(), Session{}, `SELECT a AS x, b AS y FROM t WHERE a > 1 LIMIT 5`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := describe(t, q), describe(t, st.(*Query)); got != want {
		t.Fatalf("client plan:\n%s\nSQL:\n%s", got, want)
	}
	if len(q.Snapshots) != 1 {
		t.Fatalf("pinned %v", q.Snapshots)
	}
}

func TestPlanSubstraitRelations(t *testing.T) {
	p := testPlanner()
	b := plan.NewBuilderDefault()
	scan := b.NamedScan([]string{"t"}, schemaT)
	a := must[*expr.FieldReference](t)(b.RootFieldRef(scan, 0))
	bcol := must[*expr.FieldReference](t)(b.RootFieldRef(scan, 1))
	count := must[*expr.AggregateFunction](t)(b.AggregateFn(urnAggregate, "count", nil))
	sum := must[*expr.AggregateFunction](t)(b.AggregateFn(urnArithmetic, "sum", nil, a))
	agg := must[*plan.AggregateRel](t)(b.AggregateExprs(scan, []plan.AggRelMeasure{b.Measure(count, nil), b.Measure(sum, nil)}, []expr.Expression{bcol}))
	sorted := must[*plan.SortRel](t)(b.Sort(agg, must[[]expr.SortField](t)(b.SortFields(agg, 0))...))
	q := planSub(t, p, Session{}, toBytes(t, must[*plan.Plan](t)(b.Plan(sorted, []string{"b", "n", "s"})), nil))
	if got := q.Schema.String(); !strings.Contains(got, "n: type=int64") || !strings.Contains(got, "s: type=int64, nullable") {
		t.Fatalf("schema %s", got)
	}

	// join of t and u on a, with upper(b), a - u.a
	b = plan.NewBuilderDefault()
	left := b.NamedScan([]string{"t"}, schemaT)
	right := b.NamedScan([]string{"public", "u"}, schemaOf([]string{"a", "x"}, nullable(&types.Int32Type{}), nullable(&types.StringType{})))
	la := must[*expr.FieldReference](t)(b.JoinedRecordFieldRef(left, right, 0))
	ra := must[*expr.FieldReference](t)(b.JoinedRecordFieldRef(left, right, 9))
	eq := must[*expr.ScalarFunction](t)(b.ScalarFn(urnComparison, "equal", nil, la, ra))
	join := must[*plan.JoinRel](t)(b.Join(left, right, eq, plan.JoinTypeLeft))
	lb := must[*expr.FieldReference](t)(b.RootFieldRef(join, 1))
	ja := must[*expr.FieldReference](t)(b.RootFieldRef(join, 0))
	jua := must[*expr.FieldReference](t)(b.RootFieldRef(join, 9))
	up := must[*expr.ScalarFunction](t)(b.ScalarFn(urnString, "upper", nil, lb))
	sub := must[*expr.ScalarFunction](t)(b.ScalarFn(urnArithmetic, "subtract", nil, ja, jua))
	pr := must[*plan.ProjectRel](t)(b.Project(join, up, sub))
	q = planSub(t, p, Session{}, toBytes(t, must[*plan.Plan](t)(b.Plan(pr, append(append([]string{}, schemaT.Names...), "ua", "ux", "up", "diff"))), nil))
	if n := q.Schema.NumFields(); n != 13 {
		t.Fatalf("join+project has %d columns: %s", n, q.Schema)
	}

	// union all of two virtual tables
	b = plan.NewBuilderDefault()
	v1 := must[*plan.VirtualTableReadRel](t)(b.VirtualTable([]string{"k"}, expr.StructLiteralValue{literal.NewInt32(1, false)}))
	v2 := must[*plan.VirtualTableReadRel](t)(b.VirtualTable([]string{"k"}, expr.StructLiteralValue{literal.NewInt32(2, false)}))
	set := must[*plan.SetRel](t)(b.Set(plan.SetOpUnionAll, v1, v2))
	q = planSub(t, p, Session{}, toBytes(t, must[*plan.Plan](t)(b.Plan(set, []string{"k"})), nil))
	if got := q.Schema.String(); !strings.Contains(got, "k: type=int32") {
		t.Fatalf("schema %s", got)
	}
}

// Names resolve as SQL's: the session's temporary schema first, then the current schema of
// search_path; views are expanded; other sessions' temporary schemas are not there.
func TestPlanSubstraitNames(t *testing.T) {
	c := testCatalog()
	p := New(c, fakeFiles{root: mustAbs("testdata")}, fakeTables{cat: c})
	add := func(schema, name string, t catalog.Table) {
		t.Ref = catalog.TableRef{Tenant: catalog.DefaultTenant, Schema: schema, Name: name}
		c.tables[t.Ref] = t
		if t.CurrentSnapshot != catalog.NoSnapshot {
			c.snaps[[2]uint64{t.ID, t.CurrentSnapshot}] = catalog.Snapshot{ID: t.CurrentSnapshot, TableID: t.ID}
		}
	}
	tt := c.tables[catalog.TableRef{Tenant: catalog.DefaultTenant, Schema: catalog.DefaultSchema, Name: "t"}]
	temp := tt
	temp.ID = 900
	add("pg_temp_s1", "t", temp)
	other := tt
	other.ID = 901
	add("sales", "t", other)
	add(catalog.DefaultSchema, "v", catalog.Table{ID: 902, Columns: tt.Columns,
		Options: map[string]string{viewOption: `CREATE VIEW v AS SELECT * FROM t WHERE a > 7`}})

	pinned := func(s Session, names ...string) map[uint64]uint64 {
		t.Helper()
		return planSub(t, p, s, filterPlan(t, names...)).Snapshots
	}
	if got := pinned(Session{TempSchema: "pg_temp_s1"}, "t"); got[900] == 0 || len(got) != 1 {
		t.Fatalf("temp schema first: pinned %v", got)
	}
	if got := pinned(Session{TempSchema: "pg_temp_s1"}, "pg_temp", "t"); got[900] == 0 || len(got) != 1 {
		t.Fatalf("pg_temp: pinned %v", got)
	}
	if got := pinned(Session{Schema: "sales"}, "t"); got[901] == 0 || len(got) != 1 {
		t.Fatalf("search_path: pinned %v", got)
	}
	if got := pinned(Session{}, "tern", "public", "t"); got[tt.ID] == 0 || len(got) != 1 {
		t.Fatalf("catalog.schema.table: pinned %v", got)
	}
	if got := pinned(Session{}, "v"); got[tt.ID] == 0 || len(got) != 1 {
		t.Fatalf("view: pinned %v", got)
	}
	var vp pb.Plan
	if err := gproto.Unmarshal(planSub(t, p, Session{}, filterPlan(t, "v")).Plan, &vp); err != nil {
		t.Fatal(err)
	}
	if txt := vp.String(); !strings.Contains(txt, "i32:7") || !strings.Contains(txt, "i32:1") {
		t.Fatalf("view's filter missing:\n%s", txt)
	}
	_, err := p.PlanSubstrait(context.Background(), Session{}, filterPlan(t, "nope"))
	if !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), `relation "nope" does not exist`) {
		t.Fatalf("missing table: %v", err)
	}
}

func TestPlanSubstraitDryRun(t *testing.T) {
	q := planSub(t, testPlanner(), Session{DryRun: true}, filterPlan(t, "t"))
	if q.Schema.NumFields() != len(dryRunFields) || q.Schema.Field(0).Name != "estimated_bytes" {
		t.Fatalf("dry run schema %s", q.Schema)
	}
}

func TestPlanSubstraitRefusals(t *testing.T) {
	p := testPlanner()
	good := filterPlan(t, "t")
	var valid pb.Plan
	if err := gproto.Unmarshal(good, &valid); err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(*pb.Plan)) []byte {
		c := gproto.Clone(&valid).(*pb.Plan)
		f(c)
		raw, err := gproto.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	read := func(pl *pb.Plan) *pb.ReadRel {
		r := pl.Relations[0].GetRoot().GetInput()
		for r.GetRead() == nil {
			switch x := r.RelType.(type) {
			case *pb.Rel_Fetch:
				r = x.Fetch.Input
			case *pb.Rel_Project:
				r = x.Project.Input
			case *pb.Rel_Filter:
				r = x.Filter.Input
			}
		}
		return r.GetRead()
	}
	for _, c := range []struct {
		name string
		raw  []byte
		want error
		msg  string
	}{
		{"empty", nil, errs.ErrInvalidArgument, "empty"},
		{"garbage", []byte("not a plan"), errs.ErrInvalidArgument, "malformed"},
		{"truncated", good[:len(good)/2], errs.ErrInvalidArgument, "malformed"},
		{"files", mutate(func(pl *pb.Plan) {
			read(pl).ReadType = &pb.ReadRel_LocalFiles_{LocalFiles: &pb.ReadRel_LocalFiles{}}
		}), errs.ErrPermissionDenied, "files"},
		{"extension table", mutate(func(pl *pb.Plan) {
			read(pl).ReadType = &pb.ReadRel_ExtensionTable_{ExtensionTable: &pb.ReadRel_ExtensionTable{}}
		}), errs.ErrPermissionDenied, "files"},
		{"wrong columns", mutate(func(pl *pb.Plan) { read(pl).BaseSchema.Names[1] = "zz" }), errs.ErrInvalidArgument, `"zz"`},
		{"unknown function", mutate(func(pl *pb.Plan) {
			pl.Extensions[0].GetExtensionFunction().Name = "frobnicate:i32_i32"
		}), errs.ErrNotSupported, "frobnicate"},
		{"undeclared anchor", mutate(func(pl *pb.Plan) { pl.Extensions = nil }), errs.ErrInvalidArgument, "anchor"},
		{"no root", mutate(func(pl *pb.Plan) { pl.Relations = nil }), errs.ErrInvalidArgument, "root"},
		{"window", mutate(func(pl *pb.Plan) {
			pl.Relations[0].GetRoot().Input = &pb.Rel{RelType: &pb.Rel_ExtensionLeaf{ExtensionLeaf: &pb.ExtensionLeafRel{}}}
		}), errs.ErrNotSupported, "ExtensionLeaf"},
		{"root names", mutate(func(pl *pb.Plan) { pl.Relations[0].GetRoot().Names = []string{"x"} }), errs.ErrInvalidArgument, "root names"},
	} {
		_, err := p.PlanSubstrait(context.Background(), Session{}, c.raw)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want %v containing %q", c.name, err, c.want, c.msg)
		}
	}
}

// clientSQL: queries whose produced plans, read by name, are client plans (the round trip
// below and the fuzz seeds).
var clientSQL = []string{
	`SELECT a, b FROM t WHERE a > 1 ORDER BY a DESC NULLS LAST LIMIT 2 OFFSET 1`,
	`SELECT b, count(*), sum(a), avg(f), min(d), max(h) FROM t GROUP BY b`,
	`SELECT a, b, count(*) FROM t GROUP BY CUBE (a, b)`,
	`SELECT t.a, u.x FROM t JOIN u ON t.a = u.a WHERE t.c IS NOT NULL`,
	`SELECT t.a FROM t LEFT JOIN u ON t.a = u.a AND u.x LIKE 'a%'`,
	`SELECT a FROM t WHERE a IN (1, 2, 3, 4, 5, 6, 7, 8, 9)`,
	`SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.a = t.a)`,
	`SELECT a, (SELECT x FROM u WHERE u.a = t.a) FROM t`,
	`SELECT a FROM t WHERE a IN (SELECT a FROM u) OR b = 'z'`,
	`SELECT upper(b) || '!', a * 2 + 1, CASE WHEN c > 2 THEN 'hi' END, CAST(a AS numeric(10,2)) FROM t`,
	`SELECT d + 1, h - INTERVAL '1 day', EXTRACT(year FROM d), coalesce(b, 'x'), nullif(a, 3) FROM t`,
	`SELECT a FROM t UNION SELECT a FROM u EXCEPT ALL SELECT 1`,
	`SELECT * FROM (VALUES (1, 'x'), (2, NULL)) v(a, b) WHERE a <> 3`,
	`SELECT a, row_number() OVER (ORDER BY c) FROM t`,
	`SELECT a, sum(a) OVER (PARTITION BY b ORDER BY c ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), lag(a, 2) OVER (ORDER BY c), count(*) OVER () FROM t`,
	`SELECT sum(a) FILTER (WHERE g), count(DISTINCT b), string_agg(b, ',') FROM t`,
	`SELECT f / 3, e % 2, -i, abs(c), round(f, 1), substring(b, 2, 3) FROM t`,
}

// The producer's plans of SQL, read by name as a client would send them, plan to the same
// promised schema and (but for projections the rules leave) the same physical plan.
func TestPlanSubstraitRoundTrip(t *testing.T) {
	p := testPlanner()
	for _, sql := range clientSQL {
		st, err := p.Plan(context.Background(), Session{}, sql, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := st.(*Query)
		st, err = p.PlanSubstrait(context.Background(), Session{}, asClientPlan(t, want.Plan))
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		got := st.(*Query)
		if !got.Schema.Equal(want.Schema) {
			t.Errorf("%s: schema\n%s\nwant\n%s", sql, got.Schema, want.Schema)
		}
		if d1, d2 := describe(t, got), describe(t, want); d1 != d2 && !strings.Contains(sql, "JOIN") {
			t.Errorf("%s: plan\n%s\nwant\n%s", sql, d1, d2)
		}
	}
}

// Odd but well-formed plans are planned or refused with a sentinel, never Internal.
func TestPlanSubstraitEdgeCases(t *testing.T) {
	p := testPlanner()
	i32 := &pb.Type{Kind: &pb.Type_I32_{I32: &pb.Type_I32{Nullability: pb.Type_NULLABILITY_NULLABLE}}}
	lit := func(v int32) *pb.Expression {
		return &pb.Expression{RexType: &pb.Expression_Literal_{Literal: &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_I32{I32: v}}}}
	}
	field := func(i int32) *pb.Expression {
		return &pb.Expression{RexType: &pb.Expression_Selection{Selection: &pb.Expression_FieldReference{
			ReferenceType: &pb.Expression_FieldReference_DirectReference{DirectReference: &pb.Expression_ReferenceSegment{
				ReferenceType: &pb.Expression_ReferenceSegment_StructField_{StructField: &pb.Expression_ReferenceSegment_StructField{Field: i}}}},
			RootType: &pb.Expression_FieldReference_RootReference_{RootReference: &pb.Expression_FieldReference_RootReference{}}}}}
	}
	vt := func(names []string, rows ...[]*pb.Expression) *pb.Rel {
		base := &pb.NamedStruct{Names: names, Struct: &pb.Type_Struct{}}
		for range names {
			base.Struct.Types = append(base.Struct.Types, i32)
		}
		v := &pb.ReadRel_VirtualTable{}
		for _, r := range rows {
			v.Expressions = append(v.Expressions, &pb.Expression_Nested_Struct{Fields: r})
		}
		return &pb.Rel{RelType: &pb.Rel_Read{Read: &pb.ReadRel{BaseSchema: base, ReadType: &pb.ReadRel_VirtualTable_{VirtualTable: v}}}}
	}
	emit := func(m ...int32) *pb.RelCommon {
		return &pb.RelCommon{EmitKind: &pb.RelCommon_Emit_{Emit: &pb.RelCommon_Emit{OutputMapping: m}}}
	}
	one := vt([]string{"k"}, []*pb.Expression{lit(1)}, []*pb.Expression{lit(2)})
	empty := vt(nil, []*pb.Expression{})
	for name, rel := range map[string]*pb.Rel{
		"zero-column virtual table": empty,
		"cross with zero columns":   {RelType: &pb.Rel_Cross{Cross: &pb.CrossRel{Left: empty, Right: one}}},
		"project emitting nothing":  {RelType: &pb.Rel_Project{Project: &pb.ProjectRel{Common: emit(), Input: one}}},
		"project over nothing": {RelType: &pb.Rel_Project{Project: &pb.ProjectRel{Common: emit(0),
			Input: &pb.Rel{RelType: &pb.Rel_Project{Project: &pb.ProjectRel{Common: emit(), Input: one}}}, Expressions: []*pb.Expression{lit(5)}}}},
		"fetch 0":           {RelType: &pb.Rel_Fetch{Fetch: &pb.FetchRel{Input: one, CountMode: &pb.FetchRel_Count{Count: 0}}}},
		"no sort keys":      {RelType: &pb.Rel_Sort{Sort: &pb.SortRel{Input: one}}},
		"empty grouping":    {RelType: &pb.Rel_Aggregate{Aggregate: &pb.AggregateRel{Input: one, Groupings: []*pb.AggregateRel_Grouping{{}}}}},
		"grouping only":     {RelType: &pb.Rel_Aggregate{Aggregate: &pb.AggregateRel{Input: one, GroupingExpressions: []*pb.Expression{field(0)}, Groupings: []*pb.AggregateRel_Grouping{{ExpressionReferences: []uint32{0}}}}}},
		"empty sets":        {RelType: &pb.Rel_Aggregate{Aggregate: &pb.AggregateRel{Input: one, GroupingExpressions: []*pb.Expression{field(0)}, Groupings: []*pb.AggregateRel_Grouping{{}, {}}}}},
		"three-way union":   {RelType: &pb.Rel_Set{Set: &pb.SetRel{Op: pb.SetRel_SET_OP_UNION_DISTINCT, Inputs: []*pb.Rel{one, one, one}}}},
		"one-input set":     {RelType: &pb.Rel_Set{Set: &pb.SetRel{Op: pb.SetRel_SET_OP_UNION_ALL, Inputs: []*pb.Rel{one}}}},
		"bad field":         {RelType: &pb.Rel_Filter{Filter: &pb.FilterRel{Input: one, Condition: field(3)}}},
		"non-boolean where": {RelType: &pb.Rel_Filter{Filter: &pb.FilterRel{Input: one, Condition: field(0)}}},
		"no input":          {RelType: &pb.Rel_Filter{Filter: &pb.FilterRel{Condition: lit(1)}}},
		"empty relation":    {},
		"ragged values":     vt([]string{"a", "b"}, []*pb.Expression{lit(1)}),
	} {
		raw, err := gproto.Marshal(&pb.Plan{Relations: []*pb.PlanRel{{RelType: &pb.PlanRel_Root{Root: &pb.RelRoot{Input: rel}}}}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.PlanSubstrait(context.Background(), Session{}, raw)
		if errors.Is(err, errs.ErrInternal) || (err != nil && errs.Code(err) == codes.Unknown) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
