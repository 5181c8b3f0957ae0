package gateway

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto/errs"
)

// Substrait plans from clients (CommandStatementSubstraitPlan, prepared Substrait plans).
//
// The gateway only adapts: the planner admits a client plan (planner.PlanSubstrait: size and
// depth limits, the binder's name resolution with temporary schemas, search_path and views,
// the optimizer, pruning, Tern's own Substrait production; file and extension-table reads
// refused) and returns a Query like SQL's, whose promised schema the ticket carries and DoGet
// stamps on every batch (conform.go). Under SET tern.dry_run = on the Query is the estimate.

// planSubstrait admits a client's plan as a query.
func (s *Server) planSubstrait(ctx context.Context, sess planner.Session, raw []byte) (*planner.Query, error) {
	st, err := s.planner.PlanSubstrait(ctx, sess, raw)
	if err != nil {
		return nil, err
	}
	q, ok := st.(*planner.Query)
	if !ok {
		return nil, errs.Errorf(errs.ErrInternal, "a Substrait plan planned to %T", st)
	}
	return q, nil
}

func (s *Server) substraitInfo(ctx context.Context, sess planner.Session, raw []byte, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	q, err := s.planSubstrait(ctx, sess, raw)
	if err != nil {
		return nil, err
	}
	tp := ticketPayload{QueryID: newQueryID(), Tenant: sess.Tenant, Plan: q.Plan,
		Schema:   flight.SerializeSchema(q.Schema, s.alloc),
		Deadline: deadlineNanos(statementDeadline(sess)), Text: "(Substrait plan)"} // timeout.go, lastquery.go
	setFragments(&tp, q)
	endpoints, err := s.endpoints(ctx, tp, q.Snapshots, q.Partitions())
	if err != nil {
		return nil, err
	}
	return &flight.FlightInfo{
		Schema:           flight.SerializeSchema(q.Schema, s.alloc),
		FlightDescriptor: desc,
		Endpoint:         endpoints,
		Ordered:          q.Ordered,
		TotalRecords:     -1,
		TotalBytes:       -1,
	}, nil
}

// substraitSchema is the schema a plan promises (nothing runs).
func (s *Server) substraitSchema(ctx context.Context, sess planner.Session, raw []byte) (*arrow.Schema, error) {
	q, err := s.planSubstrait(ctx, sess, raw)
	if err != nil {
		return nil, err
	}
	return q.Schema, nil
}

// substraitUpdate runs a plan as an update: as with SQL queries sent as updates, it runs and
// reports its row count. Substrait write and DDL relations are not supported.
func (s *Server) substraitUpdate(ctx context.Context, sess planner.Session, raw []byte) (int64, error) {
	ctx, cancel := withStatementDeadline(ctx, statementDeadline(sess)) // timeout.go
	defer cancel()
	q, err := s.planSubstrait(ctx, sess, raw)
	if err != nil {
		return 0, err
	}
	n, err := s.runInto(ctx, sess, q, func(context.Context, arrow.RecordBatch) error { return nil })
	if err != nil {
		err = queryErr(ctx, err)
	}
	return n, err
}

func (s *Server) GetFlightInfoSubstraitPlan(ctx context.Context, cmd flightsql.StatementSubstraitPlan, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	sess, err := session(ctx)
	if err != nil {
		return nil, err
	}
	return s.substraitInfo(ctx, sess, cmd.GetPlan().Plan, desc)
}

func (s *Server) GetSchemaSubstraitPlan(ctx context.Context, cmd flightsql.StatementSubstraitPlan, _ *flight.FlightDescriptor) (*flight.SchemaResult, error) {
	sess, err := session(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := s.substraitSchema(ctx, sess, cmd.GetPlan().Plan)
	if err != nil {
		return nil, err
	}
	return &flight.SchemaResult{Schema: flight.SerializeSchema(sc, s.alloc)}, nil
}

func (s *Server) DoPutCommandSubstraitPlan(ctx context.Context, cmd flightsql.StatementSubstraitPlan) (int64, error) {
	sess, err := session(ctx)
	if err != nil {
		return 0, err
	}
	return s.substraitUpdate(ctx, sess, cmd.GetPlan().Plan)
}

// CreatePreparedSubstraitPlan prepares a plan: the handle carries the plan itself, signed;
// it is planned again (names resolved, snapshots pinned) at each execution.
func (s *Server) CreatePreparedSubstraitPlan(ctx context.Context, req flightsql.ActionCreatePreparedSubstraitPlanRequest) (res flightsql.ActionCreatePreparedStatementResult, err error) {
	sess, err := session(ctx)
	if err != nil {
		return res, err
	}
	raw := req.GetPlan().Plan
	sc, err := s.substraitSchema(ctx, sess, raw)
	if err != nil {
		return res, err
	}
	h, err := s.newPrepared(ctx, preparedPayload{ // prepared.go
		Plan: raw, Tenant: sess.Tenant, User: sess.User, Schema: sess.Schema})
	if err != nil {
		return res, err
	}
	res.Handle = h
	res.DatasetSchema = sc
	res.ParameterSchema = arrow.NewSchema(nil, nil)
	isUpdate := false
	res.IsUpdate = &isUpdate
	return res, nil
}
