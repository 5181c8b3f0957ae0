package flightnodes_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
	"github.com/tern-db/tern/flightnodes"
	"github.com/tern-db/tern/proto/errs"
	"github.com/tern-db/tern/proto/planpb"
)

// runPlan compiles plan at every batch size and checks its rows and column names.
func runPlan(t *testing.T, plan []byte, wantCols string, want ...string) {
	t.Helper()
	for _, size := range exectest.BatchSizes {
		mem := exectest.Alloc(t)
		op, err := flightnodes.Compile(context.Background(), plan, exec.Env{Alloc: mem, BatchSize: size})
		if err != nil {
			t.Fatalf("size %d: compile: %v", size, err)
		}
		var names []string
		for _, f := range op.Schema().Fields() {
			names = append(names, f.Name)
		}
		if got := strings.Join(names, ","); got != wantCols {
			t.Errorf("size %d: columns %q, want %q", size, got, wantCols)
		}
		got := exectest.Rows(t, op)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("size %d:\ngot  %q\nwant %q", size, got, want)
		}
	}
}

func planErr(t *testing.T, plan []byte) error {
	t.Helper()
	mem := exectest.Alloc(t)
	op, err := flightnodes.Compile(context.Background(), plan, exec.Env{Alloc: mem})
	if err != nil {
		return err
	}
	bs, err := exec.Drain(context.Background(), op)
	for _, b := range bs {
		b.Release()
	}
	return err
}

// people: id i32, name string, dept i32, salary decimal(10,2)
func people() *substraitpb.Rel {
	return values([]string{"id", "name", "dept", "salary"}, []*substraitpb.Type{tyI32(), tyStr(), tyI32(), tyDec(10, 2)},
		[]*substraitpb.Expression_Literal{litI32(1), litStr("ann"), litI32(10), litDec(100050, 10, 2)},
		[]*substraitpb.Expression_Literal{litI32(2), litStr("bob"), litI32(20), litDec(200000, 10, 2)},
		[]*substraitpb.Expression_Literal{litI32(3), litStr("cy"), litNull(tyI32()), litDec(5025, 10, 2)},
		[]*substraitpb.Expression_Literal{litI32(4), litNull(tyStr()), litI32(10), litNull(tyDec(10, 2))},
		[]*substraitpb.Expression_Literal{litI32(5), litStr("dee"), litI32(20), litDec(99, 10, 2)},
	)
}

func TestCompileValuesFilterProject(t *testing.T) {
	p := newPlan()
	// SELECT name, id * 10 AS x FROM people WHERE dept = 10 OR salary > 100.00
	cond := p.call("or", tyBool(),
		p.call("equal", tyBool(), field(2), lit(litI32(10))),
		p.call("gt", tyBool(), field(3), lit(litDec(10000, 5, 2))))
	proj := projectRel(filterRel(people(), cond), emit(1, 4), p.call("multiply", tyI32(), field(0), lit(litI32(10))))
	runPlan(t, p.root(proj, "name", "x"), "name,x", "ann|10", "bob|20", "NULL|40")
}

func TestCompileProjectWithoutEmit(t *testing.T) {
	p := newPlan()
	proj := projectRel(values([]string{"a"}, []*substraitpb.Type{tyI64()},
		[]*substraitpb.Expression_Literal{litI64(1)}, []*substraitpb.Expression_Literal{litNull(tyI64())}),
		nil, p.call("add", tyI64(), field(0), lit(litI64(1))), castTo(field(0), tyStr()))
	runPlan(t, p.root(proj, "a", "b", "c"), "a,b,c", "1|2|1", "NULL|NULL|NULL")
}

func TestCompileCaseAndIn(t *testing.T) {
	p := newPlan()
	ifThen := &substraitpb.Expression{RexType: &substraitpb.Expression_IfThen_{IfThen: &substraitpb.Expression_IfThen{
		Ifs: []*substraitpb.Expression_IfThen_IfClause{{
			If:   p.call("is_null", tyBool(), field(2)),
			Then: lit(litI32(0)),
		}},
		Else: p.call("divide", tyI32(), lit(litI32(100)), field(2)),
	}}}
	in := &substraitpb.Expression{RexType: &substraitpb.Expression_SingularOrList_{SingularOrList: &substraitpb.Expression_SingularOrList{
		Value: field(1), Options: []*substraitpb.Expression{lit(litStr("ann")), lit(litStr("cy"))}}}}
	proj := projectRel(people(), emit(0, 4, 5), ifThen, in)
	runPlan(t, p.root(proj, "id", "q", "known"), "id,q,known",
		"1|10|true", "2|5|false", "3|0|true", "4|10|NULL", "5|5|false")
}

func TestCompileSortFetch(t *testing.T) {
	p := newPlan()
	// ORDER BY dept DESC NULLS FIRST, -id  OFFSET 1 LIMIT 3
	s := sortRel(people(),
		sortKey(field(2), substraitpb.SortField_SORT_DIRECTION_DESC_NULLS_FIRST),
		sortKey(p.call("negate", tyI32(), field(0)), substraitpb.SortField_SORT_DIRECTION_ASC_NULLS_LAST))
	f := fetchRel(projectRel(s, emit(0, 2)), 1, 3)
	runPlan(t, p.root(f, "id", "dept"), "id,dept", "5|20", "2|20", "4|10")
}

func TestCompileFetchAll(t *testing.T) {
	p := newPlan()
	f := fetchRel(projectRel(people(), emit(0)), 3, -1)
	runPlan(t, p.root(f, "id"), "id", "4", "5")
}

func TestCompileAggregate(t *testing.T) {
	p := newPlan()
	// SELECT dept, count(*), sum(salary), max(name), count(DISTINCT dept + 0) FROM people GROUP BY dept ORDER BY dept
	agg := &substraitpb.Rel{RelType: &substraitpb.Rel_Aggregate{Aggregate: &substraitpb.AggregateRel{
		Input:               people(),
		GroupingExpressions: []*substraitpb.Expression{field(2)},
		Groupings:           []*substraitpb.AggregateRel_Grouping{{ExpressionReferences: []uint32{0}}},
		Measures: []*substraitpb.AggregateRel_Measure{
			p.agg("count", tyI64(), false),
			p.agg("sum", tyDec(38, 2), false, field(3)),
			p.agg("max", tyStr(), false, field(1)),
			p.agg("count", tyI64(), true, p.call("add", tyI32(), field(2), lit(litI32(0)))),
		},
	}}}
	s := sortRel(agg, sortKey(field(0), substraitpb.SortField_SORT_DIRECTION_ASC_NULLS_LAST))
	runPlan(t, p.root(s, "dept", "n", "total", "maxname", "d"), "dept,n,total,maxname,d",
		"10|2|1000.5|ann|1", "20|2|2000.99|dee|1", "NULL|1|50.25|cy|0")
}

func TestCompileGlobalAggregateEmpty(t *testing.T) {
	p := newPlan()
	agg := &substraitpb.Rel{RelType: &substraitpb.Rel_Aggregate{Aggregate: &substraitpb.AggregateRel{
		Input: filterRel(people(), p.call("gt", tyBool(), field(0), lit(litI32(100)))),
		Measures: []*substraitpb.AggregateRel_Measure{
			p.agg("count", tyI64(), false),
			p.agg("sum", tyI64(), false, field(0)),
		},
	}}}
	runPlan(t, p.root(agg, "n", "s"), "n,s", "0|NULL")
}

func depts() *substraitpb.Rel {
	return values([]string{"dept", "dname"}, []*substraitpb.Type{tyI32(), tyStr()},
		[]*substraitpb.Expression_Literal{litI32(10), litStr("eng")},
		[]*substraitpb.Expression_Literal{litI32(20), litStr("ops")},
		[]*substraitpb.Expression_Literal{litI32(30), litStr("hr")},
	)
}

func TestCompileHashJoin(t *testing.T) {
	p := newPlan()
	j := &substraitpb.Rel{RelType: &substraitpb.Rel_HashJoin{HashJoin: &substraitpb.HashJoinRel{
		Left: people(), Right: depts(),
		Keys: []*substraitpb.ComparisonJoinKey{{Left: fieldRef(2), Right: fieldRef(0),
			Comparison: &substraitpb.ComparisonJoinKey_ComparisonType{InnerType: &substraitpb.ComparisonJoinKey_ComparisonType_Simple{
				Simple: substraitpb.ComparisonJoinKey_SIMPLE_COMPARISON_TYPE_EQ}}}},
		PostJoinFilter: p.call("not_equal", tyBool(), field(0), lit(litI32(5))),
		Type:           substraitpb.HashJoinRel_JOIN_TYPE_INNER,
	}}}
	s := sortRel(projectRel(j, emit(0, 5)), sortKey(field(0), substraitpb.SortField_SORT_DIRECTION_ASC_NULLS_LAST))
	runPlan(t, p.root(s, "id", "dname"), "id,dname", "1|eng", "2|ops", "4|eng")
}

func TestCompileHashJoinDeprecatedKeysLeft(t *testing.T) {
	p := newPlan()
	j := &substraitpb.Rel{RelType: &substraitpb.Rel_HashJoin{HashJoin: &substraitpb.HashJoinRel{
		Left: people(), Right: depts(),
		LeftKeys: []*substraitpb.Expression_FieldReference{fieldRef(2)}, RightKeys: []*substraitpb.Expression_FieldReference{fieldRef(0)},
		Type: substraitpb.HashJoinRel_JOIN_TYPE_LEFT,
	}}}
	s := sortRel(projectRel(j, emit(0, 5)), sortKey(field(0), substraitpb.SortField_SORT_DIRECTION_ASC_NULLS_LAST))
	runPlan(t, p.root(s, "id", "dname"), "id,dname", "1|eng", "2|ops", "3|NULL", "4|eng", "5|ops")
}

func TestCompileJoinRel(t *testing.T) {
	p := newPlan()
	// people JOIN depts ON depts.dept = people.dept AND people.id > 1
	cond := p.call("and", tyBool(),
		p.call("equal", tyBool(), field(4), field(2)),
		p.call("gt", tyBool(), field(0), lit(litI32(1))))
	j := &substraitpb.Rel{RelType: &substraitpb.Rel_Join{Join: &substraitpb.JoinRel{
		Left: people(), Right: depts(), Expression: cond, Type: substraitpb.JoinRel_JOIN_TYPE_INNER}}}
	s := sortRel(projectRel(j, emit(0, 5)), sortKey(field(0), substraitpb.SortField_SORT_DIRECTION_ASC_NULLS_LAST))
	runPlan(t, p.root(s, "id", "dname"), "id,dname", "2|ops", "4|eng", "5|ops")
}

func TestCompileJoinRelWithoutKeys(t *testing.T) {
	p := newPlan()
	// people JOIN depts ON people.id * 10 > depts.dept (a nested loop join)
	j := &substraitpb.Rel{RelType: &substraitpb.Rel_Join{Join: &substraitpb.JoinRel{
		Left: people(), Right: depts(), Expression: p.call("gt", tyBool(), p.call("multiply", tyI32(), field(0), lit(litI32(10))), field(4)),
		Type: substraitpb.JoinRel_JOIN_TYPE_INNER}}}
	s := sortRel(projectRel(j, emit(0, 4)), sortKey(field(0), substraitpb.SortField_SORT_DIRECTION_ASC_NULLS_LAST),
		sortKey(field(1), substraitpb.SortField_SORT_DIRECTION_ASC_NULLS_LAST))
	runPlan(t, p.root(s, "id", "dept"), "id,dept", "2|10", "3|10", "3|20", "4|10", "4|20", "4|30", "5|10", "5|20", "5|30")
}

func TestCompileTypesAndLiterals(t *testing.T) {
	p := newPlan()
	v := values([]string{"d", "ts"}, []*substraitpb.Type{tyDate(), tyTs()},
		[]*substraitpb.Expression_Literal{litDate(10561), litTs(912506400000000)})
	proj := projectRel(v, emit(2, 3, 4),
		castTo(p.call("add", tyDate(), field(0), lit(litI32(1))), tyStr()),
		castTo(field(1), tyStr()),
		p.call("lt", tyBool(), field(0), castTo(lit(litStr("1999-01-01")), tyDate())))
	runPlan(t, p.root(proj, "a", "b", "c"), "a,b,c", "1998-12-02|1998-12-01 10:00:00|true")
}

func TestCompileEmptyValues(t *testing.T) {
	p := newPlan()
	runPlan(t, p.root(values([]string{"a"}, []*substraitpb.Type{tyI32()}), "a"), "a")
}

// One CSV file through the files connector, projected (b, a) and filtered on a.
func TestCompileCSV(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.csv")
	if err := os.WriteFile(path, []byte("a;b\n1;x\n2;y\n3;z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	split, err := files.EncodeSplit(files.Split{Format: files.CSV, Paths: []string{path}, CSVHeader: true, CSVDelimiter: ';'})
	if err != nil {
		t.Fatal(err)
	}
	p := newPlan()
	read := connectorRead(scanDetail(t, &planpb.ConnectorScan{Connector: files.ConnectorName, Splits: []*planpb.ScanSplit{{Data: split}}}), 1, 0)
	f := filterRel(read, p.call("gte", tyBool(), field(1), lit(litI64(2))))
	runPlan(t, p.root(f, "b", "a"), "b,a", "y|2", "z|3")
}

func TestCompileErrors(t *testing.T) {
	check := func(name string, plan []byte, sentinel error, msg string) {
		t.Run(name, func(t *testing.T) {
			err := planErr(t, plan)
			if !errors.Is(err, sentinel) || !strings.Contains(err.Error(), msg) {
				t.Fatalf("want %v containing %q, got %v", sentinel, msg, err)
			}
		})
	}
	check("garbage", []byte{0xff, 0x01, 0x02}, errs.ErrInvalidArgument, "malformed")
	check("no-root", func() []byte { p := newPlan(); b := p.root(nil); return b }(), errs.ErrInvalidArgument, "missing relation")
	{
		p := newPlan()
		check("unknown-function", p.root(projectRel(people(), nil, p.call("frobnicate", tyI32(), field(0)))), errs.ErrNotSupported, "frobnicate")
	}
	{
		p := newPlan()
		check("bad-field", p.root(projectRel(people(), nil, field(42))), errs.ErrInvalidArgument, "field reference 42")
	}
	{
		p := newPlan()
		check("bad-emit", p.root(projectRel(people(), emit(9))), errs.ErrInvalidArgument, "emit")
	}
	{
		p := newPlan()
		bad := p.call("add", tyI32(), field(0), lit(litI32(1)))
		bad.GetScalarFunction().FunctionReference = 99
		check("undeclared-anchor", p.root(projectRel(people(), nil, bad)), errs.ErrInvalidArgument, "anchor 99")
	}
	{
		p := newPlan()
		check("division-by-zero", p.root(projectRel(people(), emit(4), p.call("divide", tyI32(), field(0), lit(litI32(0))))),
			errs.ErrInvalidArgument, "division by zero")
	}
	{
		p := newPlan()
		check("overflow", p.root(projectRel(people(), emit(4), p.call("multiply", tyI32(), field(0), lit(litI32(2147483647))))),
			errs.ErrInvalidArgument, "integer out of range")
	}
	{
		p := newPlan()
		check("bad-cast", p.root(projectRel(people(), emit(4), castTo(field(1), tyI32()))),
			errs.ErrInvalidArgument, `invalid input syntax for type integer: "ann"`)
	}
	{
		p := newPlan()
		ext := &substraitpb.Rel{RelType: &substraitpb.Rel_ExtensionLeaf{ExtensionLeaf: &substraitpb.ExtensionLeafRel{}}}
		check("unknown-relation", p.root(ext), errs.ErrNotSupported, "ExtensionLeaf")
	}
	{
		p := newPlan()
		bad := litDec(1, 10, 2)
		bad.GetDecimal().Value = []byte{1, 2, 3}
		check("bad-decimal", p.root(projectRel(people(), nil, lit(bad))), errs.ErrInvalidArgument, "decimal literal")
	}
	{
		p := newPlan()
		check("names-mismatch", p.root(people(), "only-one"), errs.ErrInvalidArgument, "names")
	}
}
