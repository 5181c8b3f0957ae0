package gateway

import (
	"context"
	"errors"
	"io"
	"regexp"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/errs"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// lastquery.go: every statement's outcome (job id, text, rows, bytes scanned, times, status)
// is stored with the caller's session when it ends, so that tern.last_query() (planner) can
// answer it to clients that cannot read a stream's app metadata. Recording is best effort: a
// failure is logged, never turned into the statement's error.

const maxRecordedText = 4096

type queryRun struct {
	s       *Server
	ctx     context.Context
	rec     catalog.QueryRecord
	noStore bool
}

// startRun begins the record of a statement; id is its query id ("" for a new one).
func (s *Server) startRun(ctx context.Context, id, text string) *queryRun {
	if id == "" {
		id = newQueryID()
	}
	text = redactPasswords(text)
	if len(text) > maxRecordedText {
		text = text[:maxRecordedText]
	}
	return &queryRun{s: s, ctx: context.WithoutCancel(ctx), rec: catalog.QueryRecord{QueryID: id, Text: text, Started: time.Now().UTC()}}
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
	r.rec.Ended = time.Now().UTC()
	r.rec.Rows, r.rec.BytesScanned = rows, bytes
	r.rec.Status = "ok"
	if err != nil {
		r.rec.Status = "error"
		if c := errs.Code(err); c == codes.Canceled || c == codes.DeadlineExceeded {
			r.rec.Status = "cancelled"
		}
		r.rec.Error = status.Convert(errs.ToStatus(err)).Message()
	}
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

var (
	roleStatement = regexp.MustCompile(`(?is)^\s*(create|alter)\s+(user|role)\b`)
	stringLiteral = regexp.MustCompile(`(?s)[eE]?'(?:[^'\\]|''|\\.)*'|\$[A-Za-z_0-9]*\$.*?\$[A-Za-z_0-9]*\$`)
)

// redactPasswords masks every string literal of CREATE/ALTER USER|ROLE, whose PASSWORD must
// never be kept in the query history (tern.last_query()) or shown back.
func redactPasswords(text string) string {
	if !roleStatement.MatchString(text) {
		return text
	}
	return stringLiteral.ReplaceAllString(text, "'********'")
}
