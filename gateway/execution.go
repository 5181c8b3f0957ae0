package gateway

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/tern-db/tern/coordinator"
	"github.com/tern-db/tern/planner"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// execution.go: statements are executed by the coordinator (coordinator/); the gateway hands
// it the caller's session and gives it the session state it acts on (coordinator.Sessions).

// sessionHooks is the gateway's side of coordinator.Sessions: settings and temporary schemas
// live with the caller's session (session.go), credentials are bearer tokens (auth.go).
type sessionHooks struct{ s *Server }

var _ coordinator.Sessions = sessionHooks{}

func (h sessionHooks) StoreSetting(ctx context.Context, st *planner.Set) error {
	return h.s.setting(ctx, st) // settings.go
}

func (h sessionHooks) EnsureTempSchema(ctx context.Context) error {
	_, err := h.s.ensureTempSchema(ctx) // session.go
	return err
}

// PasswordChanged hands a user that changed its own password a fresh token in the response's
// "authorization" header (which Flight clients such as ADBC adopt): tokens carry a stamp of
// the password they were issued under, so the old one no longer works.
func (h sessionHooks) PasswordChanged(ctx context.Context, tenant, user, hash string) error {
	tok, err := h.s.auth.issue(tokenClaims{Identity: Identity{Tenant: tenant, User: user}, Pass: passwordStamp(hash)})
	if err != nil {
		return err
	}
	// Fails only when headers were already sent; then the client logs in again.
	_ = grpc.SetHeader(ctx, metadata.Pairs("authorization", "Bearer "+tok))
	return nil
}

// runInto runs a planned query through the coordinator's executor, handing every batch to
// sink (client Substrait plans run as updates: substrait.go).
func (s *Server) runInto(ctx context.Context, sess planner.Session, q *planner.Query, sink func(context.Context, arrow.RecordBatch) error) (int64, error) {
	return s.coord.RunQuery(ctx, sess, q, sink)
}
