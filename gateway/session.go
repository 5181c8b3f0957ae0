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
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// Sessions. A session's state (settings, the temporary schema, open prepared statements, the
// last statement) lives server-side in the catalog (catalog.SessionStore), keyed by tenant and
// session id, so it survives clients without cookies, a restarted gateway and any gateway on
// the same catalog. What names the session:
//
//   - the bearer token: every login (Handshake) mints a session id into the signed token, and a
//     renewal (Handshake with a bearer token) keeps it. This works for every client, including
//     the ADBC driver without cookie middleware (its default);
//   - the Flight SQL session cookie `tern_session` (signed: id, tenant, user), when the client
//     sends one: it names its session and wins over the token's. Clients that send Basic
//     credentials on every call have no token session; they get a cookie session, which they
//     must keep (a client that drops the cookie drops its session).
//
// A session expires SessionTTL (Config; default the token TTL) after its last use; the sweeper
// (session_sweep.go) then drops its temporary tables and keeps a tombstone, so that a client
// still holding the token is told its session ended instead of silently getting a fresh one.
// CloseSession ends a session at once; the token's id then names a fresh, empty session.

const (
	sessionCookieName = "tern_session"
	kindSession       = "session"
	cookieTTL         = 7 * 24 * time.Hour
	tempSchemaPrefix  = "pg_temp_"
	maxOpenPrepared   = 10000
)

// sessionCookie is the content of the session cookie: it names a session, nothing more.
type cookiePayload struct {
	ID     string `json:"i"`
	Tenant string `json:"t"`
	User   string `json:"u"`
}

// sessionState is the caller's session: its name and the state loaded when the call began.
type sessionState struct {
	ID     string
	Tenant string
	User   string
	rec    catalog.Session // zero until the session stores something
	stored bool            // rec exists in the catalog
	cookie bool            // named by a cookie the client sent
}

type sessionKey struct{}

func newSessionID() string { return newQueryID() + newQueryID() }

// withSession names the caller's session (cookie, else token), loads its state and hides other
// sessions' temporary schemas from every catalog lookup of the call. Call after authentication.
func (a *authenticator) withSession(ctx context.Context, id Identity) (context.Context, error) {
	st := &sessionState{ID: id.Session, Tenant: id.Tenant, User: id.User}
	if c, ok := a.namedByCookie(ctx, id); ok {
		st.ID, st.cookie = c.ID, true
	}
	if st.ID != "" {
		if ss, ok := a.cat.(catalog.SessionStore); ok {
			rec, err := ss.GetSession(ctx, st.Tenant, st.ID)
			switch {
			case err == nil && rec.User == st.User:
				if rec.Ended || (!rec.ExpiresAt.IsZero() && a.now().After(rec.ExpiresAt)) {
					// Ended, or expired and not swept yet: never revived with its state gone.
					return ctx, errs.Errorf(errs.ErrUnauthenticated, "session expired after being idle; log in again")
				}
				st.rec, st.stored = rec, true
				a.touchSession(ctx, ss, st)
			case err != nil && !errors.Is(err, errs.ErrNotFound):
				return ctx, err
			}
		}
		ctx = context.WithValue(ctx, sessionKey{}, st)
	}
	own := ""
	if st.ID != "" {
		own = st.tempSchema()
	}
	return catalog.WithHiddenSchemas(ctx, func(schema string) bool {
		return isTempSchema(schema) && schema != own
	}), nil
}

// touchSession moves a used session's expiry forward; it writes only when a tenth of the
// lifetime has passed since the last move, so that most calls only read.
func (a *authenticator) touchSession(ctx context.Context, ss catalog.SessionStore, st *sessionState) {
	ttl := a.sessionTTL
	now := a.now()
	if ttl <= 0 || st.rec.ExpiresAt.Sub(now) > ttl-ttl/10 {
		return
	}
	rec, err := ss.UpdateSession(ctx, st.Tenant, st.ID, func(r *catalog.Session, _ bool) error {
		if !r.Ended {
			r.ExpiresAt = now.Add(ttl)
		}
		return nil
	})
	if err == nil {
		st.rec = rec
	}
}

// renewSession extends the token session's life with the token's (a renewing Handshake is
// use of the session); an ended or expired session stays ended.
func (a *authenticator) renewSession(ctx context.Context, id Identity) {
	ss, ok := a.cat.(catalog.SessionStore)
	if !ok || id.Session == "" {
		return
	}
	if _, err := ss.GetSession(ctx, id.Tenant, id.Session); err != nil {
		return
	}
	now := a.now()
	_, _ = ss.UpdateSession(ctx, id.Tenant, id.Session, func(r *catalog.Session, _ bool) error {
		if !r.Ended && r.User == id.User && now.Before(r.ExpiresAt) {
			r.ExpiresAt = now.Add(a.sessionTTL)
		}
		return nil
	})
}

func (a *authenticator) namedByCookie(ctx context.Context, id Identity) (cookiePayload, bool) {
	var c cookiePayload
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get("cookie")
	if len(vals) == 0 {
		return c, false
	}
	req := http.Request{Header: http.Header{"Cookie": vals}}
	hc, err := req.Cookie(sessionCookieName)
	if err != nil {
		return c, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(hc.Value)
	if err != nil {
		return c, false
	}
	// A forged, expired or foreign cookie is ignored: the call runs in the token's session.
	if err := proto.VerifyJSON(a.key, kindSession, raw, a.now(), &c); err != nil {
		return c, false
	}
	if c.ID == "" || c.Tenant != id.Tenant || c.User != id.User {
		return c, false
	}
	return c, true
}

// sessionFrom returns the caller's session, or nil when the caller has none.
func sessionFrom(ctx context.Context) *sessionState {
	st, _ := ctx.Value(sessionKey{}).(*sessionState)
	return st
}

func (s *Server) sessions() (catalog.SessionStore, error) {
	ss, ok := s.cat.(catalog.SessionStore)
	if !ok {
		return nil, errs.Errorf(errs.ErrNotSupported, "this catalog keeps no sessions")
	}
	return ss, nil
}

// updateSession changes the caller's session state in the catalog (creating the session when
// the caller has none yet: it is then named by a new cookie) and returns the new state. A
// change that cannot be kept is an error, never dropped.
func (s *Server) updateSession(ctx context.Context, fn func(*catalog.Session) error) (*sessionState, error) {
	ss, err := s.sessions()
	if err != nil {
		return nil, err
	}
	st := sessionFrom(ctx)
	fresh := st == nil
	if fresh {
		id, err := identityFrom(ctx)
		if err != nil {
			return nil, err
		}
		st = &sessionState{ID: newSessionID(), Tenant: id.Tenant, User: id.User}
	}
	rec, err := ss.UpdateSession(ctx, st.Tenant, st.ID, func(r *catalog.Session, exists bool) error {
		if exists && (r.User != st.User || r.Ended) {
			return errs.Errorf(errs.ErrUnauthenticated, "session expired; log in again")
		}
		r.User = st.User
		r.ExpiresAt = time.Now().Add(s.sessionTTL())
		return fn(r)
	})
	if err != nil {
		return nil, err
	}
	st.rec, st.stored = rec, true
	if fresh {
		// No token session and no cookie (Basic credentials on every call): the cookie is
		// the only way to name this session again.
		if err := s.sendSessionCookie(ctx, st); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func (s *Server) sessionTTL() time.Duration {
	if s.cfg.SessionTTL > 0 {
		return s.cfg.SessionTTL
	}
	return s.cfg.TokenTTL
}

// sendSessionCookie sends the cookie naming st (the Flight SQL session path).
func (s *Server) sendSessionCookie(ctx context.Context, st *sessionState) error {
	h, err := proto.SignJSON(s.key, kindSession, time.Now().Add(cookieTTL), cookiePayload{ID: st.ID, Tenant: st.Tenant, User: st.User})
	if err != nil {
		return err
	}
	c := http.Cookie{Name: sessionCookieName, Value: base64.RawURLEncoding.EncodeToString(h), MaxAge: int(cookieTTL.Seconds())}
	return setCookie(ctx, c)
}

func setCookie(ctx context.Context, c http.Cookie) error {
	if err := grpc.SetHeader(ctx, metadata.Pairs("set-cookie", c.String())); err != nil {
		return errs.Errorf(errs.ErrInternal, "setting the session cookie: %v", err)
	}
	return nil
}

func (st *sessionState) tempSchema() string { return tempSchemaPrefix + st.ID }

// apply puts the session's state into a planner session.
func (st *sessionState) apply(sess *planner.Session) {
	sess.TempSchema = st.tempSchema()
	sess.Settings = st.rec.Settings
	if sc := planner.SearchPathSchema(planner.SettingValue(st.rec.Settings, planner.SettingSearchPath)); sc != "" && sc != "$user" {
		sess.Schema = sc
	}
	sess.DryRun = planner.SettingValue(st.rec.Settings, planner.SettingDryRun) == "on"
	sess.LastQuery = st.rec.LastQuery
}

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

// ensureTempSchema makes sure the caller's session is stored (so that the sweeper drops its
// temporary tables when it ends) and its temporary schema exists; it returns the schema.
func (s *Server) ensureTempSchema(ctx context.Context) (*sessionState, error) {
	st := sessionFrom(ctx)
	if st == nil || !st.stored {
		var err error
		if st, err = s.updateSession(ctx, func(*catalog.Session) error { return nil }); err != nil {
			return nil, err
		}
	}
	if err := s.cat.CreateSchema(ctx, st.Tenant, st.tempSchema()); err != nil && !errors.Is(err, errs.ErrAlreadyExists) {
		return nil, err
	}
	return st, nil
}

func stringOption(v string) *flight.SessionOptionValue {
	return &flight.SessionOptionValue{OptionValue: &pbflight.SessionOptionValue_StringValue{StringValue: v}}
}

// SetSessionOptions sets "catalog" (only tern), "schema" (search_path) and any parameter of
// the settings registry (string values), per option: a bad name or value is reported for
// that option and changes nothing.
func (s *Server) SetSessionOptions(ctx context.Context, req *flight.SetSessionOptionsRequest) (*flight.SetSessionOptionsResult, error) {
	id, err := identityFrom(ctx)
	if err != nil {
		return nil, err
	}
	res := &flight.SetSessionOptionsResult{Errors: map[string]*flight.SetSessionOptionsResultError{}}
	fail := func(name string, v pbflight.SetSessionOptionsResult_ErrorValue) {
		res.Errors[name] = &flight.SetSessionOptionsResultError{Value: v}
	}
	set := map[string]string{}
	var reset []string
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
		key := strings.ToLower(name)
		if key == "catalog" {
			if !unset && str != catalog.CatalogName {
				fail(name, flight.SetSessionOptionsResultErrorInvalidValue)
			}
			continue
		}
		if key == "schema" {
			key = planner.SettingSearchPath
			if !unset && str != "" {
				str = `"` + strings.ReplaceAll(str, `"`, `""`) + `"`
			}
		}
		if _, ok := planner.LookupParam(key); !ok {
			fail(name, flight.SetSessionOptionsResultErrorInvalidName)
			continue
		}
		if unset || str == "" {
			reset = append(reset, key)
			continue
		}
		k, val, err := planner.NormalizeSetting(key, str)
		if err != nil {
			fail(name, flight.SetSessionOptionsResultErrorInvalidValue)
			continue
		}
		if k == planner.SettingSearchPath {
			ok, err := catalog.HasSchema(ctx, s.cat, id.Tenant, planner.SearchPathSchema(val))
			if err != nil {
				return nil, err
			}
			if !ok {
				fail(name, flight.SetSessionOptionsResultErrorInvalidValue)
				continue
			}
		}
		set[k] = val
	}
	if len(set) == 0 && len(reset) == 0 {
		return res, nil
	}
	st, err := s.updateSession(ctx, func(r *catalog.Session) error {
		if r.Settings == nil {
			r.Settings = map[string]string{}
		}
		for k, v := range set {
			r.Settings[k] = v
		}
		for _, k := range reset {
			delete(r.Settings, k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !st.cookie && sessionFrom(ctx) != nil {
		// Session options are the Flight SQL session path: name the session by the cookie
		// too, for clients that keep cookies (a fresh session already got it).
		if err := s.sendSessionCookie(ctx, st); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// GetSessionOptions answers catalog, schema and every parameter the session set.
func (s *Server) GetSessionOptions(ctx context.Context, _ *flight.GetSessionOptionsRequest) (*flight.GetSessionOptionsResult, error) {
	sess, err := session(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]*flight.SessionOptionValue{}
	for k, v := range sess.Settings {
		out[k] = stringOption(v)
	}
	out["catalog"] = stringOption(catalog.CatalogName)
	out["schema"] = stringOption(sess.Schema)
	return &flight.GetSessionOptionsResult{SessionOptions: out}, nil
}

// CloseSession ends the session: its temporary tables are dropped, its prepared statements
// closed and its settings forgotten; the client is told to forget the cookie.
func (s *Server) CloseSession(ctx context.Context, _ *flight.CloseSessionRequest) (*flight.CloseSessionResult, error) {
	st := sessionFrom(ctx)
	if st != nil {
		if err := s.endSession(ctx, st.Tenant, st.ID, true); err != nil {
			return nil, err
		}
		if st.cookie {
			if err := setCookie(ctx, http.Cookie{Name: sessionCookieName, Value: "", MaxAge: -1}); err != nil {
				return nil, err
			}
		}
	}
	return &flight.CloseSessionResult{Status: flight.CloseSessionResultClosed}, nil
}

// endSession drops a session's temporary tables and schema; forget deletes its record, else
// it stays as an ended tombstone until forgetAt.
func (s *Server) endSession(ctx context.Context, tenant, id string, forget bool) error {
	schema := tempSchemaPrefix + id
	tables, err := s.cat.ListTables(ctx, tenant, schema)
	if err != nil && !errors.Is(err, errs.ErrNotFound) {
		return err
	}
	for _, t := range tables {
		if err := s.cat.DropTable(ctx, t.Ref); err != nil && !errors.Is(err, errs.ErrNotFound) {
			return err
		}
	}
	ss, err := s.sessions()
	if err != nil {
		return err
	}
	if forget {
		return ss.ForgetSession(ctx, tenant, id, schema)
	}
	if err := ss.ForgetSession(ctx, tenant, "", schema); err != nil {
		return err
	}
	_, err = ss.UpdateSession(ctx, tenant, id, func(r *catalog.Session, _ bool) error {
		*r = catalog.Session{Tenant: r.Tenant, ID: r.ID, User: r.User, ExpiresAt: r.ExpiresAt,
			Ended: true, ForgetAt: time.Now().Add(s.cfg.TokenTTL)}
		return nil
	})
	return err
}
