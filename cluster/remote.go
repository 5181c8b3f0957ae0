package cluster

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	gproto "google.golang.org/protobuf/proto"

	"github.com/tern-db/tern/flightnodes"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
	"github.com/tern-db/tern/proto/planpb"
)

// Remote is the flightnodes.Executor of a gateway with executor nodes: it runs each fragment
// on a node over Flight (DoGet of a ticket sealed with the cluster key, as a client fetching
// an endpoint does) and cancels a query on every node.
//
// A partition's nodes are tried in one order (Candidates: a ring starting at a node picked
// from the query id and the partition, nodes that failed lately last). When a node cannot
// be reached, or its stream breaks because it died, the fragment runs again on the next
// node. Rows already delivered are skipped on the re-run: a fragment's output is a function
// of its plan (the same splits read in the same order by the single-threaded executor), so
// the re-run repeats them in the same order and the result has no duplicated or missing
// row. With no node left the fragment fails with Unavailable naming the last failure.
type Remote struct {
	Members Membership
	Key     []byte
	Dial    []grpc.DialOption // transport credentials (TLS/mTLS) and other dial options
	TLS     bool              // nodes serve TLS: locations are grpc+tls://
	Alloc   memory.Allocator
	Log     *slog.Logger
	// Suspect is how long a node that failed is tried last (0: 30 s).
	Suspect time.Duration

	mu      sync.Mutex
	clients map[string]flight.Client
	suspect map[string]suspicion
}

// suspicion is when a node failed and until when it is tried last.
type suspicion struct{ at, until time.Time }

var _ flightnodes.Executor = (*Remote)(nil)

// WithCaller records whom the remote calls made under ctx run for (the gateway's
// authenticated caller): nodes get a bearer token sealed for them.
func WithCaller(ctx context.Context, c flightnodes.Caller) context.Context {
	return flightnodes.WithCaller(ctx, c)
}

func (r *Remote) log() *slog.Logger {
	if r.Log == nil {
		return slog.Default()
	}
	return r.Log
}

// Location is the Flight location URI of a node.
func (r *Remote) Location(addr string) string {
	if r.TLS {
		return "grpc+tls://" + addr
	}
	return "grpc+tcp://" + addr
}

// Candidates lists the nodes to try for one partition of a query, in order; empty when no
// node is up (Unavailable names why).
func (r *Remote) Candidates(queryID string, partition int) ([]string, error) {
	nodes := r.Members.Nodes()
	if len(nodes) == 0 {
		why := r.Members.Why()
		if why == "" {
			why = "the cluster has no node"
		}
		return nil, errs.Errorf(errs.ErrSourceUnavailable, "no tern node is available: %s", why)
	}
	h := fnv.New32a()
	h.Write([]byte(queryID))
	start := (int(h.Sum32()%1024) + partition) % len(nodes)
	ring := append(nodes[start:len(nodes):len(nodes)], nodes[:start]...)
	joiner, _ := r.Members.(Joiner)
	r.mu.Lock()
	now := time.Now()
	var ok, bad []string
	for _, a := range ring {
		sus, s := r.suspect[a]
		// A node that left the membership and is back (restarted, healthy again) is no
		// longer suspect: it is used again at once.
		if s && joiner != nil && joiner.JoinedAt(a).After(sus.at) {
			delete(r.suspect, a)
			s = false
		}
		if s && now.Before(sus.until) {
			bad = append(bad, a)
		} else {
			ok = append(ok, a)
		}
	}
	r.mu.Unlock()
	return append(ok, bad...), nil
}

// Failed marks a node that failed: it is tried last for a while (flightnodes.Dialer).
func (r *Remote) Failed(addr string, err error) {
	d := r.Suspect
	if d <= 0 {
		d = 30 * time.Second
	}
	r.mu.Lock()
	if r.suspect == nil {
		r.suspect = map[string]suspicion{}
	}
	now := time.Now()
	r.suspect[addr] = suspicion{at: now, until: now.Add(d)}
	// Dial afresh next time: gRPC would keep a dead node's channel in reconnect backoff
	// (up to minutes) and fail calls to it after the node is back.
	if c, ok := r.clients[addr]; ok {
		delete(r.clients, addr)
		go c.Close()
	}
	r.mu.Unlock()
	r.log().Warn("node failed", "node", addr, "err", err)
}

// OK clears a node's failure once it served a fragment to the end.
func (r *Remote) OK(addr string) {
	r.mu.Lock()
	delete(r.suspect, addr)
	r.mu.Unlock()
}

// Client returns the (cached) Flight client of a node.
func (r *Remote) Client(addr string) (flight.Client, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.clients[addr]; ok {
		return c, nil
	}
	c, err := flight.NewClientWithMiddleware(addr, nil, nil, append(flightnodes.ClientOptions(), r.Dial...)...)
	if err != nil {
		return nil, errs.Errorf(errs.ErrSourceUnavailable, "node %s: %v", addr, err)
	}
	if r.clients == nil {
		r.clients = map[string]flight.Client{}
	}
	r.clients[addr] = c
	return c, nil
}

// Close closes the connections to the nodes.
func (r *Remote) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for a, c := range r.clients {
		c.Close()
		delete(r.clients, a)
	}
	return nil
}

func (r *Remote) Run(ctx context.Context, f *proto.Fragment) (flightnodes.Stream, error) {
	cands, err := r.Candidates(f.QueryID, f.Partition)
	if err != nil {
		return nil, err
	}
	if len(f.Inputs) > 0 {
		// The node running the fragment fetches its inputs from these (flightnodes.RemoteInputs).
		g := *f
		g.Peers = r.Members.Nodes()
		f = &g
	}
	return flightnodes.FetchFragment(flightnodes.Fetch{Fragment: f, Candidates: cands, Key: r.Key, Dialer: r, Alloc: r.Alloc, Log: r.log()})
}

func (r *Remote) Cancel(ctx context.Context, queryID string) error {
	body, err := gproto.Marshal(&planpb.CancelFragments{QueryId: queryID})
	if err != nil {
		return fmt.Errorf("%w: %v", errs.ErrInternal, err)
	}
	actx, err := flightnodes.AuthContext(ctx, r.Key)
	if err != nil {
		return err
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for _, addr := range r.Members.Nodes() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := r.cancelOn(actx, addr, body)
			if err != nil && !flightnodes.NodeFailed(err) { // a dead node runs nothing
				mu.Lock()
				if first == nil {
					first = errs.FromStatus(err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

func (r *Remote) cancelOn(ctx context.Context, addr string, body []byte) error {
	c, err := r.Client(addr)
	if err != nil {
		return err
	}
	st, err := c.DoAction(ctx, &flight.Action{Type: proto.ActionCancelFragments, Body: body})
	if err != nil {
		return err
	}
	for {
		if _, err := st.Recv(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}
