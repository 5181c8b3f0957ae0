package gateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
)

// Identity is who is calling, taken from a verified bearer token.
type Identity struct {
	Tenant string `json:"t"`
	User   string `json:"u"`
	// Session names the server-side session of the login that issued the token (session.go);
	// a renewed token keeps it. Empty for Basic credentials sent on a call.
	Session string `json:"s,omitempty"`
}

type identityKey struct{}

func identityFrom(ctx context.Context) (Identity, error) {
	id, ok := ctx.Value(identityKey{}).(Identity)
	if !ok {
		return Identity{}, errs.Errorf(errs.ErrUnauthenticated, "no credentials")
	}
	return id, nil
}

// authenticator checks passwords against the catalog and issues and verifies bearer tokens.
type authenticator struct {
	log *slog.Logger
	cat catalog.Catalog
	key []byte
	ttl time.Duration
	now func() time.Time
	// sessionTTL is how long an unused session lives (session.go).
	sessionTTL time.Duration
}

const handshakeMethod = "/arrow.flight.protocol.FlightService/Handshake"

// login checks a user's password and returns a signed token.
func (a *authenticator) login(ctx context.Context, user, password string) (string, error) {
	tenant := catalog.DefaultTenant
	if t, u, ok := strings.Cut(user, "/"); ok { // "tenant/user" names a user of another tenant
		tenant, user = t, u
	}
	u, err := a.cat.GetUser(ctx, tenant, user)
	if err != nil || bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		// One message for unknown users and wrong passwords: nothing to probe.
		return "", errs.Errorf(errs.ErrUnauthenticated, "invalid user name or password")
	}
	tok, err := proto.SignJSON(a.key, proto.KindToken, a.now().Add(a.ttl), Identity{Tenant: tenant, User: user, Session: newSessionID()})
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(tok), nil
}

func (a *authenticator) verify(token string) (Identity, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return Identity{}, errs.Errorf(errs.ErrUnauthenticated, "malformed bearer token")
	}
	var id Identity
	if err := proto.VerifyJSON(a.key, proto.KindToken, raw, a.now(), &id); err != nil {
		return Identity{}, err
	}
	return id, nil
}

// fromMetadata authenticates a call from its "authorization" header. Basic credentials are
// accepted on every call (as some clients send them each time); Bearer tokens otherwise.
func (a *authenticator) fromMetadata(ctx context.Context) (Identity, string, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get("authorization")
	if len(vals) == 0 {
		return Identity{}, "", errs.Errorf(errs.ErrUnauthenticated, "missing credentials")
	}
	scheme, cred, _ := strings.Cut(strings.TrimSpace(vals[0]), " ")
	cred = strings.TrimSpace(cred)
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		id, err := a.verify(cred)
		return id, "", err
	case strings.EqualFold(scheme, "Basic"):
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			if raw, err = base64.RawStdEncoding.DecodeString(cred); err != nil {
				return Identity{}, "", errs.Errorf(errs.ErrUnauthenticated, "malformed basic credentials")
			}
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok {
			return Identity{}, "", errs.Errorf(errs.ErrUnauthenticated, "malformed basic credentials")
		}
		tok, err := a.login(ctx, user, pass)
		if err != nil {
			return Identity{}, "", err
		}
		id, err := a.verify(tok)
		// Credentials sent on every call name no connection: the call has no token session
		// (a cookie may name one), while the token handed out by a Handshake does.
		id.Session = ""
		return id, tok, err
	}
	return Identity{}, "", errs.Errorf(errs.ErrUnauthenticated, "unsupported authorization scheme")
}

// handshake implements the Flight Handshake: basic credentials in, bearer token out (in the
// response header, where Flight clients look for it, and in the handshake payload).
func (a *authenticator) handshake(stream flight.FlightService_HandshakeServer) error {
	ctx := stream.Context()
	_, tok, err := a.fromMetadata(ctx)
	if err != nil {
		return err
	}
	if tok == "" {
		// A bearer token was presented: hand back a fresh one (renewal).
		md, _ := metadata.FromIncomingContext(ctx)
		_, cred, _ := strings.Cut(strings.TrimSpace(md.Get("authorization")[0]), " ")
		id, err := a.verify(strings.TrimSpace(cred))
		if err != nil {
			return err
		}
		a.renewSession(ctx, id) // session.go
		signed, err := proto.SignJSON(a.key, proto.KindToken, a.now().Add(a.ttl), id)
		if err != nil {
			return err
		}
		tok = base64.RawURLEncoding.EncodeToString(signed)
	}
	if err := stream.SendHeader(metadata.Pairs("authorization", "Bearer "+tok)); err != nil {
		return err
	}
	return stream.Send(&flight.HandshakeResponse{Payload: []byte(tok)})
}

// interceptors authenticate every call but Handshake, map every returned error onto a gRPC
// status (the one place that does so), and turn panics into Internal errors.
func (a *authenticator) unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%w: panic in %s: %v", errs.ErrInternal, info.FullMethod, r)
			}
			a.logInternal(info.FullMethod, err)
			err = errs.ToStatus(err)
		}()
		id, _, err := a.fromMetadata(ctx)
		if err != nil {
			return nil, err
		}
		ctx, err = a.withSession(context.WithValue(ctx, identityKey{}, id), id)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

func (a *authenticator) stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%w: panic in %s: %v", errs.ErrInternal, info.FullMethod, r)
			}
			if errors.Is(err, io.EOF) {
				err = nil
			}
			a.logInternal(info.FullMethod, err)
			err = errs.ToStatus(err)
		}()
		if info.FullMethod == handshakeMethod {
			return handler(srv, ss)
		}
		id, _, err := a.fromMetadata(ss.Context())
		if err != nil {
			return err
		}
		ctx, err := a.withSession(context.WithValue(ss.Context(), identityKey{}, id), id)
		if err != nil {
			return err
		}
		return handler(srv, &identStream{ServerStream: ss, ctx: ctx})
	}
}

// logInternal logs the detail of an error that clients only see as "internal error".
func (a *authenticator) logInternal(method string, err error) {
	if err != nil && a.log != nil && errs.Code(err) == codes.Internal {
		a.log.Error("internal error", "method", method, "err", err)
	}
}

type identStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *identStream) Context() context.Context { return s.ctx }

// ensureAdmin creates the admin user on first start. The password comes from the given value
// (TERN_ADMIN_PASSWORD); if empty, one is generated and returned so the caller prints it
// once. Only a bcrypt hash is stored.
func ensureAdmin(ctx context.Context, cat catalog.Catalog, password string) (generated string, err error) {
	if _, err := cat.GetUser(ctx, catalog.DefaultTenant, catalog.AdminUser); err == nil {
		return "", nil
	} else if !errors.Is(err, errs.ErrNotFound) {
		return "", err
	}
	if password == "" {
		b := make([]byte, 18)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		password = base64.RawURLEncoding.EncodeToString(b)
		generated = password
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", err
	}
	return generated, cat.PutUser(ctx, catalog.User{Tenant: catalog.DefaultTenant, Name: catalog.AdminUser, PasswordHash: string(h)})
}
