package flightnodes

import (
	"context"
	"encoding/base64"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// A node accepts the gateway's bearer tokens (handles of kind proto.KindToken sealed with the
// cluster key): a client that logged in at the gateway fetches its results from the nodes
// with the same token, and the gateway calls nodes with tokens it seals for its caller. The
// node checks the seal and the expiry; it has no catalog, so a password changed since the
// token was issued is caught by the gateway (which refuses to plan), not here.

// Caller is who a node's call runs for: the token's tenant and user.
type Caller struct {
	Tenant string `json:"t"`
	User   string `json:"u"`
}

type callerKey struct{}

func callerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// BearerToken seals a token for c, as the gateway's login does: gateways call nodes with it.
func BearerToken(key []byte, c Caller, ttl time.Duration) (string, error) {
	tok, err := proto.SignJSON(key, proto.KindToken, time.Now().Add(ttl), c)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(tok), nil
}

func verifyBearer(key []byte, ctx context.Context) (Caller, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get("authorization")
	if len(vals) == 0 {
		return Caller{}, errs.Errorf(errs.ErrUnauthenticated, "missing credentials")
	}
	scheme, cred, _ := strings.Cut(strings.TrimSpace(vals[0]), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return Caller{}, errs.Errorf(errs.ErrUnauthenticated, "nodes accept only bearer tokens issued by a gateway")
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return Caller{}, errs.Errorf(errs.ErrUnauthenticated, "malformed bearer token")
	}
	var c Caller
	if err := proto.VerifyJSON(key, proto.KindToken, raw, time.Now(), &c); err != nil {
		return Caller{}, err
	}
	if c.Tenant == "" {
		return Caller{}, errs.Errorf(errs.ErrUnauthenticated, "token names no tenant")
	}
	return c, nil
}

// ServerOptions are the node's interceptors: authentication (Handshake is let through so
// that it can say where to log in), panic recovery, and the one mapping of errors onto gRPC
// codes (errs.ToStatus), with Internal errors logged before their detail is dropped.
func (s *Service) ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
			defer s.recovered(info.FullMethod, &err)
			c, err := verifyBearer(s.Key, ctx)
			if err != nil {
				return nil, errs.ToStatus(err)
			}
			resp, err = h(context.WithValue(ctx, callerKey{}, c), req)
			return resp, s.status(info.FullMethod, err)
		}),
		grpc.ChainStreamInterceptor(func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) (err error) {
			defer s.recovered(info.FullMethod, &err)
			ctx := ss.Context()
			if !strings.HasSuffix(info.FullMethod, "/Handshake") {
				c, err := verifyBearer(s.Key, ctx)
				if err != nil {
					return errs.ToStatus(err)
				}
				ctx = context.WithValue(ctx, callerKey{}, c)
			}
			return s.status(info.FullMethod, h(srv, &callerStream{ServerStream: ss, ctx: ctx}))
		}),
	}
}

func (s *Service) status(method string, err error) error {
	if err != nil && errs.Code(err) == codes.Internal {
		s.log().Error("internal error", "method", method, "err", err)
	}
	return errs.ToStatus(err)
}

func (s *Service) recovered(method string, err *error) {
	if p := recover(); p != nil {
		s.log().Error("panic recovered", "method", method, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		*err = errs.ToStatus(fmt.Errorf("%w: panic in %s", errs.ErrInternal, method))
	}
}

type callerStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (c *callerStream) Context() context.Context { return c.ctx }
