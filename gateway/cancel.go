package gateway

import (
	"context"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/tern-db/tern/flightnodes"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// Cancelling is the executor's business (flightnodes.Executor.Cancel): the node keeps the
// registry of its running fragments by query id, stops them and releases their memory, and
// keeps a tombstone so that a fragment of that query arriving later (a DoGet of the ticket
// on any gateway that runs on this executor) is refused with Canceled instead of starting.
// The gateway holds no query state: it maps CancelFlightInfo and CancelQuery onto it.

// newExecutor is the gateway's in-process node; its tombstones last as long as the tickets
// they refuse.
func newExecutor(cfg Config) *flightnodes.Node {
	n := flightnodes.NewNode(cfg.Alloc)
	n.TombstoneTTL = DefaultTicketTTL
	if cfg.TicketTTL > 0 {
		n.TombstoneTTL = cfg.TicketTTL
	}
	return n
}

// cancelInfo cancels the query behind every endpoint of a FlightInfo this gateway issued.
func (s *Server) cancelInfo(ctx context.Context, info *flight.FlightInfo) error {
	id, err := identityFrom(ctx)
	if err != nil {
		return err
	}
	if info == nil || len(info.GetEndpoint()) == 0 {
		return errs.Errorf(errs.ErrInvalidArgument, "the FlightInfo to cancel has no endpoints")
	}
	for _, ep := range info.GetEndpoint() {
		q, err := s.queryOfEndpoint(ep.GetTicket(), id) // cluster.go: gateway or node tickets
		if err != nil {
			return err
		}
		if err := s.cancelQuery(ctx, id, q); err != nil {
			return err
		}
	}
	return nil
}

// verifyTicket checks a statement ticket's signature, expiry and tenant.
func (s *Server) verifyTicket(t *flight.Ticket, id Identity) (ticketPayload, error) {
	var tp ticketPayload
	if t == nil {
		return tp, errs.Errorf(errs.ErrInvalidArgument, "missing ticket")
	}
	st, err := flightsql.GetStatementQueryTicket(t)
	if err != nil {
		return tp, errs.Errorf(errs.ErrInvalidArgument, "malformed ticket")
	}
	if err := proto.VerifyJSON(s.key, proto.KindTicket, st.GetStatementHandle(), time.Now(), &tp); err != nil {
		return tp, err
	}
	if tp.Tenant != id.Tenant {
		return tp, errs.Errorf(errs.ErrInvalidArgument, "ticket signature does not match")
	}
	return tp, nil
}

func (s *Server) CancelFlightInfo(ctx context.Context, req *flight.CancelFlightInfoRequest) (flight.CancelFlightInfoResult, error) {
	if err := s.cancelInfo(ctx, req.GetInfo()); err != nil {
		return flight.CancelFlightInfoResult{Status: flight.CancelStatusUnspecified}, err
	}
	return flight.CancelFlightInfoResult{Status: flight.CancelStatusCancelled}, nil
}

// CancelQuery is the deprecated action that CancelFlightInfo replaced.
func (s *Server) CancelQuery(ctx context.Context, req flightsql.ActionCancelQueryRequest) (flightsql.CancelResult, error) {
	if err := s.cancelInfo(ctx, req.GetInfo()); err != nil {
		return flightsql.CancelResultUnspecified, err
	}
	return flightsql.CancelResultCancelled, nil
}

// PollFlightInfo: planning is quick and execution starts at DoGet, so the first poll already
// returns the complete FlightInfo (progress 1, no further descriptor). Long queries run while
// the client reads; clients cancel them with CancelFlightInfo.

func complete(info *flight.FlightInfo, err error) (*flight.PollInfo, error) {
	if err != nil {
		return nil, err
	}
	done := 1.0
	return &flight.PollInfo{Info: info, Progress: &done}, nil
}

func (s *Server) PollFlightInfoStatement(ctx context.Context, cmd flightsql.StatementQuery, desc *flight.FlightDescriptor) (*flight.PollInfo, error) {
	return complete(s.GetFlightInfoStatement(ctx, cmd, desc))
}

func (s *Server) PollFlightInfoPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery, desc *flight.FlightDescriptor) (*flight.PollInfo, error) {
	return complete(s.GetFlightInfoPreparedStatement(ctx, cmd, desc))
}

func (s *Server) PollFlightInfoSubstraitPlan(ctx context.Context, cmd flightsql.StatementSubstraitPlan, desc *flight.FlightDescriptor) (*flight.PollInfo, error) {
	return complete(s.GetFlightInfoSubstraitPlan(ctx, cmd, desc))
}
