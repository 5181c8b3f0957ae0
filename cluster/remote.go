package cluster

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
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

type callerKey struct{}

// WithCaller records whom the remote calls made under ctx run for (the gateway's
// authenticated caller): nodes get a bearer token sealed for them.
func WithCaller(ctx context.Context, c flightnodes.Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
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

func (r *Remote) markFailed(addr string, err error) {
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

func (r *Remote) markOK(addr string) {
	r.mu.Lock()
	delete(r.suspect, addr)
	r.mu.Unlock()
}

func (r *Remote) client(addr string) (flight.Client, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.clients[addr]; ok {
		return c, nil
	}
	c, err := flight.NewClientWithMiddleware(addr, nil, nil, r.Dial...)
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

func (r *Remote) authCtx(ctx context.Context) (context.Context, error) {
	c, ok := ctx.Value(callerKey{}).(flightnodes.Caller)
	if !ok {
		return nil, errs.Errorf(errs.ErrInternal, "remote fragment call without a caller")
	}
	tok, err := flightnodes.BearerToken(r.Key, c, 10*time.Minute)
	if err != nil {
		return nil, err
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok), nil
}

// nodeFailed reports whether err means the node is gone (unreachable, or its stream broke),
// as opposed to an answer of the node (a query error, a cancel), which is final.
func nodeFailed(err error) bool {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	s, ok := status.FromError(err)
	return ok && s.Code() == codes.Unavailable
}

func (r *Remote) Run(ctx context.Context, f *proto.Fragment) (flightnodes.Stream, error) {
	if len(f.Schema) == 0 {
		return nil, errs.Errorf(errs.ErrInternal, "remote fragment without its result schema")
	}
	alloc := r.Alloc
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	schema, err := flight.DeserializeSchema(f.Schema, alloc)
	if err != nil {
		return nil, errs.Errorf(errs.ErrInternal, "remote fragment schema: %v", err)
	}
	cands, err := r.Candidates(f.QueryID, f.Partition)
	if err != nil {
		return nil, err
	}
	tkt, err := flightnodes.ServiceTicket(r.Key, f, time.Now().Add(flightnodes.FragmentTicketTTL))
	if err != nil {
		return nil, err
	}
	return &remoteStream{r: r, f: f, ticket: tkt, schema: schema, cands: cands, alloc: alloc}, nil
}

func (r *Remote) Cancel(ctx context.Context, queryID string) error {
	body, err := gproto.Marshal(&planpb.CancelFragments{QueryId: queryID})
	if err != nil {
		return fmt.Errorf("%w: %v", errs.ErrInternal, err)
	}
	actx, err := r.authCtx(ctx)
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
			if err != nil && !nodeFailed(err) { // a dead node runs nothing
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
	c, err := r.client(addr)
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

// remoteStream is a fragment running on a node, re-run on the next candidate when its node
// fails. Open and Next get the query's context (streamOperator passes the same one), which
// the DoGet stream lives under.
type remoteStream struct {
	r      *Remote
	f      *proto.Fragment
	ticket []byte
	schema *arrow.Schema
	alloc  memory.Allocator
	cands  []string
	next   int // index of the next candidate to try

	node      string
	rdr       *flight.Reader
	stop      context.CancelFunc
	delivered int64 // rows returned to the caller
	skip      int64 // rows of the current run still to skip (already delivered by a dead node)
	stats     *planpb.FragmentStats
	opened    bool
	closed    bool
	failures  []string
}

func (s *remoteStream) Schema() *arrow.Schema { return s.schema }

func (s *remoteStream) Open(ctx context.Context) error {
	if s.closed {
		return errs.Errorf(errs.ErrInternal, "open of a closed remote fragment")
	}
	if s.opened {
		return nil
	}
	s.opened = true
	return s.start(ctx)
}

// start runs the fragment on the next candidate that answers.
func (s *remoteStream) start(ctx context.Context) error {
	actx, err := s.r.authCtx(ctx)
	if err != nil {
		return err
	}
	for s.next < len(s.cands) {
		if err := ctx.Err(); err != nil {
			return err
		}
		addr := s.cands[s.next]
		s.next++
		c, err := s.r.client(addr)
		if err != nil {
			s.failed(addr, err)
			continue
		}
		sctx, stop := context.WithCancel(actx)
		st, err := c.DoGet(sctx, &flight.Ticket{Ticket: s.ticket})
		var rdr *flight.Reader
		if err == nil {
			rdr, err = flight.NewRecordReader(st, ipc.WithAllocator(s.alloc))
		}
		if err != nil {
			stop()
			if nodeFailed(err) && ctx.Err() == nil {
				s.failed(addr, err)
				continue
			}
			return errs.FromStatus(err)
		}
		s.node, s.rdr, s.stop, s.skip = addr, rdr, stop, s.delivered
		return nil
	}
	return errs.Errorf(errs.ErrSourceUnavailable, "no tern node could run fragment %d partition %d: %s",
		s.f.FragmentID, s.f.Partition, joinFailures(s.failures))
}

func (s *remoteStream) failed(addr string, err error) {
	s.r.markFailed(addr, err)
	s.failures = append(s.failures, fmt.Sprintf("%s: %v", addr, errs.Message(errs.FromStatus(err))))
	if s.next < len(s.cands) {
		s.r.log().Warn("running fragment again on another node", "query", s.f.QueryID, "fragment", s.f.FragmentID,
			"partition", s.f.Partition, "failed_node", addr, "next_node", s.cands[s.next], "rows_delivered", s.delivered)
	}
}

func joinFailures(f []string) string {
	if len(f) == 0 {
		return "no node to try"
	}
	out := f[0]
	for _, x := range f[1:] {
		out += "; " + x
	}
	return out
}

func (s *remoteStream) release() {
	if s.rdr != nil {
		s.rdr.Release()
		s.rdr = nil
	}
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}

func (s *remoteStream) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.closed {
		return nil, errs.Errorf(errs.ErrInternal, "next on a closed remote fragment")
	}
	if !s.opened {
		if err := s.Open(ctx); err != nil {
			return nil, err
		}
	}
	for {
		if s.rdr == nil {
			return nil, io.EOF
		}
		if s.rdr.Next() {
			rec := s.rdr.RecordBatch()
			if md := s.rdr.LatestAppMetadata(); len(md) > 0 {
				var st planpb.FragmentStats
				if gproto.Unmarshal(md, &st) == nil {
					s.stats = &st
				}
			}
			n := rec.NumRows()
			if s.skip >= n && n > 0 {
				s.skip -= n
				continue
			}
			var out arrow.RecordBatch
			if s.skip > 0 {
				out = rec.NewSlice(s.skip, n)
				s.skip = 0
			} else {
				rec.Retain()
				out = rec
			}
			s.delivered += out.NumRows()
			return out, nil
		}
		err := s.rdr.Err()
		if err == nil || errors.Is(err, io.EOF) {
			s.r.markOK(s.node)
			s.release()
			return nil, io.EOF
		}
		s.release()
		if nodeFailed(err) && ctx.Err() == nil {
			s.failed(s.node, err)
			if err := s.start(ctx); err != nil {
				return nil, err
			}
			continue
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errs.FromStatus(err)
	}
}

func (s *remoteStream) Close() error {
	if !s.closed {
		s.closed = true
		s.release()
	}
	return nil
}

func (s *remoteStream) FragmentStats() *planpb.FragmentStats {
	if s.stats != nil {
		return s.stats
	}
	return &planpb.FragmentStats{QueryId: s.f.QueryID, FragmentId: int32(s.f.FragmentID), Partition: int32(s.f.Partition), Rows: s.delivered}
}

// Node reports the node serving the stream now (logs, tests).
func (s *remoteStream) Node() string { return s.node }
