package catalog

import (
	"context"
	"encoding/json"
	"time"

	"github.com/tern-db/tern/proto/errs"
)

// sessions.go: the server-side state of client sessions, so that a session survives clients
// that keep no cookies, a restarted gateway and a second gateway on the same catalog. The
// gateway owns the meaning of the fields; the catalog only stores them, keyed by tenant and
// session id, and lists them for the sweeper.

// Session is one client session's state.
type Session struct {
	Tenant string
	ID     string
	User   string
	// Settings holds the parameters set in the session (name -> value as stored by the
	// settings registry); parameters not here have their defaults.
	Settings map[string]string `json:",omitempty"`
	// Prepared lists the session's open prepared statements (handle id -> when prepared);
	// a handle whose id is not here was closed or belongs to an ended session.
	Prepared map[string]time.Time `json:",omitempty"`
	// LastQuery is the session's most recent finished statement (tern.last_query()).
	LastQuery *QueryRecord `json:",omitempty"`
	// ExpiresAt: after it the session is over; the sweeper drops its temporary tables and
	// marks it Ended.
	ExpiresAt time.Time
	// Ended sessions are kept as tombstones until ForgetAt so that a client still holding
	// their token is told the session ended instead of silently getting a fresh one.
	Ended    bool      `json:",omitempty"`
	ForgetAt time.Time `json:",omitempty"`
}

// QueryRecord describes one finished statement.
type QueryRecord struct {
	QueryID      string
	Text         string `json:",omitempty"`
	Status       string // "ok", "error", "cancelled"
	Error        string `json:",omitempty"`
	Rows         int64
	BytesScanned int64
	Started      time.Time
	Ended        time.Time
}

// SessionStore is implemented by the catalogs of this package.
type SessionStore interface {
	// GetSession returns a session; errs.ErrNotFound when there is none.
	GetSession(ctx context.Context, tenant, id string) (Session, error)
	// UpdateSession applies fn to the session (a zero Session with Tenant and ID set when
	// none exists yet, exists false) and stores the result, in one transaction.
	UpdateSession(ctx context.Context, tenant, id string, fn func(s *Session, exists bool) error) (Session, error)
	// Sessions lists every tenant's sessions (the sweeper).
	Sessions(ctx context.Context) ([]Session, error)
	// ForgetSession deletes a session's record and, when empty, its schema of temporary
	// tables (tempSchema; "" for none).
	ForgetSession(ctx context.Context, tenant, id, tempSchema string) error
}

var _ SessionStore = (*store)(nil)

func sessionKey(tenant, id string) []byte { return key(tenant, id) }

func (s *store) GetSession(ctx context.Context, tenant, id string) (Session, error) {
	if err := ctx.Err(); err != nil {
		return Session{}, err
	}
	var out Session
	err := s.kv.view(func(tx kvTx) error {
		v := tx.get(bucketSessions, sessionKey(tenant, id))
		if v == nil {
			return errs.Errorf(errs.ErrNotFound, "session does not exist")
		}
		if err := json.Unmarshal(v, &out); err != nil {
			return corrupt(err)
		}
		return nil
	})
	return out, err
}

func (s *store) UpdateSession(ctx context.Context, tenant, id string, fn func(*Session, bool) error) (Session, error) {
	if err := ctx.Err(); err != nil {
		return Session{}, err
	}
	if err := validName("tenant", tenant); err != nil {
		return Session{}, err
	}
	if err := validName("session", id); err != nil {
		return Session{}, err
	}
	var out Session
	err := s.kv.update(func(tx kvTx) error {
		out = Session{Tenant: tenant, ID: id}
		v := tx.get(bucketSessions, sessionKey(tenant, id))
		if v != nil {
			if err := json.Unmarshal(v, &out); err != nil {
				return corrupt(err)
			}
		}
		if err := fn(&out, v != nil); err != nil {
			return err
		}
		out.Tenant, out.ID = tenant, id
		return putJSON(tx, bucketSessions, sessionKey(tenant, id), out)
	})
	return out, err
}

func (s *store) Sessions(ctx context.Context) ([]Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []Session
	err := s.kv.view(func(tx kvTx) error {
		return tx.scan(bucketSessions, nil, func(_, v []byte) error {
			var se Session
			if err := json.Unmarshal(v, &se); err != nil {
				return corrupt(err)
			}
			out = append(out, se)
			return nil
		})
	})
	return out, err
}

func (s *store) ForgetSession(ctx context.Context, tenant, id, tempSchema string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.kv.update(func(tx kvTx) error {
		if tempSchema != "" && tempSchema != DefaultSchema {
			empty := true
			if err := tx.scan(bucketTables, key(tenant, tempSchema, ""), func(_, _ []byte) error {
				empty = false
				return nil
			}); err != nil {
				return err
			}
			if empty {
				if err := tx.del(bucketSchemas, key(tenant, tempSchema)); err != nil {
					return err
				}
			}
		}
		if id == "" {
			return nil
		}
		return tx.del(bucketSessions, sessionKey(tenant, id))
	})
}
