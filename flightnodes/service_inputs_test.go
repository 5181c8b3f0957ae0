package flightnodes_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/tern-db/tern/flightnodes"
	"github.com/tern-db/tern/proto"
)

// resultSchema runs plan in-process to learn its result schema (the planner's promise).
func resultSchema(t *testing.T, plan []byte) []byte {
	t.Helper()
	s, err := flightnodes.NewNode(nil).Run(context.Background(), &proto.Fragment{QueryID: "schema", Plan: plan})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return flight.SerializeSchema(s.Schema(), memory.DefaultAllocator)
}

func int64Rows(n int) [][]*substraitpb.Expression_Literal {
	out := make([][]*substraitpb.Expression_Literal, n)
	for i := range out {
		out[i] = []*substraitpb.Expression_Literal{litI64(int64(i))}
	}
	return out
}

// An exchange stream between nodes is bounded by its window: a consumer that stops reading
// stops its producer long before the producer's output is done, and reading on finishes it
// with every row.
func TestExchangeBackpressure(t *testing.T) {
	addr, node := startService(t, memory.NewGoAllocator())
	const left, right = 300, 3000
	p := newPlan()
	cross := &substraitpb.Rel{RelType: &substraitpb.Rel_Cross{Cross: &substraitpb.CrossRel{
		Left:  values([]string{"a"}, []*substraitpb.Type{tyI64()}, int64Rows(left)...),
		Right: values([]string{"b"}, []*substraitpb.Type{tyI64()}, int64Rows(right)...),
	}}}
	plan := p.root(cross, "a", "b")
	f := &proto.Fragment{QueryID: "bp", Tenant: "default", Plan: plan, Schema: resultSchema(t, plan)}
	peers := &flightnodes.PeerInputs{Key: serviceKey, Window: 64 << 10,
		Dial: []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}}
	defer peers.Close()
	ctx := flightnodes.WithCaller(context.Background(), flightnodes.Caller{Tenant: "default", User: "u"})
	s, err := flightnodes.FetchFragment(flightnodes.Fetch{Fragment: f, Candidates: []string{addr}, Key: serviceKey, Dialer: peers})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Open(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := s.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := b.NumRows()
	b.Release()
	// The consumer reads nothing more: the producer must stall.
	produced := func() (n int64) {
		for _, st := range node.Stats("bp") {
			n += st.GetRows()
		}
		return n
	}
	var last int64 = -1
	for stable := 0; stable < 10; {
		time.Sleep(20 * time.Millisecond)
		if n := produced(); n == last {
			stable++
		} else {
			last, stable = n, 0
		}
	}
	if last > left*right/4 {
		t.Fatalf("the producer ran %d rows ahead of a consumer that read %d (of %d): no backpressure", last, got, left*right)
	}
	t.Logf("producer stalled at %d of %d rows with the consumer at %d", last, left*right, got)
	for {
		b, err := s.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got += b.NumRows()
		b.Release()
	}
	if got != left*right {
		t.Fatalf("%d rows, want %d", got, left*right)
	}
}
