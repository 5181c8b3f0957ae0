package main

import (
	"context"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/tern-db/tern/gateway/sqllogictest"
)

// The fault suite kills real node processes mid-query. It takes a while on a loaded machine,
// so it runs with TERN_LONG_TESTS=1 (TestClusterEndToEnd is the fast CI check).

func longTests(t *testing.T) {
	if os.Getenv("TERN_LONG_TESTS") != "1" {
		t.Skip("set TERN_LONG_TESTS=1 for the cluster fault suite")
	}
}

// heavyQuery joins big with itself on a unique key (a hash join over every row), so a
// fragment runs long enough to be killed mid-way; its answer equals groupedSums.
const heavyQuery = "SELECT a.k, count(*), sum(b.v) FROM big a JOIN big b ON a.v = b.v GROUP BY a.k ORDER BY a.k"

const bigRows = 1_500_000

// newRunningFragment waits for a node to log a fragment start beyond the counts seen before
// and returns that node.
func newRunningFragment(ctx context.Context, nodes []*nodeProc, before []int) *nodeProc {
	for ctx.Err() == nil {
		for i, n := range nodes {
			if strings.Count(n.out.String(), "running fragment") > before[i] {
				return n
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

func fragmentCounts(nodes []*nodeProc) []int {
	out := make([]int, len(nodes))
	for i, n := range nodes {
		out[i] = strings.Count(n.out.String(), "running fragment")
	}
	return out
}

// TestClusterNodeKill: three nodes in Consul, a gateway relaying results (--proxy-results).
// The node running a long query is killed with SIGKILL: the fragment runs again on another
// node and the ADBC client gets the exact answer. The node restarted on its address rejoins
// and gets work again. Deadline and CancelFlightInfo stop fragments on the nodes. With every
// node dead the query fails with Unavailable, naming the cause, within its deadline.
func TestClusterNodeKill(t *testing.T) {
	longTests(t)
	consul := startConsul(t)
	t.Setenv("TERN_SECRET", clusterSecret)
	nodes := []*nodeProc{
		startNode(t, "127.0.0.1:0", consul.addr),
		startNode(t, "127.0.0.1:0", consul.addr),
		startNode(t, "127.0.0.1:0", consul.addr),
	}
	consul.waitHealthy(t, 3)
	gw := startServer(t, t.TempDir(), "--consul", consul.addr, "--proxy-results")
	cn, _ := openADBC(t, gw.addr, "admin", adminPassword)
	execUpdate(t, cn, "CREATE TABLE big AS SELECT g AS v, g % 11 AS k FROM generate_series(1, 1500000) g")
	want := groupedSums(bigRows, 11)

	start := time.Now()
	expectRows(t, mustQuery(t, cn, heavyQuery), want...)
	t.Logf("heavy query without faults: %v", time.Since(start))

	// Kill the node that runs the query, mid-way.
	before := fragmentCounts(nodes)
	type result struct {
		rows []string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		rows, err := query(t, cn, heavyQuery)
		res <- result{rows, err}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	victim := newRunningFragment(ctx, nodes, before)
	cancel()
	if victim == nil {
		t.Fatal("no node started the query's fragment")
	}
	time.Sleep(100 * time.Millisecond) // into the join
	victim.kill()
	r := <-res
	if r.err != nil {
		t.Fatalf("query across a node kill: %v\ngateway:\n%s", r.err, gw.out.String())
	}
	expectRows(t, r.rows, want...)
	if !strings.Contains(gw.out.String(), "running fragment again on another node") || !strings.Contains(gw.out.String(), "failed_node="+victim.addr) {
		t.Fatalf("gateway did not re-run the killed node's fragment:\n%s", gw.out.String())
	}

	// The killed node leaves Consul (TTL), comes back on its address and gets work again.
	consul.waitHealthy(t, 2)
	back := startNode(t, victim.addr, consul.addr)
	consul.waitHealthy(t, 3)
	got := false
	for i := 0; i < 30 && !got; i++ {
		expectRows(t, mustQuery(t, cn, groupedQueryBig), groupedSums(bigRows, 11)...)
		got = strings.Contains(back.out.String(), "running fragment")
	}
	if !got {
		t.Fatal("the restarted node got no fragment in 30 queries")
	}
	alive := []*nodeProc{back}
	for _, n := range nodes {
		if n != victim {
			alive = append(alive, n)
		}
	}

	// A statement timeout ends the fragment on its node.
	execUpdate(t, cn, "SET statement_timeout = '300ms'")
	before = fragmentCounts(alive)
	if _, err := query(t, cn, heavyQuery); err == nil || !strings.Contains(err.Error(), "DeadlineExceeded") {
		t.Fatalf("heavy query under a 300ms timeout: %v", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	n := newRunningFragment(ctx, alive, before)
	if n == nil || !n.waitLog(ctx, "fragment ended", "err=") {
		cancel()
		t.Fatal("the timed-out fragment did not end on its node")
	}
	cancel()
	execUpdate(t, cn, "SET statement_timeout = 0")

	// CancelFlightInfo mid-run stops the fragment on its node.
	cl, fctx := flightLogin(t, gw.addr)
	info, err := cl.Execute(fctx, heavyQuery)
	if err != nil {
		t.Fatal(err)
	}
	before = fragmentCounts(alive)
	done := make(chan error, 1)
	go func() {
		r, err := cl.DoGet(fctx, info.Endpoint[0].Ticket)
		if err == nil {
			for r.Next() {
			}
			err = r.Err()
			r.Release()
		}
		done <- err
	}()
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	n = newRunningFragment(ctx, alive, before)
	cancel()
	if n == nil {
		t.Fatal("the query did not start on a node")
	}
	if res, err := cl.CancelFlightInfo(fctx, &flight.CancelFlightInfoRequest{Info: info}); err != nil || res.Status != flight.CancelStatusCancelled {
		t.Fatalf("cancel: %v %v", res.Status, err)
	}
	if err := <-done; err == nil {
		t.Fatal("a cancelled query finished")
	}
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	if !n.waitLog(ctx, "cancelled query", "fragments=1") {
		cancel()
		t.Fatalf("node did not cancel the running fragment:\n%s", n.out.String())
	}
	cancel()

	// No node left: Unavailable, naming the cause, within the deadline.
	for _, n := range alive {
		n.kill()
	}
	execUpdate(t, cn, "SET statement_timeout = '20s'")
	start = time.Now()
	_, err = query(t, cn, groupedQueryBig)
	if err == nil || !strings.Contains(err.Error(), "no tern node") {
		t.Fatalf("query with every node dead: %v", err)
	}
	if !strings.Contains(strings.ToLower(err.Error()), "unavailable") {
		t.Fatalf("error is not Unavailable: %v", err)
	}
	if el := time.Since(start); el > 20*time.Second {
		t.Fatalf("failing took %v, past the deadline", el)
	}
}

const groupedQueryBig = "SELECT k, count(*), sum(v) FROM big GROUP BY k ORDER BY k"

// TestClusterKillMidStream: the node streaming a large result dies after the gateway has
// relayed part of it; the fragment runs again on another node, which skips the rows already
// delivered: every row arrives exactly once.
func TestClusterKillMidStream(t *testing.T) {
	longTests(t)
	consul := startConsul(t)
	t.Setenv("TERN_SECRET", clusterSecret)
	nodes := []*nodeProc{startNode(t, "127.0.0.1:0", consul.addr), startNode(t, "127.0.0.1:0", consul.addr)}
	consul.waitHealthy(t, 2)
	gw := startServer(t, t.TempDir(), "--consul", consul.addr, "--proxy-results")
	cn, _ := openADBC(t, gw.addr, "admin", adminPassword)
	execUpdate(t, cn, "CREATE TABLE big AS SELECT g AS v FROM generate_series(1, 1500000) g")

	st, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetSqlQuery("SELECT v FROM big"); err != nil {
		t.Fatal(err)
	}
	before := fragmentCounts(nodes)
	rdr, _, err := st.ExecuteQuery(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	seen := make([]bool, bigRows+1)
	var n int64
	killed := false
	for rdr.Next() {
		col := rdr.RecordBatch().Column(0)
		for i := 0; i < col.Len(); i++ {
			v, err := strconv.ParseInt(sqllogictest.FormatArrowValue(col, i), 10, 64)
			if err != nil || v < 1 || v > bigRows || seen[v] {
				t.Fatalf("row %d: value %d (duplicate or out of range)", n, v)
			}
			seen[v] = true
			n++
		}
		if !killed && n > 100_000 {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			victim := newRunningFragment(ctx, nodes, before)
			cancel()
			if victim == nil {
				t.Fatal("no node runs the query")
			}
			victim.kill()
			killed = true
		}
	}
	if err := rdr.Err(); err != nil {
		t.Fatalf("stream across a node kill: %v\n%s", err, gw.out.String())
	}
	if n != bigRows {
		t.Fatalf("%d rows, want %d", n, bigRows)
	}
	if !hasLine(gw.out.String(), "running fragment again on another node", "rows_delivered=") || hasLine(gw.out.String(), "running fragment again", "rows_delivered=0 ") {
		t.Fatalf("gateway did not resume mid-stream:\n%s", gw.out.String())
	}
}

// TestClusterDirectAlternateLocation: results come straight from the nodes; a node killed
// after the gateway last saw it healthy is still the first location of some endpoints, and
// the ADBC driver fetches those from the alternate location.
func TestClusterDirectAlternateLocation(t *testing.T) {
	longTests(t)
	consul := startConsul(t)
	t.Setenv("TERN_SECRET", clusterSecret)
	nodes := []*nodeProc{startNode(t, "127.0.0.1:0", consul.addr, "--health-ttl", "30s"), startNode(t, "127.0.0.1:0", consul.addr, "--health-ttl", "30s")}
	consul.waitHealthy(t, 2)
	gw := startServer(t, t.TempDir(), "--consul", consul.addr)
	cn, _ := openADBC(t, gw.addr, "admin", adminPassword)
	execUpdate(t, cn, "CREATE TABLE t AS SELECT g AS v, g % 7 AS k FROM generate_series(1, 20000) g")
	want := groupedSums(20000, 7)
	nodes[0].kill() // Consul keeps it healthy for its 30 s TTL
	cl, ctx := flightLogin(t, gw.addr)
	firstDead := 0
	for i := 0; i < 10; i++ {
		info, err := cl.Execute(ctx, groupedQuery)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(info.Endpoint[0].Location[0].GetUri(), nodes[0].addr) {
			firstDead++
		}
		expectRows(t, mustQuery(t, cn, groupedQuery), want...)
	}
	if firstDead == 0 {
		t.Fatal("the dead node was never a first location: the fallback was not exercised")
	}
	t.Logf("%d of 10 FlightInfos named the dead node first", firstDead)
}

// TestClusterKillWithExchanges: a partitioned plan (SET tern.partitions = 2) whose final
// fragments fetch their inputs from peer nodes over Flight. A node is killed mid-query: the
// fragments it ran, final or input, run again elsewhere and the answer is exact. Then a
// client that disconnects mid-query stops the fragments on the nodes.
func TestClusterKillWithExchanges(t *testing.T) {
	longTests(t)
	consul := startConsul(t)
	t.Setenv("TERN_SECRET", clusterSecret)
	nodes := []*nodeProc{
		startNode(t, "127.0.0.1:0", consul.addr),
		startNode(t, "127.0.0.1:0", consul.addr),
		startNode(t, "127.0.0.1:0", consul.addr),
	}
	consul.waitHealthy(t, 3)
	gw := startServer(t, t.TempDir(), "--consul", consul.addr, "--proxy-results")
	cn, _ := openADBC(t, gw.addr, "admin", adminPassword)
	execUpdate(t, cn, "CREATE TABLE big AS SELECT g AS v, g % 11 AS k FROM generate_series(1, 1500000) g")
	execUpdate(t, cn, "SET tern.partitions = 2")
	const q = "SELECT k, count(*), sum(v) FROM big GROUP BY k"
	want := groupedSums(bigRows, 11)
	sortRows := func(r []string) []string { sort.Strings(r); return r }
	w := sortRows(slices.Clone(want))
	expectRows(t, sortRows(mustQuery(t, cn, q)), w...)

	before := fragmentCounts(nodes)
	res := make(chan []string, 1)
	errc := make(chan error, 1)
	go func() {
		rows, err := query(t, cn, q)
		errc <- err
		res <- rows
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	victim := newRunningFragment(ctx, nodes, before)
	cancel()
	if victim == nil {
		t.Fatal("no node started a fragment")
	}
	time.Sleep(50 * time.Millisecond)
	victim.kill()
	if err := <-errc; err != nil {
		t.Fatalf("partitioned query across a node kill: %v\ngateway:\n%s", err, gw.out.String())
	}
	expectRows(t, sortRows(<-res), w...)
	var logs string
	for _, n := range nodes {
		logs += n.out.String()
	}
	if !strings.Contains(gw.out.String()+logs, "running fragment again on another node") {
		t.Fatalf("nothing was re-run after the kill:\ngateway:\n%s\nnodes:\n%s", gw.out.String(), logs)
	}

	// A client that goes away mid-query: the fragments end on the nodes.
	var alive []*nodeProc
	for _, n := range nodes {
		if n != victim {
			alive = append(alive, n)
		}
	}
	consul.waitHealthy(t, 2)
	cl, fctx := flightLogin(t, gw.addr)
	if _, err := cl.ExecuteUpdate(fctx, "SET tern.partitions = 1"); err != nil {
		t.Fatal(err)
	}
	info, err := cl.Execute(fctx, heavyQuery)
	if err != nil {
		t.Fatal(err)
	}
	before = fragmentCounts(alive)
	dctx, disconnect := context.WithCancel(fctx)
	go func() {
		if r, err := cl.DoGet(dctx, info.Endpoint[0].Ticket); err == nil {
			for r.Next() {
			}
			r.Release()
		}
	}()
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := newRunningFragment(ctx, alive, before)
	if n == nil {
		t.Fatal("the query did not start on a node")
	}
	stopped := strings.Count(n.out.String(), "cancelled=true")
	disconnect()
	for strings.Count(n.out.String(), "cancelled=true") == stopped {
		if ctx.Err() != nil {
			t.Fatalf("the node did not stop the fragment of a client that left:\n%s", n.out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
