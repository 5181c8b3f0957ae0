package substrait

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/planpb"
)

func TestDecimalLiteral(t *testing.T) {
	l, err := literal(&logical.Literal{Typ: catalog.Numeric(10, 2), Value: decimal128.FromI64(-12345)})
	if err != nil {
		t.Fatal(err)
	}
	d := l.GetDecimal()
	if d == nil || d.Precision != 10 || d.Scale != 2 || len(d.Value) != 16 {
		t.Fatalf("decimal literal %v", l)
	}
	// -12345 little-endian two's complement
	if d.Value[0] != 0xC7 || d.Value[1] != 0xCF || d.Value[15] != 0xFF {
		t.Errorf("bytes %x", d.Value)
	}
}

// A literal whose Go value does not match its type is reported, not a panic.
func TestLiteralValueMismatch(t *testing.T) {
	for _, l := range []*logical.Literal{
		{Typ: catalog.Interval, Value: int64(93600000000)},
		{Typ: catalog.Int32, Value: "x"},
		{Typ: catalog.Date, Value: int64(1)},
		{Typ: catalog.Numeric(10, 2), Value: 1.5},
	} {
		if _, err := literal(l); err == nil {
			t.Errorf("literal %s %T: no error", l.Typ, l.Value)
		}
	}
	if _, err := literal(&logical.Literal{Typ: catalog.Interval, Value: logical.Interval{Days: 1, Micros: 7_200_000_000}}); err != nil {
		t.Error(err)
	}
}

func TestHashJoinAndFunctions(t *testing.T) {
	src := func(name string, cols ...string) *logical.Scan {
		s := &logical.Source{Name: name, Connector: "files", Planned: true,
			Splits: []connectors.Split{{Connector: "files", Data: []byte("/d/" + name + ".parquet"), Rows: 3}}}
		var idx []int
		for i, c := range cols {
			s.Base = append(s.Base, logical.Field{Name: c, Type: catalog.Int64})
			idx = append(idx, i)
		}
		return &logical.Scan{Source: s, Columns: idx}
	}
	col := func(i int) *logical.Column { return &logical.Column{Index: i, Typ: catalog.Int64} }
	cond := logical.And(
		&logical.Call{Fn: "equal", Args: []logical.Expr{col(0), col(2)}, Typ: catalog.Bool},
		&logical.Call{Fn: "lt", Args: []logical.Expr{col(1), col(3)}, Typ: catalog.Bool})
	j := &logical.Join{Left: src("l", "a", "b"), Right: src("r", "c", "d"), Type: logical.JoinInner, Cond: cond}
	p, err := Build(j, nil)
	if err != nil {
		t.Fatal(err)
	}
	hj := p.Relations[0].GetRoot().Input.GetHashJoin()
	if hj == nil {
		t.Fatalf("no hash join: %v", p)
	}
	if len(hj.Keys) != 1 || hj.Keys[0].Right.GetDirectReference().GetStructField().Field != 0 {
		t.Errorf("keys %v", hj.Keys)
	}
	if hj.PostJoinFilter == nil || hj.BuildInput != pb.HashJoinRel_BUILD_INPUT_RIGHT {
		t.Errorf("post filter / build side: %v", hj)
	}
	names := map[string]bool{}
	for _, d := range p.Extensions {
		names[d.GetExtensionFunction().Name] = true
	}
	if !names["lt:i64_i64"] {
		t.Errorf("declared functions %v", names)
	}
	rr := hj.Left.GetRead()
	var cs planpb.ConnectorScan
	if err := rr.GetExtensionTable().GetDetail().UnmarshalTo(&cs); err != nil || cs.Connector != "files" ||
		len(cs.Splits) != 1 || string(cs.Splits[0].Data) != "/d/l.parquet" || cs.Splits[0].Rows != 3 {
		t.Errorf("read %v (%v)", rr, err)
	}
}

// PostgreSQL's concat() goes out as "concat" under URNTern; || as the standard string concat.
func TestConcatFunctionURN(t *testing.T) {
	s := &logical.Source{Name: "t", Connector: "files", Base: logical.Schema{{Name: "a", Type: catalog.Text, Nullable: true}}}
	a := &logical.Column{Index: 0, Typ: catalog.Text, Null: true}
	x := &logical.Literal{Typ: catalog.Text, Value: "x"}
	pr := &logical.Project{Input: &logical.Scan{Source: s, Columns: []int{0}}, Names: []string{"f", "op"}, Exprs: []logical.Expr{
		&logical.Call{Fn: logical.FnConcatFunc, Args: []logical.Expr{a, x}, Typ: catalog.Text},
		&logical.Call{Fn: "concat", Args: []logical.Expr{a, x}, Typ: catalog.Text, Null: true},
	}}
	p, err := Build(pr, nil)
	if err != nil {
		t.Fatal(err)
	}
	urns := map[uint32]string{}
	for _, u := range p.ExtensionUrns {
		urns[u.ExtensionUrnAnchor] = u.Urn
	}
	got := map[string]bool{}
	for _, d := range p.Extensions {
		f := d.GetExtensionFunction()
		got[urns[f.ExtensionUrnReference]+" "+f.Name] = true
	}
	if !got["extension:dev.tern:functions concat:str"] || !got["extension:io.substrait:functions_string concat:str"] || len(got) != 2 {
		t.Errorf("declared %v", got)
	}
}
