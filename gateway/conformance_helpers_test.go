package gateway

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	adbcflight "github.com/apache/arrow-adbc/go/adbc/driver/flightsql"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/gateway/sqllogictest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// The conformance suite: every Flight SQL RPC Tern serves, exercised through arrow-go's
// flightsql.Client and the ADBC Go driver against an in-process gateway (gateway.New, Listen,
// Serve), including wrong credentials, forged and expired handles, cancellation and timeouts.

const testPassword = "conformance"

type testServer struct {
	*Server
	addr  string
	alloc *memory.CheckedAllocator
}

// startServer runs a gateway on a fresh data directory until the test ends; mod adjusts the
// configuration. The server's allocator is checked: every buffer must be released at the end.
func startServer(t testing.TB, mod func(*Config)) *testServer {
	t.Helper()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	cfg := Config{
		Listen:        "127.0.0.1:0",
		DataDir:       t.TempDir(),
		AdminPassword: testPassword,
		Logger:        slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		Alloc:         alloc,
	}
	if mod != nil {
		mod(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, _, err := New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatalf("starting gateway: %v", err)
	}
	if err := srv.Listen(); err != nil {
		cancel()
		t.Fatalf("listening: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("gateway: %v", err)
		}
		// Producers finish asynchronously after their streams end.
		deadline := time.Now().Add(5 * time.Second)
		for alloc.CurrentAlloc() != 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		alloc.AssertSize(t, 0)
	})
	return &testServer{Server: srv, addr: srv.Addr(), alloc: alloc}
}

// client is an authenticated arrow-go Flight SQL client that keeps cookies (sessions).
type client struct {
	*flightsql.Client
	ctx   context.Context // carries the bearer token
	alloc *memory.CheckedAllocator
}

func (ts *testServer) client(t testing.TB, opts ...grpc.DialOption) *client {
	t.Helper()
	return dialClient(t, ts.addr, "admin", testPassword, append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)...)
}

func dialClient(t testing.TB, addr, user, password string, opts ...grpc.DialOption) *client {
	t.Helper()
	cl, err := flightsql.NewClient(addr, nil, []flight.ClientMiddleware{flight.NewClientCookieMiddleware()}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	cl.Alloc = alloc
	ctx, err := cl.Client.AuthenticateBasicToken(context.Background(), user, password)
	if err != nil {
		cl.Close()
		t.Fatalf("authenticating: %v", err)
	}
	t.Cleanup(func() {
		cl.Close()
		alloc.AssertSize(t, 0)
	})
	return &client{Client: cl, ctx: ctx, alloc: alloc}
}

func (c *client) exec(t testing.TB, sql string) int64 {
	t.Helper()
	n, err := c.ExecuteUpdate(c.ctx, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// rows reads every endpoint of info and renders rows as "v1|v2".
func (c *client) rows(t testing.TB, info *flight.FlightInfo) []string {
	t.Helper()
	out, err := c.readInfo(c.ctx, info)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (c *client) readInfo(ctx context.Context, info *flight.FlightInfo) ([]string, error) {
	var out []string
	for _, ep := range info.Endpoint {
		rdr, err := c.DoGet(ctx, ep.Ticket)
		if err != nil {
			return out, err
		}
		for rdr.Next() {
			out = append(out, render(rdr.RecordBatch())...)
		}
		err = rdr.Err()
		rdr.Release()
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func render(rec arrow.RecordBatch) []string {
	var out []string
	for r := 0; r < int(rec.NumRows()); r++ {
		cells := make([]string, rec.NumCols())
		for c := range cells {
			cells[c] = sqllogictest.FormatArrowValue(rec.Column(c), r)
		}
		out = append(out, strings.Join(cells, "|"))
	}
	return out
}

func (c *client) query(t testing.TB, sql string) []string {
	t.Helper()
	info, err := c.Execute(c.ctx, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return c.rows(t, info)
}

func want(t testing.TB, got []string, rows ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(rows, "\n") {
		t.Fatalf("rows differ\n got: %q\nwant: %q", got, rows)
	}
}

func wantCode(t testing.TB, err error, code codes.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %v, got success", code)
	}
	if got := status.Code(err); got != code {
		var ae adbc.Error
		if errors.As(err, &ae) {
			t.Fatalf("want %v, got ADBC %v: %v", code, ae.Code, err)
		}
		t.Fatalf("want %v, got %v: %v", code, got, err)
	}
}

// openADBC opens an ADBC connection (cookies on, for sessions).
func (ts *testServer) openADBC(t testing.TB, extra map[string]string) adbc.Connection {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	opts := map[string]string{
		adbc.OptionKeyURI:                 "grpc://" + ts.addr,
		adbc.OptionKeyUsername:            "admin",
		adbc.OptionKeyPassword:            testPassword,
		adbcflight.OptionCookieMiddleware: adbc.OptionValueEnabled,
	}
	for k, v := range extra {
		opts[k] = v
	}
	db, err := adbcflight.NewDriver(mem).NewDatabase(opts)
	if err != nil {
		t.Fatal(err)
	}
	cn, err := db.Open(context.Background())
	if err != nil {
		db.Close()
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		cn.Close()
		db.Close()
		mem.AssertSize(t, 0)
	})
	return cn
}

func adbcQuery(t testing.TB, cn adbc.Connection, sql string, params arrow.RecordBatch) []string {
	t.Helper()
	st, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetSqlQuery(sql); err != nil {
		t.Fatal(err)
	}
	if params != nil {
		if err := st.Prepare(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := st.Bind(context.Background(), params); err != nil {
			t.Fatal(err)
		}
	}
	rdr, _, err := st.ExecuteQuery(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rdr.Release()
	var out []string
	for rdr.Next() {
		out = append(out, render(rdr.RecordBatch())...)
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func adbcExec(t testing.TB, cn adbc.Connection, sql string) int64 {
	t.Helper()
	st, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetSqlQuery(sql); err != nil {
		t.Fatal(err)
	}
	n, err := st.ExecuteUpdate(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// int64Reader generates rows 0..n-1 of one BIGINT column x (and x % 1000 as y) in batches.
type int64Reader struct {
	schema *arrow.Schema
	n, off int64
	batch  int64
	cur    arrow.RecordBatch
	mem    memory.Allocator
}

func newInt64Reader(mem memory.Allocator, n, batch int64) *int64Reader {
	return &int64Reader{
		schema: arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}, {Name: "y", Type: arrow.PrimitiveTypes.Int32, Nullable: true}}, nil),
		n:      n, batch: batch, mem: mem,
	}
}

func (r *int64Reader) Schema() *arrow.Schema { return r.schema }
func (r *int64Reader) Retain()               {}
func (r *int64Reader) Release() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}
func (r *int64Reader) Err() error                     { return nil }
func (r *int64Reader) RecordBatch() arrow.RecordBatch { return r.cur }
func (r *int64Reader) Record() arrow.RecordBatch      { return r.cur }
func (r *int64Reader) Next() bool {
	r.Release()
	if r.off >= r.n {
		return false
	}
	k := min(r.batch, r.n-r.off)
	xb := array.NewInt64Builder(r.mem)
	yb := array.NewInt32Builder(r.mem)
	xb.Reserve(int(k))
	yb.Reserve(int(k))
	for i := r.off; i < r.off+k; i++ {
		xb.UnsafeAppend(i)
		yb.UnsafeAppend(int32(i % 1000))
	}
	x, y := xb.NewArray(), yb.NewArray()
	xb.Release()
	yb.Release()
	r.cur = array.NewRecordBatch(r.schema, []arrow.Array{x, y}, k)
	x.Release()
	y.Release()
	r.off += k
	return true
}

var _ array.RecordReader = (*int64Reader)(nil)

// ingestRows bulk-loads n generated rows into a new table through CommandStatementIngest.
func (c *client) ingestRows(t testing.TB, table string, n int64) {
	t.Helper()
	rdr := newInt64Reader(c.alloc, n, 64<<10)
	defer rdr.Release()
	got, err := c.ExecuteIngest(c.ctx, rdr, &flightsql.ExecuteIngestOpts{
		TableDefinitionOptions: &flightsql.TableDefinitionOptions{
			IfNotExist: flightsql.TableDefinitionOptionsTableNotExistOptionCreate,
			IfExists:   flightsql.TableDefinitionOptionsTableExistsOptionFail,
		},
		Table: table,
	})
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	if got != n {
		t.Fatalf("ingest reported %d rows, want %d", got, n)
	}
}

// sessionCookie returns the session cookie set in response headers.
func sessionCookie(t testing.TB, hdr metadata.MD) string {
	t.Helper()
	for _, v := range hdr.Get("set-cookie") {
		if strings.HasPrefix(v, sessionCookieName+"=") {
			return strings.SplitN(v, ";", 2)[0]
		}
	}
	t.Fatalf("no session cookie in %v", hdr)
	return ""
}

func withCookie(ctx context.Context, cookie string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "cookie", cookie)
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
