package flightnodes_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	gproto "google.golang.org/protobuf/proto"

	"github.com/tern-db/tern/flightnodes"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
	"github.com/tern-db/tern/proto/planpb"
)

var serviceKey = []byte("service test cluster key")

// startService serves a node's Flight service on loopback.
func startService(t *testing.T, mem memory.Allocator) (string, *flightnodes.Node) {
	t.Helper()
	n := flightnodes.NewNode(mem)
	svc := &flightnodes.Service{Node: n, Key: serviceKey, Alloc: mem}
	gs := grpc.NewServer(svc.ServerOptions()...)
	flight.RegisterFlightServiceServer(gs, svc)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go gs.Serve(lis)
	t.Cleanup(gs.Stop)
	return lis.Addr().String(), n
}

func dialNode(t *testing.T, addr string) flight.Client {
	t.Helper()
	c, err := flight.NewClientWithMiddleware(addr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func authed(t *testing.T, key []byte, tenant string) context.Context {
	tok, err := flightnodes.BearerToken(key, flightnodes.Caller{Tenant: tenant, User: "u"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+tok)
}

// threeRows is a fragment returning x = 1, 2, 3.
func threeRows() []byte {
	return newPlan().root(values([]string{"x"}, []*substraitpb.Type{tyI64()},
		[]*substraitpb.Expression_Literal{litI64(1)}, []*substraitpb.Expression_Literal{litI64(2)}, []*substraitpb.Expression_Literal{litI64(3)}), "x")
}

func fetch(ctx context.Context, c flight.Client, tkt []byte) (rows int64, last []byte, err error) {
	st, err := c.DoGet(ctx, &flight.Ticket{Ticket: tkt})
	if err != nil {
		return 0, nil, err
	}
	r, err := flight.NewRecordReader(st, ipc.WithAllocator(memory.DefaultAllocator))
	if err != nil {
		return 0, nil, err
	}
	defer r.Release()
	for r.Next() {
		rows += r.RecordBatch().NumRows()
		last = r.LatestAppMetadata()
	}
	return rows, last, r.Err()
}

func TestServiceRunsSignedFragments(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	addr, _ := startService(t, mem)
	c := dialNode(t, addr)
	tkt, err := flightnodes.ServiceTicket(serviceKey, &proto.Fragment{QueryID: "q1", Tenant: "default", Plan: threeRows()}, time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	rows, md, err := fetch(authed(t, serviceKey, "default"), c, tkt)
	if err != nil || rows != 3 {
		t.Fatalf("rows=%d err=%v", rows, err)
	}
	var st planpb.FragmentStats
	if err := gproto.Unmarshal(md, &st); err != nil || st.GetRows() != 3 || st.GetQueryId() != "q1" {
		t.Fatalf("last app metadata %v (%v), want the fragment's stats", &st, err)
	}
}

func TestServiceRefuses(t *testing.T) {
	addr, _ := startService(t, memory.NewGoAllocator())
	c := dialNode(t, addr)
	good, _ := flightnodes.ServiceTicket(serviceKey, &proto.Fragment{QueryID: "q", Tenant: "default", Plan: threeRows()}, time.Now().Add(time.Minute))
	other, _ := flightnodes.ServiceTicket([]byte("another key"), &proto.Fragment{QueryID: "q", Tenant: "default", Plan: threeRows()}, time.Now().Add(time.Minute))
	expired, _ := flightnodes.ServiceTicket(serviceKey, &proto.Fragment{QueryID: "q", Tenant: "default", Plan: threeRows()}, time.Now().Add(-time.Minute))
	for _, tc := range []struct {
		name string
		ctx  context.Context
		tkt  []byte
		want codes.Code
	}{
		{"no token", context.Background(), good, codes.Unauthenticated},
		{"token of another key", authed(t, []byte("another key"), "default"), good, codes.Unauthenticated},
		{"garbage ticket", authed(t, serviceKey, "default"), []byte("garbage"), codes.InvalidArgument},
		{"ticket of another key", authed(t, serviceKey, "default"), other, codes.InvalidArgument},
		{"expired ticket", authed(t, serviceKey, "default"), expired, codes.InvalidArgument},
		{"another tenant's ticket", authed(t, serviceKey, "other"), good, codes.InvalidArgument},
	} {
		if _, _, err := fetch(tc.ctx, c, tc.tkt); status.Code(err) != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestServiceCancelAction(t *testing.T) {
	addr, _ := startService(t, memory.NewGoAllocator())
	c := dialNode(t, addr)
	ctx := authed(t, serviceKey, "default")
	body, _ := gproto.Marshal(&planpb.CancelFragments{QueryId: "q9"})
	st, err := c.DoAction(ctx, &flight.Action{Type: proto.ActionCancelFragments, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Recv(); err != nil {
		t.Fatal(err)
	}
	tkt, _ := flightnodes.ServiceTicket(serviceKey, &proto.Fragment{QueryID: "q9", Tenant: "default", Plan: threeRows()}, time.Now().Add(time.Minute))
	if _, _, err := fetch(ctx, c, tkt); status.Code(err) != codes.Canceled {
		t.Fatalf("fragment of a cancelled query: %v, want Canceled", err)
	}
}

// dialer is a flightnodes.Dialer recording failures.
type dialer struct {
	t      *testing.T
	failed []string
}

func (d *dialer) Client(addr string) (flight.Client, error) { return dialNode(d.t, addr), nil }
func (d *dialer) Failed(addr string, _ error)               { d.failed = append(d.failed, addr) }
func (d *dialer) OK(string)                                 {}

// A fragment fetched from candidates: a node that is gone is skipped, the next serves it;
// with none left the error is Unavailable and names each failure.
func TestFetchFragmentFailover(t *testing.T) {
	addr, _ := startService(t, memory.NewGoAllocator())
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := l.Addr().String()
	l.Close()
	plan := threeRows()
	schemaOf := func() []byte {
		n := flightnodes.NewNode(nil)
		s, err := n.Run(context.Background(), &proto.Fragment{QueryID: "s", Plan: plan})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		return flight.SerializeSchema(s.Schema(), memory.DefaultAllocator)
	}
	f := &proto.Fragment{QueryID: "q", Tenant: "default", Plan: plan, Schema: schemaOf()}
	ctx := flightnodes.WithCaller(context.Background(), flightnodes.Caller{Tenant: "default", User: "u"})
	d := &dialer{t: t}
	s, err := flightnodes.FetchFragment(flightnodes.Fetch{Fragment: f, Candidates: []string{dead, addr}, Key: serviceKey, Dialer: d})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var rows int64
	if err := s.Open(ctx); err != nil {
		t.Fatal(err)
	}
	for {
		b, err := s.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows += b.NumRows()
		b.Release()
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if rows != 3 || len(d.failed) != 1 || d.failed[0] != dead {
		t.Fatalf("rows=%d failed=%v", rows, d.failed)
	}
	s2, _ := flightnodes.FetchFragment(flightnodes.Fetch{Fragment: f, Candidates: []string{dead}, Key: serviceKey, Dialer: d})
	defer s2.Close()
	err = s2.Open(ctx)
	if !errors.Is(err, errs.ErrSourceUnavailable) || !strings.Contains(err.Error(), "no tern node could run fragment") || !strings.Contains(err.Error(), dead) {
		t.Fatalf("error %v should be Unavailable, say no node could run it and name %s", err, dead)
	}
}
