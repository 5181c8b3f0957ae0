package flightnodes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
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

	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
	"github.com/tern-db/tern/proto/planpb"
)

// The client half of the node protocol, shared by the gateway (cluster.Remote runs final
// fragments on nodes) and by nodes themselves (RemoteInputs fetch input fragments from their
// producers): a fragment is fetched with DoGet of its sealed ticket from the first of its
// candidate nodes that answers, and fetched again from the next one when that node dies.

// Dialer gives the Flight client of a node and hears of nodes that failed.
type Dialer interface {
	Client(addr string) (flight.Client, error)
	Failed(addr string, err error)
	OK(addr string)
}

// MaxBatchMessage bounds one FlightData message a gateway or node accepts from a node:
// gRPC's default of 4 MiB is less than one wide batch.
const MaxBatchMessage = 256 << 20

// ClientOptions are the dial options every client of nodes adds to its own.
func ClientOptions() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxBatchMessage))}
}

// NodeFailed reports whether err means the node is gone (unreachable, or its stream broke),
// as opposed to an answer of the node (a query error, a cancel), which is final.
func NodeFailed(err error) bool {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	s, ok := status.FromError(err)
	return ok && s.Code() == codes.Unavailable
}

// WithCaller records whom remote calls made under ctx run for: nodes get a bearer token
// sealed for them. A node's own DoGet context carries its caller already.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// AuthContext adds a bearer token for ctx's caller, sealed with key.
func AuthContext(ctx context.Context, key []byte) (context.Context, error) {
	c, ok := callerFrom(ctx)
	if !ok {
		return nil, errs.Errorf(errs.ErrInternal, "remote fragment call without a caller")
	}
	tok, err := BearerToken(key, c, 10*time.Minute)
	if err != nil {
		return nil, err
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok), nil
}

// Fetch is one fragment to fetch from nodes.
type Fetch struct {
	Fragment   *proto.Fragment // Schema must be set: the stream's schema before it opens
	Candidates []string        // nodes to try, in order
	Key        []byte          // the cluster key (tickets and tokens)
	Dialer     Dialer
	Alloc      memory.Allocator
	Log        *slog.Logger
}

// FetchFragment returns the fragment's stream, unopened. Rows delivered before a node died
// are skipped on the re-run: a fragment's output is a function of its plan (the same splits
// read in the same order by the single-threaded executor), so the re-run repeats them in the
// same order and the result has no duplicated or missing row. With no candidate left the
// stream fails with Unavailable naming each node's failure.
func FetchFragment(x Fetch) (Stream, error) {
	if len(x.Fragment.Schema) == 0 {
		return nil, errs.Errorf(errs.ErrInternal, "remote fragment without its result schema")
	}
	if x.Alloc == nil {
		x.Alloc = memory.DefaultAllocator
	}
	if x.Log == nil {
		x.Log = slog.Default()
	}
	schema, err := flight.DeserializeSchema(x.Fragment.Schema, x.Alloc)
	if err != nil {
		return nil, errs.Errorf(errs.ErrInternal, "remote fragment schema: %v", err)
	}
	tkt, err := ServiceTicket(x.Key, x.Fragment, time.Now().Add(FragmentTicketTTL))
	if err != nil {
		return nil, err
	}
	return &remoteStream{x: x, f: x.Fragment, ticket: tkt, schema: schema, cands: x.Candidates}, nil
}

// remoteStream is a fragment running on a node, re-run on the next candidate when its node
// fails. Open and Next get the query's context (the callers pass the same one), which the
// DoGet stream lives under.
type remoteStream struct {
	x      Fetch
	f      *proto.Fragment
	ticket []byte
	schema *arrow.Schema
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
	actx, err := AuthContext(ctx, s.x.Key)
	if err != nil {
		return err
	}
	for s.next < len(s.cands) {
		if err := ctx.Err(); err != nil {
			return err
		}
		addr := s.cands[s.next]
		s.next++
		c, err := s.x.Dialer.Client(addr)
		if err != nil {
			s.failed(addr, err)
			continue
		}
		sctx, stop := context.WithCancel(actx)
		st, err := c.DoGet(sctx, &flight.Ticket{Ticket: s.ticket})
		var rdr *flight.Reader
		if err == nil {
			rdr, err = flight.NewRecordReader(st, ipc.WithAllocator(s.x.Alloc))
		}
		if err != nil {
			stop()
			if NodeFailed(err) && ctx.Err() == nil {
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
	s.x.Dialer.Failed(addr, err)
	s.failures = append(s.failures, fmt.Sprintf("%s: %v", addr, errs.Message(errs.FromStatus(err))))
	if s.next < len(s.cands) {
		s.x.Log.Warn("running fragment again on another node", "query", s.f.QueryID, "fragment", s.f.FragmentID,
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
			s.x.Dialer.OK(s.node)
			s.release()
			return nil, io.EOF
		}
		s.release()
		if NodeFailed(err) && ctx.Err() == nil {
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
