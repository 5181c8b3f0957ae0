package gateway

import (
	"context"
	"errors"
	"time"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// prepared.go: the lifecycle of prepared-statement handles. A handle stays signed and
// self-contained (SQL or plan, bound parameters), and also names its entry in the registry of
// open prepared statements of the session that prepared it (catalog.Session.Prepared). It is
// honoured while that entry exists: ClosePreparedStatement removes it, and the session's end
// (CloseSession, expiry) removes them all. Any connection of the same user may execute an
// open handle (a restarted gateway serves it: the registry is in the catalog). A closed or
// expired handle is NotFound: it names nothing that exists any more.

// newPrepared registers a new prepared statement with the caller's session and returns its
// handle.
func (s *Server) newPrepared(ctx context.Context, pp preparedPayload) ([]byte, error) {
	pp.ID = newQueryID()
	st, err := s.updateSession(ctx, func(r *catalog.Session) error {
		if len(r.Prepared) >= maxOpenPrepared {
			return errs.Errorf(errs.ErrResourceExhausted, "too many open prepared statements in this session (%d): close some", maxOpenPrepared)
		}
		if r.Prepared == nil {
			r.Prepared = map[string]time.Time{}
		}
		r.Prepared[pp.ID] = time.Now().UTC()
		return nil
	})
	if err != nil {
		return nil, err
	}
	pp.Session = st.ID
	return proto.SignJSON(s.key, proto.KindPrepared, time.Time{}, pp)
}

// checkPrepared refuses a handle whose statement was closed or whose session ended.
func (s *Server) checkPrepared(ctx context.Context, pp preparedPayload) error {
	if pp.ID == "" || pp.Session == "" {
		return errs.Errorf(errs.ErrNotFound, "prepared statement handle has no session (made by an older version): prepare it again")
	}
	id, err := identityFrom(ctx)
	if err != nil {
		return err
	}
	if pp.User != id.User {
		return errs.Errorf(errs.ErrInvalidArgument, "prepared signature does not match")
	}
	var rec catalog.Session
	if st := sessionFrom(ctx); st != nil && st.ID == pp.Session && st.stored {
		rec = st.rec
	} else {
		ss, err := s.sessions()
		if err != nil {
			return err
		}
		rec, err = ss.GetSession(ctx, pp.Tenant, pp.Session)
		if errors.Is(err, errs.ErrNotFound) {
			return errs.Errorf(errs.ErrNotFound, "prepared statement %s expired with its session", pp.ID)
		}
		if err != nil {
			return err
		}
	}
	if rec.Ended || (!rec.ExpiresAt.IsZero() && time.Now().After(rec.ExpiresAt)) {
		return errs.Errorf(errs.ErrNotFound, "prepared statement %s expired with its session", pp.ID)
	}
	if _, ok := rec.Prepared[pp.ID]; !ok {
		return errs.Errorf(errs.ErrNotFound, "prepared statement %s was closed", pp.ID)
	}
	return nil
}

// closePrepared removes a statement from its session's registry. Closing twice is not an
// error (clients close on cleanup paths), using it afterwards is.
func (s *Server) closePrepared(ctx context.Context, h []byte) error {
	sess, err := session(ctx)
	if err != nil {
		return err
	}
	var pp preparedPayload
	if err := proto.VerifyJSON(s.key, proto.KindPrepared, h, time.Now(), &pp); err != nil {
		return err
	}
	if pp.Tenant != sess.Tenant || pp.User != sess.User {
		return errs.Errorf(errs.ErrInvalidArgument, "prepared signature does not match")
	}
	if pp.ID == "" || pp.Session == "" {
		return nil
	}
	ss, err := s.sessions()
	if err != nil {
		return err
	}
	if _, err := ss.GetSession(ctx, pp.Tenant, pp.Session); errors.Is(err, errs.ErrNotFound) {
		return nil
	}
	_, err = ss.UpdateSession(ctx, pp.Tenant, pp.Session, func(r *catalog.Session, _ bool) error {
		delete(r.Prepared, pp.ID)
		return nil
	})
	return err
}
