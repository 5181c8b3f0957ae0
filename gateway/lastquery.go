package gateway

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/coordinator"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/errs"
)

// lastquery.go: every statement's outcome (coordinator.NewQueryRecord / EndQueryRecord) is
// stored with the caller's session when it ends, so that tern.last_query() (planner) can
// answer it to clients that cannot read a stream's app metadata. Recording is best effort: a
// failure is logged, never turned into the statement's error.

type queryRun struct {
	s       *Server
	ctx     context.Context
	rec     catalog.QueryRecord
	noStore bool
}

// startRun begins the record of a statement (coordinator.NewQueryRecord); id is its query id
// ("" for a new one).
func (s *Server) startRun(ctx context.Context, id, text string) *queryRun {
	return &queryRun{s: s, ctx: context.WithoutCancel(ctx), rec: coordinator.NewQueryRecord(id, text)}
}

// finish stores the outcome with the caller's session (callers without a stored session or a
// token session, e.g. Basic credentials on each call, have nowhere to keep it).
func (r *queryRun) finish(rows, bytes int64, err error) {
	if r == nil || r.noStore {
		return
	}
	st := sessionFrom(r.ctx)
	if st == nil {
		return
	}
	coordinator.EndQueryRecord(&r.rec, rows, bytes, err)
	ss, serr := r.s.sessions()
	if serr != nil {
		return
	}
	rec := r.rec
	_, serr = ss.UpdateSession(r.ctx, st.Tenant, st.ID, func(se *catalog.Session, exists bool) error {
		if exists && (se.Ended || se.User != st.User) {
			return errs.Errorf(errs.ErrUnauthenticated, "session ended")
		}
		se.User = st.User
		if !exists || se.ExpiresAt.IsZero() {
			se.ExpiresAt = time.Now().Add(r.s.sessionTTL())
		}
		se.LastQuery = &rec
		return nil
	})
	if serr != nil && r.s.log != nil {
		r.s.log.Warn("recording the last query", "err", serr)
	}
}

// watchedOp keeps the first error of a streamed query's operators, which the stream sends to
// the client, so that the run's record can say what went wrong.
type watchedOp struct {
	exec.Operator
	err error
}

func (w *watchedOp) Open(ctx context.Context) error {
	err := w.Operator.Open(ctx)
	if err != nil && w.err == nil {
		w.err = err
	}
	return err
}

func (w *watchedOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	b, err := w.Operator.Next(ctx)
	if err != nil && !errors.Is(err, io.EOF) && w.err == nil {
		w.err = err
	}
	return b, err
}
