package sqllogictest

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// tinyServer is a Flight SQL server that answers any query with a fixed two-batch result,
// "SELECT bad" with an error, and any update with 3 rows. Calls must carry the bearer token
// handed out by its handshake.
type tinyServer struct {
	flightsql.BaseServer
	mem memory.Allocator
}

func checkToken(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("authorization"); len(v) == 0 || v[0] != "Bearer tok" {
		return status.Error(codes.Unauthenticated, "no token")
	}
	return nil
}

func (s *tinyServer) GetFlightInfoStatement(ctx context.Context, cmd flightsql.StatementQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	if err := checkToken(ctx); err != nil {
		return nil, err
	}
	if cmd.GetQuery() == "SELECT bad" {
		return nil, status.Error(codes.InvalidArgument, `relation "bad" does not exist`)
	}
	tkt, err := flightsql.CreateStatementQueryTicket([]byte(cmd.GetQuery()))
	if err != nil {
		return nil, err
	}
	return &flight.FlightInfo{
		FlightDescriptor: desc,
		Endpoint:         []*flight.FlightEndpoint{{Ticket: &flight.Ticket{Ticket: tkt}}},
		TotalRecords:     -1, TotalBytes: -1,
	}, nil
}

var tinySchema = arrow.NewSchema([]arrow.Field{
	{Name: "i", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "n", Type: &arrow.Decimal128Type{Precision: 8, Scale: 2}, Nullable: true},
}, nil)

func (s *tinyServer) DoGetStatement(ctx context.Context, cmd flightsql.StatementQueryTicket) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	if err := checkToken(ctx); err != nil {
		return nil, nil, err
	}
	ch := make(chan flight.StreamChunk, 2)
	for b := 0; b < 2; b++ {
		bld := array.NewRecordBuilder(s.mem, tinySchema)
		bld.Field(0).(*array.Int32Builder).Append(int32(b + 1))
		bld.Field(1).(*array.StringBuilder).Append("row " + string(rune('a'+b)))
		if b == 0 {
			bld.Field(2).(*array.Decimal128Builder).Append(decimal128.FromI64(1975))
		} else {
			bld.Field(2).AppendNull()
		}
		ch <- flight.StreamChunk{Data: bld.NewRecordBatch()}
		bld.Release()
	}
	close(ch)
	return tinySchema, ch, nil
}

func (s *tinyServer) DoPutCommandStatementUpdate(ctx context.Context, cmd flightsql.StatementUpdate) (int64, error) {
	if err := checkToken(ctx); err != nil {
		return 0, err
	}
	if cmd.GetQuery() == "SELECT bad" {
		return 0, status.Error(codes.InvalidArgument, `relation "bad" does not exist`)
	}
	return 3, nil
}

// handshaker answers Handshake with a bearer token in the response header.
type handshaker struct{ flight.FlightServer }

func (handshaker) Handshake(stream flight.FlightService_HandshakeServer) error {
	md, _ := metadata.FromIncomingContext(stream.Context())
	if v := md.Get("authorization"); len(v) == 0 || v[0] != "Basic dTpw" { // u:p
		return status.Error(codes.Unauthenticated, "bad credentials")
	}
	return stream.SetHeader(metadata.Pairs("authorization", "Bearer tok"))
}

func TestFlightSQLBackend(t *testing.T) {
	srvMem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer srvMem.AssertSize(t, 0)
	srv := &tinyServer{mem: srvMem}
	srv.Alloc = srvMem
	g := grpc.NewServer()
	flight.RegisterFlightServiceServer(g, handshaker{flightsql.NewFlightServerWithAllocator(srv, srvMem)})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go g.Serve(lis)
	defer g.Stop()

	ctx := context.Background()
	if _, err := OpenFlightSQL(ctx, lis.Addr().String(), "u", "wrong"); err == nil {
		t.Error("wrong password accepted")
	}
	db, err := OpenFlightSQL(ctx, lis.Addr().String(), "u", "p")
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Query(ctx, "SELECT anything")
	if err != nil {
		t.Fatal(err)
	}
	if got := RenderRows(res.Rows, NoSort); res.Types != "ITR" || len(got) != 2 || got[0] != "1 row a 19.75" || got[1] != "2 row b NULL" {
		t.Errorf("got %q %q", res.Types, got)
	}
	if _, err := db.Query(ctx, "SELECT bad"); err == nil || !strings.Contains(err.Error(), `relation "bad" does not exist`) {
		t.Errorf("query error: %v", err)
	}
	if n, err := db.Exec(ctx, "INSERT"); err != nil || n != 3 {
		t.Errorf("exec: %d %v", n, err)
	}
	if _, err := db.Exec(ctx, "SELECT bad"); err == nil {
		t.Error("exec error expected")
	}
	if err := db.Close(); err != nil {
		t.Error(err)
	}
}
