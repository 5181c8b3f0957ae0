package gateway

import (
	"context"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/tern-db/tern/cluster"
	"github.com/tern-db/tern/flightnodes"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// cluster.go: a gateway with executor nodes (`tern serve --consul ADDR` or `--nodes LIST`).
//
// Queries run on the nodes; everything else (DDL, writes, COPY, RETURNING, EXPLAIN ANALYZE)
// stays on the in-process node, which owns the data directory's writes. A query's FlightInfo
// has one endpoint per partition of its final fragment. By default each endpoint's ticket is
// the fragment itself, sealed with the cluster key, and its locations are the node picked
// for that partition followed by the others (cluster.Remote.Candidates): the client fetches
// the rows straight from a node, and a client such as the ADBC driver tries the next location
// when a node cannot be reached. With --proxy-results the endpoints are the gateway's own
// tickets and the gateway relays the rows through cluster.Remote, which also runs a
// fragment again on another node when its node dies mid-stream.

func newRemote(cfg Config, key []byte) *cluster.Remote {
	if cfg.Nodes == nil {
		return nil
	}
	return &cluster.Remote{Members: cfg.Nodes, Key: key, Dial: cfg.NodeDial, TLS: cfg.NodeTLS, Alloc: cfg.Alloc, Log: cfg.Logger}
}

// servedByNodes reports whether tp's rows come straight from the nodes.
func (s *Server) servedByNodes(tp ticketPayload) bool {
	return s.remote != nil && !s.cfg.ProxyResults && tp.Plan != nil && !tp.Analyze && tp.Rows == nil
}

// nodeEndpoints seals one fragment ticket per partition of the final fragment, located at
// the nodes that can serve it (first the one picked for it).
func (s *Server) nodeEndpoints(tp ticketPayload, parts int) ([]*flight.FlightEndpoint, error) {
	eps := make([]*flight.FlightEndpoint, max(parts, 1))
	exp := time.Now().Add(s.ticketTTL())
	for i := range eps {
		cands, err := s.remote.Candidates(tp.QueryID, i)
		if err != nil {
			return nil, err
		}
		f := tp.fragment(i)
		if len(f.Inputs) > 0 {
			f.Peers = s.remote.Members.Nodes() // the node fetches the inputs from its peers
		}
		tkt, err := flightnodes.ServiceTicket(s.key, f, exp)
		if err != nil {
			return nil, err
		}
		locs := make([]*flight.Location, len(cands))
		for j, c := range cands {
			locs[j] = &flight.Location{Uri: s.remote.Location(c)}
		}
		eps[i] = &flight.FlightEndpoint{Ticket: &flight.Ticket{Ticket: tkt}, Location: locs}
	}
	return eps, nil
}

// fragment is the fragment a query ticket's partition runs.
func (tp ticketPayload) fragment(partition int) *proto.Fragment {
	return &proto.Fragment{QueryID: tp.QueryID, Tenant: tp.Tenant, Plan: tp.Plan, FragmentID: tp.Fragment,
		Partition: partition, Partitions: tp.Partitions, Inputs: tp.Inputs, Schema: tp.Schema, Deadline: tp.Deadline}
}

// executorFor returns the executor a query's DoGet runs on and the context to run it under
// (remote calls carry the caller, for whom the nodes get a token).
func (s *Server) executorFor(ctx context.Context, id Identity) (flightnodes.Executor, context.Context) {
	if s.remote == nil {
		return s.exec, ctx
	}
	return s.remote, cluster.WithCaller(ctx, flightnodes.Caller{Tenant: id.Tenant, User: id.User})
}

// queryOfEndpoint returns the query id behind an endpoint's ticket: a gateway ticket, or a
// fragment ticket of an endpoint served by the nodes.
func (s *Server) queryOfEndpoint(t *flight.Ticket, id Identity) (string, error) {
	if t != nil {
		if _, err := flightsql.GetStatementQueryTicket(t); err != nil {
			if f, ferr := flightnodes.OpenTicket(s.key, t.GetTicket()); ferr == nil {
				if f.Tenant != id.Tenant {
					return "", errs.Errorf(errs.ErrInvalidArgument, "ticket signature does not match")
				}
				return f.QueryID, nil
			}
		}
	}
	tp, err := s.verifyTicket(t, id)
	return tp.QueryID, err
}

// cancelQuery stops a query's fragments on the in-process node and on every node.
func (s *Server) cancelQuery(ctx context.Context, id Identity, queryID string) error {
	if err := s.exec.Cancel(ctx, queryID); err != nil {
		return err
	}
	if s.remote != nil {
		return s.remote.Cancel(cluster.WithCaller(ctx, flightnodes.Caller{Tenant: id.Tenant, User: id.User}), queryID)
	}
	return nil
}
