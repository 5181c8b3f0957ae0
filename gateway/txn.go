package gateway

import (
	"context"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/tern-db/tern/coordinator"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// Transactions over native tables (BeginTransaction / EndTransaction). The coordinator keeps
// a transaction's state next to the data (coordinator/txn.go); the transaction id the client
// holds is a signed handle {id, tenant, user} naming it, so a restarted gateway, or any
// gateway sharing the data directory and key, carries the transaction on.

const kindTransaction = "transaction"

type txnHandle struct {
	ID     string `json:"i"`
	Tenant string `json:"t"`
	User   string `json:"u"`
}

// txnState is a transaction a command names (nil: none).
type txnState = coordinator.Txn

func (s *Server) BeginTransaction(ctx context.Context, _ flightsql.ActionBeginTransactionRequest) ([]byte, error) {
	id, err := identityFrom(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.coord.Begin(ctx, id.Tenant, id.User)
	if err != nil {
		return nil, err
	}
	h := txnHandle{ID: t.ID, Tenant: t.Tenant, User: t.User}
	return proto.SignJSON(s.key, kindTransaction, time.Now().Add(coordinator.TransactionTTL), h)
}

// openTxn verifies a transaction id and loads the transaction.
func (s *Server) openTxn(ctx context.Context, raw []byte) (*txnState, error) {
	id, err := identityFrom(ctx)
	if err != nil {
		return nil, err
	}
	var h txnHandle
	if err := proto.VerifyJSON(s.key, kindTransaction, raw, time.Now(), &h); err != nil {
		return nil, err
	}
	if h.Tenant != id.Tenant || h.User != id.User {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "transaction signature does not match")
	}
	return s.coord.OpenTxn(ctx, coordinator.TxnID{ID: h.ID, Tenant: h.Tenant, User: h.User})
}

func (s *Server) EndTransaction(ctx context.Context, req flightsql.ActionEndTransactionRequest) error {
	tx, err := s.openTxn(ctx, req.GetTransactionId())
	if err != nil {
		return err
	}
	switch req.GetAction() {
	case flightsql.EndTransactionCommit:
		sess, err := session(ctx)
		if err != nil {
			return err
		}
		return s.coord.Commit(ctx, sess, tx)
	case flightsql.EndTransactionRollback:
		s.coord.Rollback(tx)
		return nil
	}
	return errs.Errorf(errs.ErrInvalidArgument, "unknown end of transaction action %v", req.GetAction())
}

// txnFor loads the transaction a command names, or returns nil for none.
func (s *Server) txnFor(ctx context.Context, id []byte) (*txnState, error) {
	if len(id) == 0 {
		return nil, nil
	}
	return s.openTxn(ctx, id)
}

// plannerFor is the planner of a statement: inside a transaction, the transaction's view
// (coordinator.Planner).
func (s *Server) plannerFor(tx *txnState) planner.Planner {
	if tx == nil {
		return s.planner
	}
	return s.coord.Planner(tx)
}
