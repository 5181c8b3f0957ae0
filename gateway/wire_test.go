package gateway

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	pb "github.com/apache/arrow-go/v18/arrow/flight/gen/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/tern-db/tern/flightnodes"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// schemaFieldsLenPos is the position of the length of the schema message's fields vector.
func schemaFieldsLenPos(t testing.TB, header []byte) int {
	t.Helper()
	v := &fbVerifier{buf: header, budget: 1000}
	msg, err := v.root()
	if err != nil {
		t.Fatal(err)
	}
	sc, _, err := msg.table(2)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sc.field(1, 4)
	if err != nil || p < 0 {
		t.Fatalf("no fields vector: %v", err)
	}
	to, err := v.uoffset(p)
	if err != nil {
		t.Fatal(err)
	}
	return to
}

// batchBuffer returns the (offset, length) of the i-th body buffer of a record batch message.
func batchBuffer(t testing.TB, header []byte, i int) (int, int) {
	t.Helper()
	v := &fbVerifier{buf: header, budget: 1000}
	msg, err := v.root()
	if err != nil {
		t.Fatal(err)
	}
	rb, _, err := msg.table(2)
	if err != nil {
		t.Fatal(err)
	}
	bufs, err := rb.vector(2, 16)
	if err != nil || bufs.n <= i {
		t.Fatalf("no buffer %d: %v", i, err)
	}
	p := bufs.start + 16*i
	return int(binary.LittleEndian.Uint64(header[p:])), int(binary.LittleEndian.Uint64(header[p+8:]))
}

// Attack 2 of issue 10: a few flipped bytes in an ingest's schema message made arrow-go size a
// slice from a garbage vector length (a fatal out-of-memory). Every single-byte flip of the
// schema and record batch headers must now give a clean answer, never Internal, never a crash.
func TestWireIngestFlippedHeaderBytes(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	rec := sampleBatch(c.alloc, 100)
	defer rec.Release()
	msgs := ipcMessages(t, rec)
	if len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	fc := c.Client.Client
	if err := rawDoPut(c.ctx, fc, ingestDescriptor(t, "t"), msgs); err != nil {
		t.Fatalf("valid stream: %v", err)
	}

	// The reported case: the fields vector claims a billion fields.
	huge := cloneMsgs(msgs)
	binary.LittleEndian.PutUint32(huge[0].DataHeader[schemaFieldsLenPos(t, huge[0].DataHeader):], 0x3fff_fff0)
	err := rawDoPut(c.ctx, fc, ingestDescriptor(t, "t"), huge)
	wantCode(t, err, codes.InvalidArgument)
	if !strings.Contains(err.Error(), "fields") {
		t.Fatalf("error does not say what was wrong: %v", err)
	}

	for m := range msgs {
		for pos := range msgs[m].DataHeader {
			for _, mask := range []byte{0xff, 0x80, 0x01} {
				bad := cloneMsgs(msgs)
				bad[m].DataHeader[pos] ^= mask
				err := rawDoPut(c.ctx, fc, ingestDescriptor(t, "t"), bad)
				if code := status.Code(err); code == codes.Internal || code == codes.Unavailable || code == codes.Unknown {
					t.Fatalf("message %d byte %d ^%#x: %v", m, pos, mask, err)
				}
			}
		}
	}
	want(t, c.query(t, `SELECT 1`), "1")
}

// Mutated bodies raised slice-bounds panics reported as Internal: they must be InvalidArgument
// naming the problem.
func TestWireIngestMutatedBodies(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	rec := sampleBatch(c.alloc, 100)
	defer rec.Release()
	msgs := ipcMessages(t, rec)
	fc := c.Client.Client

	// Buffers: 0 id validity, 1 id values, 2 name validity, 3 name offsets, 4 name data.
	off, n := batchBuffer(t, msgs[1].DataHeader, 3)
	if n < 16 {
		t.Fatalf("offsets buffer of %d bytes", n)
	}
	bad := cloneMsgs(msgs)
	binary.LittleEndian.PutUint32(bad[1].DataBody[off+8:], 0x7fff_0000) // offset past the data
	err := rawDoPut(c.ctx, fc, ingestDescriptor(t, "t"), bad)
	wantCode(t, err, codes.InvalidArgument)
	if !strings.Contains(err.Error(), `"name"`) {
		t.Fatalf("error does not name the column: %v", err)
	}
	bad = cloneMsgs(msgs)
	bad[1].DataBody = bad[1].DataBody[:len(bad[1].DataBody)/2] // truncated body
	err = rawDoPut(c.ctx, fc, ingestDescriptor(t, "t"), bad)
	wantCode(t, err, codes.InvalidArgument)

	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 400; i++ {
		bad := cloneMsgs(msgs)
		body := bad[1].DataBody
		for k := 0; k < 1+rng.IntN(4); k++ {
			body[rng.IntN(len(body))] ^= byte(1 + rng.IntN(255))
		}
		err := rawDoPut(c.ctx, fc, ingestDescriptor(t, "t"), bad)
		if code := status.Code(err); code != codes.OK && code != codes.InvalidArgument {
			t.Fatalf("mutation %d: %v", i, err)
		}
	}
	// Parameters of a prepared statement go through the same validation.
	ps, err := c.Prepare(c.ctx, `SELECT $1::TEXT`)
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close(c.ctx)
	pmsgs := ipcMessages(t, rec)
	off, _ = batchBuffer(t, pmsgs[1].DataHeader, 3)
	binary.LittleEndian.PutUint32(pmsgs[1].DataBody[off+8:], 0x7fff_0000)
	desc := anyDescriptor(t, &pb.CommandPreparedStatementQuery{PreparedStatementHandle: ps.Handle()})
	err = rawDoPut(c.ctx, fc, desc, pmsgs)
	wantCode(t, err, codes.InvalidArgument)
	want(t, c.query(t, `SELECT count(*) FROM t`), "100")
}

// panicPlanner and panicExec panic on demand, as a bug would.
type panicPlanner struct{ planner.Planner }

func (p panicPlanner) Plan(ctx context.Context, s planner.Session, sql string, params []scalar.Scalar) (planner.Statement, error) {
	if strings.Contains(sql, "panic_now") {
		var m map[string]int
		m["boom"]++ // a nil map write: a runtime panic
	}
	return p.Planner.Plan(ctx, s, sql, params)
}

type panicExec struct {
	flightnodes.Executor
	on *atomic.Bool
}

func (p panicExec) Run(ctx context.Context, f *proto.Fragment) (flightnodes.Stream, error) {
	op, err := p.Executor.Run(ctx, f)
	if err != nil || !p.on.Load() {
		return op, err
	}
	return panicOp{op}, nil
}

type panicOp struct{ flightnodes.Stream }

func (panicOp) Next(context.Context) (arrow.RecordBatch, error) { panic("operator bug") }

// A panic in a handler (unary or stream) or in a goroutine a handler started is Internal
// without detail for the client, a log line with the stack, and the server keeps serving.
func TestWireRecoveryEverywhere(t *testing.T) {
	var logs syncBuffer
	ts := startServer(t, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	var on atomic.Bool
	ts.Server.planner = panicPlanner{ts.Server.planner}
	ts.Server.exec = panicExec{Executor: ts.Server.exec, on: &on}
	c := ts.client(t)

	_, err := c.Execute(c.ctx, `SELECT 'panic_now'`) // unary GetFlightInfo
	wantCode(t, err, codes.Internal)
	if msg := status.Convert(err).Message(); msg != "internal error" {
		t.Fatalf("panic detail reached the client: %q", msg)
	}
	_, err = c.ExecuteUpdate(c.ctx, `INSERT INTO x SELECT 'panic_now'`) // stream DoPut
	wantCode(t, err, codes.Internal)
	on.Store(true)
	info, err := c.Execute(c.ctx, `SELECT 1`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.readInfo(c.ctx, info) // the DoGet producer goroutine panics
	on.Store(false)
	wantCode(t, err, codes.Internal)
	if msg := status.Convert(err).Message(); msg != "internal error" {
		t.Fatalf("panic detail reached the client: %q", msg)
	}
	out := logs.String()
	for _, want := range []string{"GetFlightInfo", "DoPut", "executing", "operator bug", "goroutine ", "panicPlanner.Plan"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	want(t, c.query(t, `SELECT 1`), "1")
}

// Deliverable 2: nothing of a call's messages is read before its caller is authenticated;
// authenticated callers get the configured message limit and stream bulk data in many
// messages.
func TestWireAdmissionBeforeRead(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.MaxMessageSize = 1 << 20 })
	c := ts.client(t)
	fc := c.Client.Client
	big := &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: make([]byte, 4<<20)}
	for _, hdr := range map[string]string{
		"none":         "",
		"bad bearer":   "Bearer " + base64.RawURLEncoding.EncodeToString([]byte("forged")),
		"bad basic":    "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:wrong")),
		"other scheme": "Digest abc",
	} {
		ctx := context.Background()
		if hdr != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", hdr)
		}
		_, err := fc.GetFlightInfo(ctx, big)
		wantCode(t, err, codes.Unauthenticated)
		err = rawDoPut(ctx, fc, big, []*flight.FlightData{{DataBody: make([]byte, 2<<20)}})
		wantCode(t, err, codes.Unauthenticated)
	}
	// Handshake without credentials: refused, its payload unread.
	hs, err := fc.Handshake(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	hs.Send(&flight.HandshakeRequest{Payload: make([]byte, 4<<20)})
	_, err = hs.Recv()
	wantCode(t, err, codes.Unauthenticated)

	// Basic credentials on an ordinary call still work (twice: the second is remembered).
	basic := metadata.AppendToOutgoingContext(context.Background(), "authorization",
		"Basic "+base64.StdEncoding.EncodeToString([]byte("admin:"+testPassword)))
	for range 2 {
		if _, err := fc.GetFlightInfo(basic, statementDescriptor(t, "SELECT 1")); err != nil {
			t.Fatalf("basic credentials: %v", err)
		}
	}
	// Authenticated: a message over the limit is refused, a load over it in many messages is
	// not.
	_, err = fc.GetFlightInfo(c.ctx, big)
	wantCode(t, err, codes.ResourceExhausted)
	c.ingestRows(t, "many", 1_000_000) // 12 MB in 64k-row batches
	want(t, c.query(t, `SELECT count(*) FROM many`), "1000000")
}

func statementDescriptor(t testing.TB, sql string) *flight.FlightDescriptor {
	t.Helper()
	return anyDescriptor(t, &pb.CommandStatementQuery{Query: sql})
}

// The guard must accept every valid stream: a batch of many layouts (nested, dictionary,
// views, run-end encoded, unions, compressed bodies) passes it and reads back equal.
func TestWireIPCGuardAcceptsValidStreams(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schemaMeta := arrow.NewMetadata([]string{"k"}, []string{"v"})
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 20, Scale: 3}, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "tm", Type: arrow.FixedWidthTypes.Time64us, Nullable: true},
		{Name: "list", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		{Name: "struct", Type: arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int32, Nullable: true}, arrow.Field{Name: "b", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64), Nullable: true}), Nullable: true},
		{Name: "map", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), Nullable: true},
		{Name: "dict", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}, Nullable: true},
		{Name: "view", Type: arrow.BinaryTypes.StringView, Nullable: true},
		{Name: "fsl", Type: arrow.FixedSizeListOf(2, arrow.PrimitiveTypes.Int16), Nullable: true},
		{Name: "fsb", Type: &arrow.FixedSizeBinaryType{ByteWidth: 3}, Nullable: true},
		{Name: "ree", Type: arrow.RunEndEncodedOf(arrow.PrimitiveTypes.Int32, arrow.BinaryTypes.String)},
		{Name: "union", Type: arrow.DenseUnionOf([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, {Name: "y", Type: arrow.BinaryTypes.String, Nullable: true}}, []arrow.UnionTypeCode{0, 1})},
		{Name: "ll", Type: arrow.LargeListOf(arrow.BinaryTypes.LargeString), Nullable: true},
		{Name: "dur", Type: arrow.FixedWidthTypes.Duration_ms, Nullable: true},
		{Name: "ival", Type: arrow.FixedWidthTypes.MonthDayNanoInterval, Nullable: true},
		{Name: "f16", Type: arrow.FixedWidthTypes.Float16, Nullable: true},
		{Name: "null", Type: arrow.Null, Nullable: true},
	}, &schemaMeta)
	rows := `[` + strings.Repeat(`{"i8": 1, "dec": "12.345", "ts": "2024-01-02T03:04:05Z", "tm": 1000, "list": ["a", null, "bc"], "struct": {"a": 7, "b": [1.5]}, "map": [{"key": "k", "value": 9}], "dict": "red", "view": "a string longer than twelve bytes", "fsl": [1, 2], "fsb": "YWJj", "ree": "run", "union": [0, 5], "ll": ["x"], "dur": 5, "ival": {"months": 1, "days": 2, "nanoseconds": 3}, "f16": 1.5, "null": null},`, 40) +
		`{"i8": null, "dec": null, "ts": null, "tm": null, "list": null, "struct": null, "map": null, "dict": null, "view": null, "fsl": null, "fsb": null, "ree": "other", "union": [1, "s"], "ll": null, "dur": null, "ival": null, "f16": null, "null": null}]`
	rec, _, err := array.RecordFromJSON(mem, sc, strings.NewReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	for _, opts := range [][]ipc.Option{nil, {ipc.WithZstd()}, {ipc.WithLZ4()}} {
		var c captureStream
		w := flight.NewRecordWriter(&c, append([]ipc.Option{ipc.WithSchema(sc), ipc.WithAllocator(mem)}, opts...)...)
		for range 2 {
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
		}
		w.Close()
		g := newIPCGuard(defaultIPCLimits)
		for i, m := range c.msgs {
			if err := g.check(m.DataHeader, m.DataBody); err != nil {
				t.Fatalf("message %d of a valid stream (%d options): %v", i, len(opts), err)
			}
		}
		rdr, err := flight.NewRecordReader(&sliceStream{msgs: c.msgs}, ipc.WithAllocator(mem))
		if err != nil {
			t.Fatal(err)
		}
		checked := checkedBatches(rdr)
		n := 0
		for checked.Next() {
			if !array.RecordEqual(checked.RecordBatch(), rec) {
				t.Fatalf("batch %d differs", n)
			}
			n++
		}
		if err := checked.Err(); err != nil || n != 2 {
			t.Fatalf("read %d batches: %v", n, err)
		}
		rdr.Release()
	}
}
