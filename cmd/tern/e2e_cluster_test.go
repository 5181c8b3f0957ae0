package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/tern-db/tern/gateway/sqllogictest"
	"github.com/tern-db/tern/proto"
)

// groupedSums is the answer of `SELECT k, count(*), sum(v) FROM t GROUP BY k ORDER BY k`
// over t = generate_series(1, n) as v, v % mod as k, computed here.
func groupedSums(n, mod int) []string {
	counts, sums := make([]int64, mod), make([]int64, mod)
	for v := 1; v <= n; v++ {
		counts[v%mod]++
		sums[v%mod] += int64(v)
	}
	out := make([]string, mod)
	for k := range out {
		out[k] = fmt.Sprintf("%d|%d|%d", k, counts[k], sums[k])
	}
	return out
}

const groupedQuery = "SELECT k, count(*), sum(v) FROM t GROUP BY k ORDER BY k"

// flightLogin connects arrow-go's Flight SQL client to addr and logs in.
func flightLogin(t testing.TB, addr string) (*flightsql.Client, context.Context) {
	t.Helper()
	cl, err := flightsql.NewClient(addr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	ctx, err := cl.Client.AuthenticateBasicToken(context.Background(), "admin", adminPassword)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	return cl, ctx
}

// readAll renders a Flight stream's rows as "v1|v2" strings.
func readAll(t testing.TB, r *flight.Reader) []string {
	t.Helper()
	defer r.Release()
	var out []string
	for r.Next() {
		rec := r.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			var cells []string
			for c := 0; c < int(rec.NumCols()); c++ {
				cells = append(cells, sqllogictest.FormatArrowValue(rec.Column(c), i))
			}
			out = append(out, strings.Join(cells, "|"))
		}
	}
	if err := r.Err(); err != nil {
		t.Fatalf("reading stream: %v", err)
	}
	return out
}

// nodeDoGet fetches a ticket from a node with the caller's metadata.
func nodeDoGet(ctx context.Context, addr string, ticket []byte) (*flight.Reader, error) {
	c, err := flight.NewClientWithMiddleware(addr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	st, err := c.DoGet(ctx, &flight.Ticket{Ticket: ticket})
	if err != nil {
		c.Close()
		return nil, err
	}
	r, err := flight.NewRecordReader(st, ipc.WithAllocator(memory.DefaultAllocator))
	if err != nil {
		c.Close()
		return nil, err
	}
	return r, nil
}

func codeOf(err error) codes.Code {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if s, ok := status.FromError(e); ok {
			return s.Code()
		}
	}
	return status.Code(err)
}

// TestClusterEndToEnd: a Consul dev agent, two `tern node` processes registered in it and a
// gateway watching it. Results come straight from the nodes (the endpoints' locations),
// through the ADBC driver and arrow-go; nodes refuse forged tickets and foreign tokens;
// CancelFlightInfo reaches every node; a node stopped with SIGTERM leaves Consul.
func TestClusterEndToEnd(t *testing.T) {
	consul := startConsul(t)
	t.Setenv("TERN_SECRET", clusterSecret)
	n1 := startNode(t, "127.0.0.1:0", consul.addr)
	n2 := startNode(t, "127.0.0.1:0", consul.addr)
	consul.waitHealthy(t, 2)
	gw := startServer(t, t.TempDir(), "--consul", consul.addr)
	nodes := map[string]*nodeProc{n1.addr: n1, n2.addr: n2}

	cn, _ := openADBC(t, gw.addr, "admin", adminPassword)
	execUpdate(t, cn, "CREATE TABLE t AS SELECT g AS v, g % 7 AS k FROM generate_series(1, 20000) g")
	want := groupedSums(20000, 7)
	expectRows(t, mustQuery(t, cn, groupedQuery), want...)

	// The FlightInfo points at the nodes: the picked one first, the other as an alternate.
	cl, ctx := flightLogin(t, gw.addr)
	info, err := cl.Execute(ctx, groupedQuery)
	if err != nil {
		t.Fatal(err)
	}
	if !info.GetOrdered() || len(info.Endpoint) != 1 {
		t.Fatalf("ordered=%v endpoints=%d, want an ordered single endpoint", info.GetOrdered(), len(info.Endpoint))
	}
	ep := info.Endpoint[0]
	var locs []string
	for _, l := range ep.Location {
		a, ok := strings.CutPrefix(l.GetUri(), "grpc+tcp://")
		if !ok || nodes[a] == nil {
			t.Fatalf("location %q is not a node's", l.GetUri())
		}
		locs = append(locs, a)
	}
	if len(locs) != 2 || locs[0] == locs[1] {
		t.Fatalf("locations %v, want both nodes", locs)
	}
	r, err := nodeDoGet(ctx, locs[0], ep.Ticket.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	expectRows(t, readAll(t, r), want...)
	if !hasLine(nodes[locs[0]].out.String(), "running fragment", "user=admin") {
		t.Fatalf("node %s did not log the fragment it served", locs[0])
	}
	// The alternate can serve the same ticket (another node re-running it).
	r, err = nodeDoGet(ctx, locs[1], ep.Ticket.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	expectRows(t, readAll(t, r), want...)

	// Partitioned plans: one endpoint per final partition, each located at a node.
	if _, err := cl.ExecuteUpdate(ctx, "SET tern.partitions = 2"); err != nil {
		t.Fatal(err)
	}
	info, err = cl.Execute(ctx, "SELECT k, count(*), sum(v) FROM t GROUP BY k")
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Endpoint) != 2 || info.GetOrdered() {
		t.Fatalf("endpoints=%d ordered=%v, want 2 unordered", len(info.Endpoint), info.GetOrdered())
	}
	var got []string
	for _, ep := range info.Endpoint {
		r, err := nodeDoGet(ctx, strings.TrimPrefix(ep.Location[0].GetUri(), "grpc+tcp://"), ep.Ticket.Ticket)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, readAll(t, r)...)
	}
	sort.Strings(got)
	w := slices.Clone(want)
	sort.Strings(w)
	expectRows(t, got, w...)
	// The final fragments fetched their inputs (the scans) from the nodes over Flight.
	if !hasLine(n1.out.String()+n2.out.String(), "fetching input fragment") {
		t.Fatalf("no node fetched an input fragment from a peer:\n%s\n%s", n1.out.String(), n2.out.String())
	}
	// The same through the ADBC driver, which fetches both endpoints from the nodes.
	cnp, _ := openADBC(t, gw.addr, "admin", adminPassword)
	execUpdate(t, cnp, "SET tern.partitions = 2")
	got = mustQuery(t, cnp, "SELECT k, count(*), sum(v) FROM t GROUP BY k")
	sort.Strings(got)
	expectRows(t, got, w...)

	// Nodes refuse what the cluster key did not seal, and callers without a token.
	_, err = nodeDoGet(ctx, n1.addr, []byte("forged"))
	if codeOf(err) != codes.InvalidArgument {
		t.Fatalf("forged ticket: %v, want InvalidArgument", err)
	}
	forged := proto.Sign([]byte("another key"), proto.KindFragment, time.Time{}, []byte(`{"q":"x","t":"default","p":"AA=="}`))
	_, err = nodeDoGet(ctx, n1.addr, forged)
	if codeOf(err) != codes.InvalidArgument {
		t.Fatalf("ticket sealed with another key: %v, want InvalidArgument", err)
	}
	_, err = nodeDoGet(context.Background(), n1.addr, ep.Ticket.Ticket)
	if codeOf(err) != codes.Unauthenticated {
		t.Fatalf("no token: %v, want Unauthenticated", err)
	}
	badTok := base64.RawURLEncoding.EncodeToString(proto.Sign([]byte("another key"), proto.KindToken, time.Time{}, []byte(`{"t":"default","u":"admin"}`)))
	_, err = nodeDoGet(metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+badTok), n1.addr, ep.Ticket.Ticket)
	if codeOf(err) != codes.Unauthenticated {
		t.Fatalf("token sealed with another key: %v, want Unauthenticated", err)
	}

	// CancelFlightInfo stops the query on every node: its tickets are refused afterwards.
	info, err = cl.Execute(ctx, groupedQuery)
	if err != nil {
		t.Fatal(err)
	}
	res, err := cl.CancelFlightInfo(ctx, &flight.CancelFlightInfoRequest{Info: info})
	if err != nil || res.Status != flight.CancelStatusCancelled {
		t.Fatalf("cancel: %v %v", res.Status, err)
	}
	for a := range nodes {
		if _, err := nodeDoGet(ctx, a, info.Endpoint[0].Ticket.Ticket); codeOf(err) != codes.Canceled {
			t.Fatalf("node %s serves a cancelled query: %v", a, err)
		}
	}

	// SIGTERM: the node deregisters at once (no waiting for its TTL).
	n2.stop()
	if got := consul.healthyNodes(t); len(got) != 1 || got[0] != n1.addr {
		t.Fatalf("after SIGTERM consul lists %v, want only %s", got, n1.addr)
	}
	if !strings.Contains(n2.out.String(), "deregistered from consul") {
		t.Fatalf("node did not deregister:\n%s", n2.out.String())
	}
	// The gateway follows: the survivor serves alone.
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err = cl.Execute(ctx, groupedQuery)
		if err != nil {
			t.Fatal(err)
		}
		if len(info.Endpoint[0].Location) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway still lists %d nodes", len(info.Endpoint[0].Location))
		}
		time.Sleep(50 * time.Millisecond)
	}
	expectRows(t, mustQuery(t, cn, groupedQuery), want...)

	// No node left: planning the query fails with Unavailable, naming why.
	n1.stop()
	deadline = time.Now().Add(10 * time.Second)
	for {
		_, err = cl.Execute(ctx, groupedQuery)
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the gateway still plans onto a stopped node")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if codeOf(err) != codes.Unavailable || !strings.Contains(err.Error(), "no tern node is available: consul at "+consul.addr+" lists no healthy tern-node instance") {
		t.Fatalf("with no node: %v", err)
	}
}
