package gateway

import (
	"context"
	"time"

	"github.com/tern-db/tern/catalog"
)

// session_sweep.go: the background task that ends expired sessions. An expired session's
// temporary tables are dropped (their files go to the catalog's garbage record, which the
// storage maintenance deletes after its grace period, as for any dropped table), its schema
// removed and its record kept as an ended tombstone until the tokens that name it have
// expired; then the record goes. Temporary schemas that no stored session owns (left by a
// crash between creating a schema and storing its session, or by older versions) are swept
// too.

func (s *Server) startSessionSweep(ctx context.Context) func() {
	every := s.sessionTTL() / 4
	if every > time.Minute {
		every = time.Minute
	}
	if every < 50*time.Millisecond {
		every = 50 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.guarded(ctx, "session sweep", func() {
					if err := s.sweepSessions(ctx, time.Now()); err != nil && ctx.Err() == nil {
						s.log.Warn("session sweep", "err", err)
					}
				})
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// sweepSessions ends the sessions expired at now and forgets old tombstones.
func (s *Server) sweepSessions(ctx context.Context, now time.Time) error {
	ss, err := s.sessions()
	if err != nil {
		return nil
	}
	all, err := ss.Sessions(ctx)
	if err != nil {
		return err
	}
	live := map[string]bool{}
	tenants := map[string]bool{catalog.DefaultTenant: true}
	for _, se := range all {
		tenants[se.Tenant] = true
		switch {
		case se.Ended && now.After(se.ForgetAt):
			if err := ss.ForgetSession(ctx, se.Tenant, se.ID, ""); err != nil {
				return err
			}
		case !se.Ended && now.After(se.ExpiresAt):
			s.log.Info("session expired", "tenant", se.Tenant, "user", se.User, "session", se.ID)
			if err := s.endSession(ctx, se.Tenant, se.ID, false); err != nil {
				return err
			}
		case !se.Ended:
			live[se.Tenant+"\x00"+tempSchemaPrefix+se.ID] = true
		}
	}
	for tenant := range tenants {
		schemas, err := s.cat.ListSchemas(ctx, tenant)
		if err != nil {
			return err
		}
		for _, sc := range schemas {
			if !isTempSchema(sc) || live[tenant+"\x00"+sc] {
				continue
			}
			// Re-read: the session may have been stored since the listing.
			if se, err := ss.GetSession(ctx, tenant, sc[len(tempSchemaPrefix):]); err == nil && !se.Ended && now.Before(se.ExpiresAt) {
				continue
			}
			if err := s.endSession(ctx, tenant, sc[len(tempSchemaPrefix):], false); err != nil {
				return err
			}
		}
	}
	return nil
}
