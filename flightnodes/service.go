package flightnodes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	gproto "google.golang.org/protobuf/proto"

	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
	"github.com/tern-db/tern/proto/planpb"
)

// Service is the Flight service of `tern node`: DoGet runs a fragment whose ticket is a
// handle sealed with the cluster key (proto.KindFragment) and streams its result; the
// tern.cancel_fragments action stops a query's fragments. Callers authenticate with the
// gateway's bearer tokens (service_auth.go): the node checks their seal and expiry and that
// the fragment belongs to the caller's tenant. It opens no catalog: everything a fragment
// needs travels in its plan, and the native files it reads are named there by path.
type Service struct {
	flight.BaseFlightServer
	Node  *Node
	Key   []byte
	Log   *slog.Logger
	Alloc memory.Allocator
}

// FragmentTicketTTL is how long a fragment ticket a gateway hands out stays good when it
// sets no other lifetime.
const FragmentTicketTTL = 10 * time.Minute

// ServiceTicket seals a fragment as the ticket a node's DoGet accepts.
func ServiceTicket(key []byte, f *proto.Fragment, exp time.Time) ([]byte, error) {
	return proto.SignJSON(key, proto.KindFragment, exp, f)
}

// OpenTicket verifies a fragment ticket and returns its fragment. A forged, altered or
// expired ticket is InvalidArgument with no further detail.
func OpenTicket(key []byte, t []byte) (*proto.Fragment, error) {
	var f proto.Fragment
	if err := proto.VerifyJSON(key, proto.KindFragment, t, time.Now(), &f); err != nil {
		return nil, err
	}
	return &f, nil
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

func (s *Service) Handshake(flight.FlightService_HandshakeServer) error {
	return errs.Errorf(errs.ErrNotSupported, "log in at the gateway; nodes accept its bearer tokens")
}

func (s *Service) DoGet(t *flight.Ticket, stream flight.FlightService_DoGetServer) error {
	ctx := stream.Context()
	who, ok := callerFrom(ctx)
	if !ok {
		return errs.Errorf(errs.ErrUnauthenticated, "missing credentials")
	}
	f, err := OpenTicket(s.Key, t.GetTicket())
	if err != nil {
		return err
	}
	if f.Tenant != who.Tenant {
		return errs.Errorf(errs.ErrInvalidArgument, "fragment signature does not match")
	}
	var promised *arrow.Schema
	if len(f.Schema) > 0 {
		if promised, err = flight.DeserializeSchema(f.Schema, s.alloc()); err != nil {
			return errs.Errorf(errs.ErrInvalidArgument, "fragment schema: %v", err)
		}
	}
	if f.Deadline != 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, time.Unix(0, f.Deadline))
		defer cancel()
	}
	s.log().Info("running fragment", "query", f.QueryID, "fragment", f.FragmentID, "partition", f.Partition, "user", who.User)
	run, err := s.Node.Run(ctx, f)
	if err != nil {
		return err
	}
	defer run.Close()
	err = s.stream(ctx, run, promised, stream)
	st := run.FragmentStats()
	s.log().Info("fragment ended", "query", f.QueryID, "fragment", f.FragmentID, "partition", f.Partition,
		"rows", st.GetRows(), "bytes_scanned", st.GetBytesScanned(), "cancelled", st.GetCancelled() || errors.Is(err, context.Canceled), "err", err)
	return err
}

func (s *Service) alloc() memory.Allocator {
	if s.Alloc == nil {
		return memory.DefaultAllocator
	}
	return s.Alloc
}

// stream writes run's batches, stamped with the promised schema, holding one back so that
// the last FlightData carries the fragment's FragmentStats as app metadata.
func (s *Service) stream(ctx context.Context, run Stream, promised *arrow.Schema, out flight.FlightService_DoGetServer) error {
	if promised == nil {
		promised = run.Schema()
	}
	if err := sameColumns(promised, run.Schema()); err != nil {
		return err
	}
	if err := run.Open(ctx); err != nil {
		return err
	}
	w := flight.NewRecordWriter(out, ipc.WithSchema(promised), ipc.WithAllocator(s.alloc()))
	defer w.Close()
	var held arrow.RecordBatch
	defer func() {
		if held != nil {
			held.Release()
		}
	}()
	for {
		b, err := run.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		stamped := array.NewRecordBatch(promised, b.Columns(), b.NumRows())
		b.Release()
		if held != nil {
			err := w.Write(held)
			held.Release()
			held = nil
			if err != nil {
				return fmt.Errorf("%w: sending results: %v", context.Canceled, err)
			}
		}
		held = stamped
	}
	if held == nil {
		rb := array.NewRecordBuilder(s.alloc(), promised)
		held = rb.NewRecordBatch()
		rb.Release()
	}
	md, err := gproto.Marshal(run.FragmentStats())
	if err != nil {
		return fmt.Errorf("%w: encoding fragment stats: %v", errs.ErrInternal, err)
	}
	if err := w.WriteWithAppMetadata(held, md); err != nil {
		return fmt.Errorf("%w: sending results: %v", context.Canceled, err)
	}
	return nil
}

// sameColumns checks that the fragment's columns have the promised types (the stamp shares
// the columns, so only names, nullability and metadata may differ).
func sameColumns(promised, got *arrow.Schema) error {
	if !sameTypes(promised, got) {
		return errs.Errorf(errs.ErrInternal, "fragment delivers %s, %s was promised", got, promised)
	}
	return nil
}

func (s *Service) DoAction(a *flight.Action, stream flight.FlightService_DoActionServer) error {
	if _, ok := callerFrom(stream.Context()); !ok {
		return errs.Errorf(errs.ErrUnauthenticated, "missing credentials")
	}
	if a.GetType() != proto.ActionCancelFragments {
		return errs.Errorf(errs.ErrNotSupported, "action %q", a.GetType())
	}
	var req planpb.CancelFragments
	if err := gproto.Unmarshal(a.GetBody(), &req); err != nil || req.GetQueryId() == "" {
		return errs.Errorf(errs.ErrInvalidArgument, "malformed %s request", proto.ActionCancelFragments)
	}
	n := s.Node.Running(req.GetQueryId())
	if err := s.Node.Cancel(stream.Context(), req.GetQueryId()); err != nil {
		return err
	}
	s.log().Info("cancelled query", "query", req.GetQueryId(), "fragments", n)
	body, err := gproto.Marshal(&planpb.CancelFragmentsResult{Cancelled: int32(n)})
	if err != nil {
		return fmt.Errorf("%w: %v", errs.ErrInternal, err)
	}
	return stream.Send(&flight.Result{Body: body})
}

func (s *Service) ListActions(_ *flight.Empty, stream flight.FlightService_ListActionsServer) error {
	return stream.Send(&flight.ActionType{Type: proto.ActionCancelFragments, Description: "stop every fragment of a query (body: tern.plan.CancelFragments)"})
}
