package flightnodes_test

import (
	"testing"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
)

func ints(vals ...any) *substraitpb.Rel {
	var rows [][]*substraitpb.Expression_Literal
	for _, v := range vals {
		if v == nil {
			rows = append(rows, []*substraitpb.Expression_Literal{litNull(tyI32())})
		} else {
			rows = append(rows, []*substraitpb.Expression_Literal{litI32(int32(v.(int)))})
		}
	}
	return values([]string{"x"}, []*substraitpb.Type{tyI32()}, rows...)
}

func TestCompileSetRel(t *testing.T) {
	a := func() *substraitpb.Rel { return ints(1, 1, 2, 3, nil, nil) }
	b := func() *substraitpb.Rel { return ints(1, 3, 3, nil, 4) }
	cases := []struct {
		op   substraitpb.SetRel_SetOp
		want []string
	}{
		{substraitpb.SetRel_SET_OP_UNION_ALL, []string{"1", "1", "1", "2", "3", "3", "3", "4", "NULL", "NULL", "NULL"}},
		{substraitpb.SetRel_SET_OP_UNION_DISTINCT, []string{"1", "2", "3", "4", "NULL"}},
		{substraitpb.SetRel_SET_OP_INTERSECTION_PRIMARY, []string{"1", "3", "NULL"}},
		{substraitpb.SetRel_SET_OP_INTERSECTION_MULTISET_ALL, []string{"1", "3", "NULL"}},
		{substraitpb.SetRel_SET_OP_MINUS_PRIMARY, []string{"2"}},
		{substraitpb.SetRel_SET_OP_MINUS_PRIMARY_ALL, []string{"1", "2", "NULL"}},
	}
	for _, c := range cases {
		t.Run(c.op.String(), func(t *testing.T) {
			p := newPlan()
			set := &substraitpb.Rel{RelType: &substraitpb.Rel_Set{Set: &substraitpb.SetRel{Inputs: []*substraitpb.Rel{a(), b()}, Op: c.op}}}
			runPlan(t, p.root(byID(set), "x"), "x", c.want...)
		})
	}
}
