package flightnodes

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"

	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// Exchanges between nodes. A fragment whose envelope names Peers reads its RemoteSources
// over Flight: each input partition (one bucket of its exchange sink) is a fragment of its
// own, sealed with the cluster key and fetched with DoGet from a peer picked from the query,
// fragment, partition and bucket (the others follow as fallbacks, FetchFragment). The
// producer runs it like any fragment (and fetches its own inputs the same way).
//
// Bounded: a stream's bytes in flight are gRPC's flow-control window, fixed to the node's
// exchange budget (PeerInputs.Window; the dynamic window estimation that would grow it is
// off), and the consumer reads one batch at a time, so a slow consumer stops its producers
// once the window is full and no node buffers more than the budget per input stream.

// DefaultExchangeWindow is the per-stream byte budget of an exchange between nodes.
const DefaultExchangeWindow = 4 << 20

// typedInputs is an Inputs that needs what the RemoteSource declares: the schema and the
// number of source partitions (it starts the stream before compiling anything of it).
type typedInputs interface {
	OpenTyped(ctx context.Context, fragment, partition, partitions, bucket, depth int, schema *arrow.Schema) (exec.Operator, error)
}

// PeerInputs is a node's client of the other nodes: their Flight clients, dialed with the
// exchange budget, and the cluster key that seals input fragments and tokens.
type PeerInputs struct {
	Key    []byte
	Dial   []grpc.DialOption // transport credentials
	Window int32             // bytes per stream in flight (0: DefaultExchangeWindow)
	Alloc  memory.Allocator
	Log    *slog.Logger

	mu      sync.Mutex
	clients map[string]flight.Client
}

var _ Dialer = (*PeerInputs)(nil)

func (p *PeerInputs) Client(addr string) (flight.Client, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[addr]; ok {
		return c, nil
	}
	w := p.Window
	if w <= 0 {
		w = DefaultExchangeWindow
	}
	// A fixed window (at least 64 KiB) turns off BDP estimation, which would grow it.
	opts := append(append(slices.Clone(p.Dial), ClientOptions()...), grpc.WithInitialWindowSize(max(w, 64<<10)), grpc.WithInitialConnWindowSize(max(w, 64<<10)*4))
	c, err := flight.NewClientWithMiddleware(addr, nil, nil, opts...)
	if err != nil {
		return nil, errs.Errorf(errs.ErrSourceUnavailable, "node %s: %v", addr, err)
	}
	if p.clients == nil {
		p.clients = map[string]flight.Client{}
	}
	p.clients[addr] = c
	return c, nil
}

func (p *PeerInputs) Failed(addr string, err error) {
	p.mu.Lock()
	c, ok := p.clients[addr]
	delete(p.clients, addr) // dial afresh: gRPC would hold a dead peer in reconnect backoff
	p.mu.Unlock()
	if ok {
		go c.Close()
	}
	p.log().Warn("peer failed", "node", addr, "err", err)
}

func (p *PeerInputs) OK(string) {}

func (p *PeerInputs) log() *slog.Logger {
	if p.Log == nil {
		return slog.Default()
	}
	return p.Log
}

// Close closes the connections to the peers.
func (p *PeerInputs) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for a, c := range p.clients {
		c.Close()
		delete(p.clients, a)
	}
}

// compileFragment compiles a fragment for Run: with peers named and a PeerInputs, its
// inputs come over Flight; otherwise they run in-process (LocalInputs).
func (n *Node) compileFragment(ctx context.Context, f *proto.Fragment, env exec.Env) (exec.Operator, error) {
	if n.Peers == nil || len(f.Peers) == 0 || len(f.Inputs) == 0 {
		return compileFragment(ctx, f, env)
	}
	parts := max(f.Partitions, 1)
	if f.Partition < 0 || f.Partition >= parts || parts > maxPartitions {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "partition %d of a fragment of %d partitions", f.Partition, parts)
	}
	if f.Depth >= maxFragmentDepth {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "fragments read each other more than %d deep", maxFragmentDepth)
	}
	in := &remoteInputs{peers: n.Peers, base: f, plans: make(map[int][]byte, len(f.Inputs))}
	for _, x := range f.Inputs {
		in.plans[x.ID] = x.Plan
	}
	return CompileTask(ctx, f.Plan, env, Task{Partition: f.Partition, Bucket: f.Bucket, Inputs: in})
}

// remoteInputs resolves one fragment's RemoteSources through its node's peers.
type remoteInputs struct {
	peers *PeerInputs
	base  *proto.Fragment // the consumer: query, tenant, deadline, the query's inputs, peers
	plans map[int][]byte
}

func (r *remoteInputs) Open(context.Context, int, int, int, int) (exec.Operator, error) {
	return nil, errs.Errorf(errs.ErrInternal, "remote inputs opened without their schema")
}

func (r *remoteInputs) OpenTyped(ctx context.Context, fragment, partition, partitions, bucket, depth int, schema *arrow.Schema) (exec.Operator, error) {
	plan, ok := r.plans[fragment]
	if !ok {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "remote source reads fragment %d, which the query does not have", fragment)
	}
	alloc := r.peers.Alloc
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	b := r.base
	f := &proto.Fragment{QueryID: b.QueryID, Tenant: b.Tenant, Plan: plan, FragmentID: fragment,
		Partition: partition, Partitions: partitions, Bucket: bucket, Inputs: b.Inputs, Peers: b.Peers,
		Schema: flight.SerializeSchema(schema, alloc), Deadline: b.Deadline, Depth: b.Depth + 1}
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%d/%d/%d", b.QueryID, fragment, partition, bucket)
	start := int(h.Sum32() % uint32(len(b.Peers)))
	cands := append(slices.Clone(b.Peers[start:]), b.Peers[:start]...)
	r.peers.log().Info("fetching input fragment", "query", b.QueryID, "fragment", fragment, "partition", partition, "bucket", bucket, "node", cands[0])
	return FetchFragment(Fetch{Fragment: f, Candidates: cands, Key: r.peers.Key, Dialer: r.peers, Alloc: alloc, Log: r.peers.log()})
}
