package gateway

import (
	"net"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/tern-db/tern/cluster"
	"github.com/tern-db/tern/flightnodes"
)

// startNodeService serves an executor node's Flight service in-process on loopback.
func startNodeService(t *testing.T, key string) (string, *flightnodes.Node) {
	t.Helper()
	mem := memory.NewGoAllocator()
	n := flightnodes.NewNode(mem)
	svc := &flightnodes.Service{Node: n, Key: []byte(key), Alloc: mem}
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

func withNodes(key string, proxy bool, addrs ...string) func(*Config) {
	return func(c *Config) {
		m, _ := cluster.ParseStatic(strings.Join(addrs, ","))
		c.Secret, c.Nodes, c.ProxyResults = key, m, proxy
		c.NodeDial = []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	}
}

// With --proxy-results the gateway relays what the node computes; without, the endpoints
// point at the node, and CancelFlightInfo accepts their (node) tickets.
func TestClusterEndpoints(t *testing.T) {
	const key = "gateway cluster test key"
	addr, _ := startNodeService(t, key)
	const q = "SELECT g, g * 2 FROM generate_series(1, 3) g ORDER BY g DESC"

	proxied := startServer(t, withNodes(key, true, addr)).client(t)
	info, err := proxied.Execute(proxied.ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Endpoint) != 1 || len(info.Endpoint[0].Location) != 0 || !info.GetOrdered() {
		t.Fatalf("proxied endpoints %v ordered=%v", info.Endpoint, info.GetOrdered())
	}
	want(t, proxied.rows(t, info), "3|6", "2|4", "1|2")

	direct := startServer(t, withNodes(key, false, addr)).client(t)
	info, err = direct.Execute(direct.ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Endpoint) != 1 || len(info.Endpoint[0].Location) != 1 || info.Endpoint[0].Location[0].GetUri() != "grpc+tcp://"+addr {
		t.Fatalf("direct endpoints %v", info.Endpoint)
	}
	nc, err := flight.NewClientWithMiddleware(addr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	st, err := nc.DoGet(direct.ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := flight.NewRecordReader(st)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rdr.Next() {
		got = append(got, render(rdr.RecordBatch())...)
	}
	rdr.Release()
	want(t, got, "3|6", "2|4", "1|2")
	res, err := direct.CancelFlightInfo(direct.ctx, &flight.CancelFlightInfoRequest{Info: info})
	if err != nil || res.Status != flight.CancelStatusCancelled {
		t.Fatalf("cancel of node endpoints: %v %v", res.Status, err)
	}
}
