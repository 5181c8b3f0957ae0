package flightnodes_test

import (
	"context"
	"strings"
	"testing"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	gproto "google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
	"github.com/tern-db/tern/flightnodes"
	"github.com/tern-db/tern/proto/planpb"
)

func workTableScan(t *testing.T, id int32, names []string, types ...*substraitpb.Type) *substraitpb.Rel {
	t.Helper()
	schema, err := gproto.Marshal(namedStruct(names, types...))
	if err != nil {
		t.Fatal(err)
	}
	d, err := anypb.New(&planpb.WorkTableScan{WorkTable: id, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	return &substraitpb.Rel{RelType: &substraitpb.Rel_ExtensionLeaf{ExtensionLeaf: &substraitpb.ExtensionLeafRel{Detail: d}}}
}

func recursiveUnionRel(t *testing.T, id int32, distinct bool, anchor, term *substraitpb.Rel) *substraitpb.Rel {
	t.Helper()
	d, err := anypb.New(&planpb.RecursiveUnion{WorkTable: id, Distinct: distinct})
	if err != nil {
		t.Fatal(err)
	}
	return &substraitpb.Rel{RelType: &substraitpb.Rel_ExtensionMulti{ExtensionMulti: &substraitpb.ExtensionMultiRel{Inputs: []*substraitpb.Rel{anchor, term}, Detail: d}}}
}

// WITH RECURSIVE t(x) AS (VALUES (1), (1) UNION [ALL] SELECT x + 1 FROM t WHERE x < 4)
func TestCompileRecursiveUnion(t *testing.T) {
	for _, c := range []struct {
		distinct bool
		want     []string
	}{
		{false, []string{"1", "1", "2", "2", "3", "3", "4", "4"}},
		{true, []string{"1", "2", "3", "4"}},
	} {
		p := newPlan()
		term := projectRel(filterRel(workTableScan(t, 7, []string{"x"}, tyI32()), p.call("lt", tyBool(), field(0), lit(litI32(4)))),
			emit(1), p.call("add", tyI32(), field(0), lit(litI32(1))))
		u := recursiveUnionRel(t, 7, c.distinct, ints(1, 1), term)
		runPlan(t, p.root(byID(u), "x"), "x", c.want...)
	}
}

// A recursive union inside another's recursive term: each iteration of the outer one
// compiles and runs the inner one again.
func TestCompileNestedRecursiveUnion(t *testing.T) {
	p := newPlan()
	inner := recursiveUnionRel(t, 2, false,
		projectRel(workTableScan(t, 1, []string{"x"}, tyI32()), emit(1), p.call("add", tyI32(), field(0), lit(litI32(10)))),
		filterRel(workTableScan(t, 2, []string{"x"}, tyI32()), p.call("lt", tyBool(), field(0), lit(litI32(0)))))
	outer := recursiveUnionRel(t, 1, true, ints(1),
		filterRel(inner, p.call("lt", tyBool(), field(0), lit(litI32(40)))))
	runPlan(t, p.root(byID(outer), "x"), "x", "1", "11", "21", "31")
}

func TestCompileRecursiveUnionErrors(t *testing.T) {
	p := newPlan()
	compileErr := func(r *substraitpb.Rel, want string) {
		t.Helper()
		mem := exectest.Alloc(t)
		op, err := flightnodes.Compile(context.Background(), p.root(r, "x"), exec.Env{Alloc: mem})
		if err == nil {
			op.Close()
			t.Fatalf("compiled; want an error with %q", want)
		}
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("got %v, want %q", err, want)
		}
	}
	compileErr(workTableScan(t, 3, []string{"x"}, tyI32()), "outside its recursive union")
	compileErr(recursiveUnionRel(t, 3, false, ints(1), workTableScan(t, 3, []string{"x"}, tyI64())), "work table scan declares")
	one := recursiveUnionRel(t, 3, false, ints(1), ints(2))
	one.GetExtensionMulti().Inputs = one.GetExtensionMulti().Inputs[:1]
	compileErr(one, "with 1 inputs")
}
