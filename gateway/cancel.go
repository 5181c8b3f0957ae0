package gateway

import (
	"context"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// queryRegistry holds the cancel functions of the queries this gateway is running, by query id
// (which every ticket carries). It is not session state: it only lets CancelFlightInfo reach a
// running query. A gateway can cancel what it runs; a cancel that arrives before the ticket is
// fetched leaves a tombstone, so that a later DoGet of that ticket on this gateway fails with
// Canceled instead of starting.
type queryRegistry struct {
	mu        sync.Mutex
	running   map[string]map[*runningQuery]struct{}
	cancelled map[string]time.Time // query id -> when its tombstone may go
}

type runningQuery struct{ cancel context.CancelCauseFunc }

var errQueryCancelled = errs.Errorf(context.Canceled, "query cancelled")

func newQueryRegistry() *queryRegistry {
	return &queryRegistry{running: map[string]map[*runningQuery]struct{}{}, cancelled: map[string]time.Time{}}
}

// start registers a run of query id and returns its context (cancelled by cancel(id)) and the
// function that unregisters it, which the owner of the run must call when the run ends.
func (r *queryRegistry) start(ctx context.Context, id string) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	q := &runningQuery{cancel: cancel}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.cancelled[id]; ok {
		cancel(errQueryCancelled)
	}
	if r.running[id] == nil {
		r.running[id] = map[*runningQuery]struct{}{}
	}
	r.running[id][q] = struct{}{}
	return ctx, func() {
		cancel(context.Canceled)
		r.mu.Lock()
		defer r.mu.Unlock()
		delete(r.running[id], q)
		if len(r.running[id]) == 0 {
			delete(r.running, id)
		}
	}
}

// cancel cancels every run of query id and leaves a tombstone until its tickets expire.
func (r *queryRegistry) cancel(id string, until time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	for k, exp := range r.cancelled {
		if now.After(exp) {
			delete(r.cancelled, k)
		}
	}
	r.cancelled[id] = until
	for q := range r.running[id] {
		q.cancel(errQueryCancelled)
	}
}

// runs reports how many runs of query id are registered (tests).
func (r *queryRegistry) runs(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.running[id])
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
		tp, err := s.verifyTicket(ep.GetTicket(), id)
		if err != nil {
			return err
		}
		s.queries.cancel(tp.QueryID, time.Now().Add(s.ticketTTL()))
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
