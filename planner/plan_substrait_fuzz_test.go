package planner

import (
	"context"
	"testing"
	"time"

	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/proto/errs"
	"google.golang.org/grpc/codes"
	gproto "google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// FuzzPlanSubstrait: client Substrait plans through PlanSubstrait. No input may panic (a
// recovered panic is ErrInternal, a failure here), every refusal wraps a proto/errs sentinel,
// and planning stays quick. Seeds: plans built with substrait-go, plans the producer makes of
// SQL with their file reads turned into named tables (what a client may send), and truncated
// and bit-flipped copies.
func FuzzPlanSubstrait(f *testing.F) {
	p := testPlanner()
	var seeds [][]byte
	seeds = append(seeds, filterPlan(f, "t"), filterPlan(f, "public", "t"), filterPlan(f, "nope"))
	for _, sql := range clientSQL {
		st, err := p.Plan(context.Background(), Session{}, sql, nil)
		if err != nil {
			f.Fatalf("%s: %v", sql, err)
		}
		seeds = append(seeds, asClientPlan(f, st.(*Query).Plan))
	}
	for _, s := range seeds {
		f.Add(s)
		f.Add(s[:len(s)/2])
		flipped := append([]byte(nil), s...)
		flipped[len(flipped)/3] ^= 0x5a
		f.Add(flipped)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		for _, s := range []Session{{}, {DryRun: true}} {
			_, err := p.PlanSubstrait(ctx, s, raw)
			switch c := errs.Code(err); c {
			case codes.Internal, codes.Unknown:
				t.Fatalf("PlanSubstrait: %v (%v)", c, err)
			}
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("planning took %v", d)
		}
	})
}

// asClientPlan turns a plan of the producer into what a client may send: its file reads
// become reads of the named table t, or u for two-column reads (clients may not name files).
func asClientPlan(f testing.TB, raw []byte) []byte {
	f.Helper()
	var pl pb.Plan
	if err := gproto.Unmarshal(raw, &pl); err != nil {
		f.Fatal(err)
	}
	var walk func(m protoreflect.Message)
	walk = func(m protoreflect.Message) {
		if rr, ok := m.Interface().(*pb.ReadRel); ok && rr.GetExtensionTable() != nil {
			name := "t"
			if len(rr.GetBaseSchema().GetNames()) == 2 {
				name = "u"
			}
			rr.ReadType = &pb.ReadRel_NamedTable_{NamedTable: &pb.ReadRel_NamedTable{Names: []string{name}}}
		}
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.Kind() != protoreflect.MessageKind || fd.IsMap():
			case fd.IsList():
				for i := 0; i < v.List().Len(); i++ {
					walk(v.List().Get(i).Message())
				}
			default:
				walk(v.Message())
			}
			return true
		})
	}
	walk(pl.ProtoReflect())
	out, err := gproto.Marshal(&pl)
	if err != nil {
		f.Fatal(err)
	}
	return out
}
