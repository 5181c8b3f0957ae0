package substrait

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
	gproto "google.golang.org/protobuf/proto"
)

// Every type and literal the producer writes reads back as itself.
func TestConsumeTypesAndLiterals(t *testing.T) {
	ts := catalog.Type{Kind: catalog.TypeTimestamp}
	tz := catalog.Type{Kind: catalog.TypeTimestampTZ}
	iv := catalog.Type{Kind: catalog.TypeInterval}
	for _, l := range []*logical.Literal{
		{Typ: catalog.Bool, Value: true}, {Typ: catalog.Int16, Value: int64(-7)}, {Typ: catalog.Int32, Value: int64(1 << 30)},
		{Typ: catalog.Int64, Value: int64(-1 << 62)}, {Typ: catalog.Float32, Value: float64(1.5)}, {Typ: catalog.Float64, Value: 2.25},
		{Typ: catalog.Numeric(12, 3), Value: decimal128.FromI64(-123456)}, {Typ: catalog.Text, Value: "héllo"},
		{Typ: catalog.Date, Value: int32(19000)}, {Typ: ts, Value: int64(1_700_000_000_123_456)}, {Typ: tz, Value: int64(-5)},
		{Typ: iv, Value: logical.Interval{Months: 14, Days: -3, Micros: 3_600_000_001}},
		{Typ: catalog.Int32}, {Typ: catalog.Numeric(5, 2)}, {Typ: iv},
	} {
		pl, err := literal(l)
		if err != nil {
			t.Fatal(err)
		}
		got, err := FromLiteral(pl)
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		if !logical.TypesEqual(got.Typ, l.Typ) || !reflect.DeepEqual(got.Value, l.Value) {
			t.Errorf("%s read back as %s", l, got)
		}
		pt, err := Type(l.Typ, true)
		if err != nil {
			t.Fatal(err)
		}
		ct, null, err := FromType(pt)
		if err != nil || !logical.TypesEqual(ct, l.Typ) || !null {
			t.Errorf("type %s read back as %s %v %v", l.Typ, ct, null, err)
		}
	}
	// what Tern has no type for is named
	_, err := FromLiteral(&pb.Expression_Literal{LiteralType: &pb.Expression_Literal_Uuid{Uuid: make([]byte, 16)}})
	if !errors.Is(err, errs.ErrNotSupported) || !strings.Contains(err.Error(), "Uuid") {
		t.Fatalf("uuid literal: %v", err)
	}
	_, _, err = FromType(&pb.Type{Kind: &pb.Type_Decimal_{Decimal: &pb.Type_Decimal{Precision: 40}}})
	if !errors.Is(err, errs.ErrInvalidArgument) {
		t.Fatalf("decimal(40): %v", err)
	}
	_, err = FromLiteral(&pb.Expression_Literal{LiteralType: &pb.Expression_Literal_Decimal_{Decimal: &pb.Expression_Literal_Decimal{Value: []byte{1}, Precision: 5}}})
	if !errors.Is(err, errs.ErrInvalidArgument) {
		t.Fatalf("short decimal: %v", err)
	}
}

func TestDecodeLimits(t *testing.T) {
	if _, err := Decode(make([]byte, MaxPlanBytes+1)); !errors.Is(err, errs.ErrInvalidArgument) || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("oversized: %v", err)
	}
	// a filter nested past the depth limit is refused by the decoder, not recursed into
	rel := &pb.Rel{RelType: &pb.Rel_Read{Read: &pb.ReadRel{}}}
	for i := 0; i < MaxPlanDepth; i++ {
		rel = &pb.Rel{RelType: &pb.Rel_Filter{Filter: &pb.FilterRel{Input: rel}}}
	}
	raw, err := gproto.MarshalOptions{}.Marshal(&pb.Plan{Relations: []*pb.PlanRel{{RelType: &pb.PlanRel_Root{Root: &pb.RelRoot{Input: rel}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(raw); !errors.Is(err, errs.ErrInvalidArgument) || !strings.Contains(err.Error(), "malformed") {
		t.Fatalf("deep: %v", err)
	}
}
