package gateway

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	pbflight "github.com/apache/arrow-go/v18/arrow/flight/gen/flight"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// Flight SQL sessions (SetSessionOptions, GetSessionOptions, CloseSession) live in a signed
// cookie, not in gateway memory: the whole session state is the cookie's value, sealed with
// the gateway key (proto.Sign, kind "session"), so any gateway holding the key serves it and a
// restarted gateway keeps it. Clients that keep cookies (arrow-go's cookie middleware, ADBC with
// adbc.flight.sql.rpc.with_cookie_middleware, the JDBC driver) send it back on every call.
//
// The state is small: an id (naming the session's temporary schema), who owns it, and the
// current schema. A cookie of another user is ignored, as is a forged or expired one.

const (
	sessionCookieName = "tern_session"
	kindSession       = "session"
	sessionTTL        = 7 * 24 * time.Hour
	tempSchemaPrefix  = "pg_temp_"
)

// sessionState is the content of the session cookie.
type sessionState struct {
	ID     string `json:"i"`
	Tenant string `json:"t"`
	User   string `json:"u"`
	Schema string `json:"s,omitempty"`
	DryRun bool   `json:"d,omitempty"` // SET tern.dry_run (dryrun.go)
}

type sessionKey struct{}

// withSession reads the caller's session cookie into the context. Call after authentication.
func (a *authenticator) withSession(ctx context.Context, id Identity) context.Context {
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get("cookie")
	if len(vals) == 0 {
		return ctx
	}
	req := http.Request{Header: http.Header{"Cookie": vals}}
	c, err := req.Cookie(sessionCookieName)
	if err != nil {
		return ctx
	}
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return ctx
	}
	var st sessionState
	if err := proto.VerifyJSON(a.key, kindSession, raw, a.now(), &st); err != nil {
		return ctx
	}
	if st.Tenant != id.Tenant || st.User != id.User {
		return ctx
	}
	return context.WithValue(ctx, sessionKey{}, &st)
}

// sessionFrom returns the caller's session, or nil when the caller has none.
func sessionFrom(ctx context.Context) *sessionState {
	st, _ := ctx.Value(sessionKey{}).(*sessionState)
	return st
}

// ensureSession returns the caller's session, or a new one (fresh is true) that the caller
// must save (saveSession) for the client to keep it.
func (s *Server) ensureSession(ctx context.Context) (st *sessionState, fresh bool, err error) {
	if st := sessionFrom(ctx); st != nil {
		return st, false, nil
	}
	id, err := identityFrom(ctx)
	if err != nil {
		return nil, false, err
	}
	return &sessionState{ID: newQueryID() + newQueryID(), Tenant: id.Tenant, User: id.User}, true, nil
}

// saveSession sends the session's new state to the client as its cookie.
func (s *Server) saveSession(ctx context.Context, st *sessionState) error {
	h, err := proto.SignJSON(s.key, kindSession, time.Now().Add(sessionTTL), st)
	if err != nil {
		return err
	}
	c := http.Cookie{Name: sessionCookieName, Value: base64.RawURLEncoding.EncodeToString(h), MaxAge: int(sessionTTL.Seconds())}
	return setCookie(ctx, c)
}

func setCookie(ctx context.Context, c http.Cookie) error {
	if err := grpc.SetHeader(ctx, metadata.Pairs("set-cookie", c.String())); err != nil {
		return errs.Errorf(errs.ErrInternal, "setting the session cookie: %v", err)
	}
	return nil
}

func (st *sessionState) tempSchema() string { return tempSchemaPrefix + st.ID }

// isTempSchema reports whether a schema is some session's temporary schema.
func isTempSchema(name string) bool { return strings.HasPrefix(name, tempSchemaPrefix) }

// visibleSchema hides other sessions' temporary schemas from metadata.
func visibleSchema(ctx context.Context, name string) bool {
	if !isTempSchema(name) {
		return true
	}
	st := sessionFrom(ctx)
	return st != nil && st.tempSchema() == name
}

func stringOption(v string) *flight.SessionOptionValue {
	return &flight.SessionOptionValue{OptionValue: &pbflight.SessionOptionValue_StringValue{StringValue: v}}
}

func (s *Server) SetSessionOptions(ctx context.Context, req *flight.SetSessionOptionsRequest) (*flight.SetSessionOptionsResult, error) {
	id, err := identityFrom(ctx)
	if err != nil {
		return nil, err
	}
	st, fresh, err := s.ensureSession(ctx)
	if err != nil {
		return nil, err
	}
	res := &flight.SetSessionOptionsResult{Errors: map[string]*flight.SetSessionOptionsResultError{}}
	fail := func(name string, v pbflight.SetSessionOptionsResult_ErrorValue) {
		res.Errors[name] = &flight.SetSessionOptionsResultError{Value: v}
	}
	next := *st
	for name, v := range req.GetSessionOptions() {
		var str string
		var unset bool
		switch ov := v.GetOptionValue().(type) {
		case *pbflight.SessionOptionValue_StringValue:
			str = ov.StringValue
		case nil:
			unset = true
		default:
			fail(name, flight.SetSessionOptionsResultErrorInvalidValue)
			continue
		}
		switch strings.ToLower(name) {
		case "catalog":
			if !unset && str != catalog.CatalogName {
				fail(name, flight.SetSessionOptionsResultErrorInvalidValue)
			}
		case "schema", "search_path":
			if unset || str == "" {
				next.Schema = ""
				continue
			}
			ok, err := s.schemaExists(ctx, id.Tenant, str)
			if err != nil {
				return nil, err
			}
			if !ok {
				fail(name, flight.SetSessionOptionsResultErrorInvalidValue)
				continue
			}
			next.Schema = str
		default:
			fail(name, flight.SetSessionOptionsResultErrorInvalidName)
		}
	}
	if next != *st || fresh {
		*st = next
		if err := s.saveSession(ctx, st); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func (s *Server) schemaExists(ctx context.Context, tenant, name string) (bool, error) {
	schemas, err := s.cat.ListSchemas(ctx, tenant)
	if err != nil {
		return false, err
	}
	for _, sc := range schemas {
		if sc == name {
			return true, nil
		}
	}
	return false, nil
}

func (s *Server) GetSessionOptions(ctx context.Context, _ *flight.GetSessionOptionsRequest) (*flight.GetSessionOptionsResult, error) {
	sess, err := session(ctx)
	if err != nil {
		return nil, err
	}
	return &flight.GetSessionOptionsResult{SessionOptions: map[string]*flight.SessionOptionValue{
		"catalog": stringOption(catalog.CatalogName),
		"schema":  stringOption(sess.Schema),
	}}, nil
}

// CloseSession drops the session's temporary tables and tells the client to forget the cookie.
// A session whose client never closes it keeps its temporary tables until an administrator
// drops them (they are hidden from other sessions' metadata).
func (s *Server) CloseSession(ctx context.Context, _ *flight.CloseSessionRequest) (*flight.CloseSessionResult, error) {
	st := sessionFrom(ctx)
	if st != nil {
		if err := s.dropTempTables(ctx, st); err != nil {
			return nil, err
		}
		if err := setCookie(ctx, http.Cookie{Name: sessionCookieName, Value: "", MaxAge: -1}); err != nil {
			return nil, err
		}
	}
	return &flight.CloseSessionResult{Status: flight.CloseSessionResultClosed}, nil
}

func (s *Server) dropTempTables(ctx context.Context, st *sessionState) error {
	tables, err := s.cat.ListTables(ctx, st.Tenant, st.tempSchema())
	if err != nil {
		if errors.Is(err, errs.ErrNotFound) {
			return nil
		}
		return err
	}
	for _, t := range tables {
		if err := s.cat.DropTable(ctx, t.Ref); err != nil && !errors.Is(err, errs.ErrNotFound) {
			return err
		}
	}
	return nil
}
