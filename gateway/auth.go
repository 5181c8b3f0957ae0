package gateway

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/coordinator"
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

	guardOnce sync.Once
	guard     *loginGuard // throttle, bcrypt semaphore, dummy hash; made on first use
	// sessionTTL is how long an unused session lives (session.go).
	sessionTTL time.Duration
}

const handshakeMethod = "/arrow.flight.protocol.FlightService/Handshake"

// login checks a user's password and returns a signed token. Attempts are throttled, run
// bcrypt under a semaphore, cost the same for unknown users and are logged when they fail
// (login_throttle.go).
func (a *authenticator) login(ctx context.Context, user, password string) (string, error) {
	tenant := catalog.DefaultTenant
	if t, u, ok := strings.Cut(user, "/"); ok { // "tenant/user" names a user of another tenant
		tenant, user = t, u
	}
	g := a.loginGuard()
	addr := clientAddr(ctx)
	who := tenant + "/" + user
	fail := func(reason string, err error) (string, error) {
		if a.log != nil {
			// Never the password; the user name as given (it may be a mistyped password, but
			// an operator needs it to see a brute force).
			a.log.Warn("login failed", "user", who, "client", addr, "reason", reason)
		}
		return "", err
	}
	if err := g.admit(who, addr, a.now()); err != nil {
		return fail("throttled", err)
	}
	release, err := g.acquire(ctx)
	if err != nil {
		return fail("login queue full or cancelled", err)
	}
	u, uerr := a.cat.GetUser(ctx, tenant, user)
	hash := g.dummy
	if uerr == nil {
		hash = []byte(u.PasswordHash)
	}
	// Always one bcrypt comparison: an unknown user takes as long as a wrong password.
	cerr := bcrypt.CompareHashAndPassword(hash, []byte(password))
	release()
	switch {
	case uerr != nil && !errors.Is(uerr, errs.ErrNotFound) && !errors.Is(uerr, errs.ErrInvalidArgument):
		return fail("catalog error", uerr)
	case uerr != nil:
		// One message for unknown users and wrong passwords: nothing to probe.
		return fail("unknown user", errs.Errorf(errs.ErrUnauthenticated, "invalid user name or password"))
	case cerr != nil:
		return fail("wrong password", errs.Errorf(errs.ErrUnauthenticated, "invalid user name or password"))
	}
	g.succeeded(who, addr)
	return a.issue(tokenClaims{Identity: Identity{Tenant: tenant, User: user, Session: newSessionID()}, Pass: passwordStamp(u.PasswordHash)})
}

// tokenClaims is a bearer token's payload: who, and a stamp of the password hash it was
// issued under. Every call checks the stamp against the catalog, so ALTER USER ... PASSWORD,
// `tern admin reset-password` and DROP USER cut off tokens issued before them (a stolen
// token or a guessed password stops working once the password is changed).
type tokenClaims struct {
	Identity
	Pass string `json:"p"`
}

// passwordStamp identifies a password hash without revealing it (the token is encrypted as
// well): the first 8 bytes of its SHA-256.
func passwordStamp(hash string) string {
	sum := sha256.Sum256([]byte(hash))
	return hex.EncodeToString(sum[:8])
}

func (a *authenticator) issue(c tokenClaims) (string, error) {
	tok, err := proto.SignJSON(a.key, proto.KindToken, a.now().Add(a.ttl), c)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(tok), nil
}

func (a *authenticator) loginGuard() *loginGuard {
	a.guardOnce.Do(func() { a.guard = newLoginGuard() })
	return a.guard
}

func (a *authenticator) verify(ctx context.Context, token string) (tokenClaims, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return tokenClaims{}, errs.Errorf(errs.ErrUnauthenticated, "malformed bearer token")
	}
	var c tokenClaims
	if err := proto.VerifyJSON(a.key, proto.KindToken, raw, a.now(), &c); err != nil {
		return tokenClaims{}, err
	}
	u, err := a.cat.GetUser(ctx, c.Tenant, c.User)
	switch {
	case errors.Is(err, errs.ErrNotFound):
		return tokenClaims{}, errs.Errorf(errs.ErrUnauthenticated, "the user of this token no longer exists")
	case err != nil:
		return tokenClaims{}, err
	case passwordStamp(u.PasswordHash) != c.Pass:
		return tokenClaims{}, errs.Errorf(errs.ErrUnauthenticated, "the password changed since this token was issued; log in again")
	}
	return c, nil
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
		c, err := a.verify(ctx, cred)
		return c.Identity, "", err
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
		c, err := a.verify(ctx, tok)
		// Credentials sent on every call name no connection: the call has no token session
		// (a cookie may name one), while the token handed out by a Handshake does.
		c.Session = ""
		return c.Identity, tok, err
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
		c, err := a.verify(ctx, strings.TrimSpace(cred))
		if err != nil {
			return err
		}
		a.renewSession(ctx, c.Identity) // session.go
		if tok, err = a.issue(c); err != nil {
			return err
		}
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
//
// On later starts the variable only initialised (as with PostgreSQL's container image): the
// stored password stays. But never silently: when the variable is set and does not match,
// a warning says so and names `tern admin reset-password`.
func ensureAdmin(ctx context.Context, cat catalog.Catalog, password string, log *slog.Logger) (generated string, err error) {
	if u, err := cat.GetUser(ctx, catalog.DefaultTenant, catalog.AdminUser); err == nil {
		if password != "" && log != nil && bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
			log.Warn("TERN_ADMIN_PASSWORD is set but is not the admin password: it only sets the password when the data directory is created; the stored password stays in force. To change it run `tern admin reset-password --data DIR` with the server stopped, or ALTER USER admin PASSWORD '...' as admin")
		}
		return "", nil
	} else if !errors.Is(err, errs.ErrNotFound) {
		return "", err
	}
	if password == "" {
		password, err = GeneratePassword()
		if err != nil {
			return "", err
		}
		generated = password
	}
	h, err := HashPassword(password)
	if err != nil {
		return "", err
	}
	return generated, cat.PutUser(ctx, catalog.User{Tenant: catalog.DefaultTenant, Name: catalog.AdminUser, PasswordHash: h})
}

// GeneratePassword returns a random password (144 bits, URL-safe base64).
func GeneratePassword() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// HashPassword is the bcrypt hash stored for a password (coordinator.HashPassword, which
// CREATE/ALTER USER use too).
func HashPassword(password string) (string, error) { return coordinator.HashPassword(password) }
