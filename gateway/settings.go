package gateway

import (
	"context"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner"
)

// settings.go: SET, RESET and RESET ALL store the session's parameters with the session
// (server-side, session.go), so they hold for every later statement of the session whatever
// the client does with cookies. The planner has checked the name and the value against the
// one registry of parameters (planner/settings.go) and reads them back from
// planner.Session.Settings; the gateway acts on search_path (the current schema),
// statement_timeout (timeout.go) and tern.dry_run (dryrun.go).
func (s *Server) setting(ctx context.Context, st *planner.Set) error {
	_, err := s.updateSession(ctx, func(r *catalog.Session) error {
		switch {
		case st.Reset && st.Name == "all":
			r.Settings = nil
		case st.Reset:
			delete(r.Settings, st.Name)
		default:
			if r.Settings == nil {
				r.Settings = map[string]string{}
			}
			r.Settings[st.Name] = st.Value
		}
		return nil
	})
	return err
}
