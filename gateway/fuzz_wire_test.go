package gateway

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	pb "github.com/apache/arrow-go/v18/arrow/flight/gen/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/coordinator"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto/errs"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	gproto "google.golang.org/protobuf/proto"
)

// Fuzz targets at the gateway's boundaries (issue 10, deliverable 1): Flight commands and
// tickets, client Substrait plans, DoPut/ingest IPC streams. Each runs against an in-process
// gateway (the Flight SQL router over a real Server, no network) with no recover of its own: a
// panic is a finding, and so is an Internal error for what can only be bad input. Findings
// are kept as seeds under testdata/fuzz/<target>.
//
//	go test ./gateway -run '^$' -fuzz FuzzFlightCommands -fuzztime 10m -parallel 1

// fuzzGateway is one in-process gateway per fuzzing process, with a small table t.
type fuzzGateway struct {
	srv    *Server
	router flight.FlightServer
	ctx    context.Context // authenticated as admin
}

// fuzzServer starts the gateway of one fuzzing process (each worker runs the target's body
// once, then calls its fuzz function many times).
func fuzzServer(f *testing.F) *fuzzGateway {
	f.Helper()
	srv, _, err := New(context.Background(), Config{
		DataDir: f.TempDir(), AdminPassword: testPassword,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Alloc:  memory.NewGoAllocator(),
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { srv.cat.Close() })
	id := Identity{Tenant: catalog.DefaultTenant, User: catalog.AdminUser}
	ctx := context.WithValue(context.Background(), identityKey{}, id)
	gw := &fuzzGateway{srv: srv, ctx: ctx}
	gw.router = &flightService{FlightServer: flightsql.NewFlightServerWithAllocator(srv, srv.alloc), auth: srv.auth}
	for _, sql := range []string{
		`CREATE TABLE t (id BIGINT, name TEXT, score DOUBLE PRECISION, day DATE)`,
		`INSERT INTO t VALUES (1, 'a', 1.5, DATE '2024-01-01'), (2, NULL, 2.5, DATE '2024-02-01'), (3, 'c', NULL, NULL)`,
	} {
		if _, err := srv.DoPutCommandStatementUpdate(ctx, &pb.CommandStatementUpdate{Query: sql}); err != nil {
			f.Fatal(err)
		}
	}
	return gw
}

// putSource is a DoPut stream replaying messages.
type putSource struct {
	grpc.ServerStream
	in *sliceStream
}

func (p putSource) Recv() (*flight.FlightData, error) { return p.in.Recv() }
func (p putSource) Send(*flight.PutResult) error      { return nil }

// doGetSink is a DoGet stream that drops what it is sent.
type doGetSink struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *doGetSink) Context() context.Context      { return s.ctx }
func (s *doGetSink) Send(*flight.FlightData) error { return nil }
func (s *doGetSink) SetHeader(metadata.MD) error   { return nil }
func (s *doGetSink) SendHeader(metadata.MD) error  { return nil }
func (s *doGetSink) SetTrailer(metadata.MD)        {}
func (s *doGetSink) SendMsg(any) error             { return nil }
func (s *doGetSink) RecvMsg(any) error             { return io.EOF }
func (gw *fuzzGateway) doGet(ctx context.Context, ticket []byte) error {
	return gw.router.DoGet(&flight.Ticket{Ticket: ticket}, &doGetSink{ctx: ctx})
}

// badInput fails the fuzz run when err is Internal: bad input must get a code that says so.
func badInput(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return
	}
	if c := errs.Code(err); c == codes.Internal || c == codes.Unknown {
		t.Fatalf("%s: %v (%v)", what, c, err)
	}
}

// watchdog turns an input that runs far past its context's deadline into a crash (with every
// goroutine's stack) so the fuzzer keeps it: work that ignores cancellation is a finding too.
func watchdog() (stop func() bool) {
	return time.AfterFunc(30*time.Second, func() {
		buf := make([]byte, 8<<20)
		os.Stderr.Write(buf[:runtime.Stack(buf, true)])
		panic("input ran 30s past a 5s deadline")
	}).Stop
}

func mustAny(f *testing.F, m gproto.Message) []byte {
	f.Helper()
	return anyDescriptor(f, m).Cmd
}

// FuzzFlightCommands: arbitrary bytes as a GetFlightInfo descriptor command (Any-wrapped
// Flight SQL commands) and as a DoGet ticket; tickets the gateway hands out are run.
func FuzzFlightCommands(f *testing.F) {
	gw := fuzzServer(f)
	for _, m := range []gproto.Message{
		&pb.CommandStatementQuery{Query: "SELECT id, name FROM t WHERE id > 1 ORDER BY id"},
		&pb.CommandStatementQuery{Query: "SELECT count(*), sum(score) FROM t GROUP BY day"},
		&pb.CommandGetTables{IncludeSchema: true},
		&pb.CommandGetDbSchemas{},
		&pb.CommandGetCatalogs{},
		&pb.CommandGetSqlInfo{Info: []uint32{0, 1, 2}},
		&pb.CommandGetXdbcTypeInfo{},
		&pb.CommandGetPrimaryKeys{Table: "t"},
		&pb.CommandGetTableTypes{},
		&pb.TicketStatementQuery{StatementHandle: []byte("not a handle")},
	} {
		f.Add(mustAny(f, m))
	}
	// Real tickets: mutations of these reach the ticket checks.
	info, err := gw.router.GetFlightInfo(gw.ctx, anyDescriptor(f, &pb.CommandStatementQuery{Query: "SELECT * FROM t"}))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(info.Endpoint[0].Ticket.Ticket)
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(gw.ctx, 5*time.Second)
		defer cancel()
		defer watchdog()()
		info, err := gw.router.GetFlightInfo(ctx, &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: data})
		badInput(t, "GetFlightInfo", err)
		if err == nil {
			for _, ep := range info.Endpoint {
				badInput(t, "DoGet of a ticket the gateway issued", gw.doGet(ctx, ep.Ticket.Ticket))
			}
		}
		_, err = gw.router.GetSchema(ctx, &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: data})
		badInput(t, "GetSchema", err)
		badInput(t, "DoGet", gw.doGet(ctx, data))
	})
}

// FuzzSubstraitPlans: client Substrait plans (CommandStatementSubstraitPlan), mutated from
// plans the planner produces. The gateway's admission refuses them or runs them.
func FuzzSubstraitPlans(f *testing.F) {
	gw := fuzzServer(f)
	sess := planner.Session{Tenant: catalog.DefaultTenant, User: catalog.AdminUser, Schema: catalog.DefaultSchema}
	for _, sql := range []string{
		`SELECT id, name FROM t WHERE id > 1 ORDER BY id LIMIT 2`,
		`SELECT day, count(*), sum(score) FROM t GROUP BY day`,
		`SELECT a.id, b.name FROM t a JOIN t b ON a.id = b.id WHERE a.score IS NOT NULL`,
		`SELECT upper(name) || '!', id * 2 + 1, CASE WHEN score > 2 THEN 'hi' END FROM t`,
		`SELECT * FROM (VALUES (1, 'x'), (2, 'y')) v(a, b) WHERE a IN (1, 3)`,
		`SELECT id, row_number() OVER (ORDER BY score) FROM t`,
	} {
		st, err := gw.srv.planner.Plan(gw.ctx, sess, sql, nil)
		if err != nil {
			f.Fatalf("%s: %v", sql, err)
		}
		q, ok := st.(*planner.Query)
		if !ok {
			f.Fatalf("%s: %T", sql, st)
		}
		f.Add(clientPlan(f, q.Plan))
	}
	f.Fuzz(func(t *testing.T, plan []byte) {
		ctx, cancel := context.WithTimeout(gw.ctx, 5*time.Second)
		defer cancel()
		defer watchdog()()
		cmd := anyDescriptor(t, &pb.CommandStatementSubstraitPlan{Plan: &pb.SubstraitPlan{Plan: plan, Version: SubstraitVersion}})
		info, err := gw.router.GetFlightInfo(ctx, cmd)
		badInput(t, "GetFlightInfo(Substrait plan)", err)
		if err != nil {
			return
		}
		for _, ep := range info.Endpoint {
			badInput(t, "DoGet(Substrait plan)", gw.doGet(ctx, ep.Ticket.Ticket))
		}
	})
}

// clientPlan turns a planner plan into what a client sends: its file scans become named
// table reads of t (clients may not name files).
func clientPlan(f *testing.F, raw []byte) []byte {
	f.Helper()
	var p substraitpb.Plan
	if err := gproto.Unmarshal(raw, &p); err != nil {
		f.Fatal(err)
	}
	var reads []*substraitpb.ReadRel
	collectReads(p.ProtoReflect(), &reads)
	for _, rr := range reads {
		if rr.GetExtensionTable() != nil {
			rr.ReadType = &substraitpb.ReadRel_NamedTable_{NamedTable: &substraitpb.ReadRel_NamedTable{Names: []string{"t"}}}
		}
	}
	out, err := gproto.Marshal(&p)
	if err != nil {
		f.Fatal(err)
	}
	return out
}

// FuzzIngestStream: schema and body mutations of a real IPC stream through the IPC guard,
// arrow-go's reader, the batch validation and the ingest write path (cast to the table's
// types, Parquet encoding; the write is aborted, not committed).
func FuzzIngestStream(f *testing.F) {
	gw := fuzzServer(f)
	rec := sampleBatch(memory.NewGoAllocator(), 50)
	msgs := ipcMessages(f, rec)
	rec.Release()
	f.Add(msgs[0].DataHeader, msgs[1].DataHeader, msgs[1].DataBody)
	small := sampleBatch(memory.NewGoAllocator(), 3)
	sm := ipcMessages(f, small)
	small.Release()
	f.Add(sm[0].DataHeader, sm[1].DataHeader, sm[1].DataBody)
	f.Fuzz(func(t *testing.T, schemaHdr, batchHdr, body []byte) {
		ctx, cancel := context.WithTimeout(gw.ctx, 5*time.Second)
		defer cancel()
		defer watchdog()()
		in := &sliceStream{msgs: []*flight.FlightData{
			{DataHeader: schemaHdr},
			{DataHeader: batchHdr, DataBody: body},
			{DataHeader: batchHdr, DataBody: body},
		}}
		g := &guardedPut{FlightService_DoPutServer: putSource{in: in}, ipcGate: newIPCGate()}
		rdr, err := flight.NewRecordReader(g, ipc.WithAllocator(gw.srv.alloc), ipc.WithDelayReadSchema(true))
		if err != nil {
			badInput(t, "schema", errs.Errorf(errs.ErrInvalidArgument, "%v", err))
			return
		}
		defer rdr.Release()
		n, err := gw.srv.ingestDryRun(ctx, rdr)
		badInput(t, "ingest", err)
		_ = n
	})
}

// ingestDryRun runs an ingest stream through the ingest path into a writer that is aborted.
func (s *Server) ingestDryRun(ctx context.Context, rdr flight.MessageReader) (int64, error) {
	checked := checkedBatches(rdr)
	sc := checked.Schema()
	if err := checked.Err(); sc == nil && err != nil {
		return 0, err
	}
	cols, err := coordinator.IngestColumns(sc)
	if err != nil {
		return 0, err
	}
	w := s.coord.Store().NewWriter(catalog.Table{Ref: catalog.TableRef{Tenant: catalog.DefaultTenant, Schema: catalog.DefaultSchema, Name: "fuzz"}, Columns: cols})
	defer w.Abort()
	return s.coord.WriteBatches(ctx, w, checked)
}
