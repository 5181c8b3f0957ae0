package gateway

import (
	"context"
	"time"

	"github.com/tern-db/tern/planner"
)

// timeout.go: statement_timeout. A statement's deadline is fixed when it is issued (planning
// starts): planning, an update's execution and the DoGet stream of a query all run under it
// (the ticket carries it, so whichever gateway serves the ticket enforces it). The deadline
// ends the query context, which is the cancellation path of cancel.go: the operators stop on
// their next batch and close, releasing their memory. The error is DeadlineExceeded, the code
// gRPC clients expect for a deadline, with PostgreSQL's message.

var errStatementTimeout error = statementTimeoutError{}

// statementTimeoutError is DeadlineExceeded with PostgreSQL's message and no prefix.
type statementTimeoutError struct{}

func (statementTimeoutError) Error() string { return "canceling statement due to statement timeout" }
func (statementTimeoutError) Unwrap() error { return context.DeadlineExceeded }

// statementDeadline is when a statement issued now must end; zero: no limit.
func statementDeadline(sess planner.Session) time.Time {
	d := planner.StatementTimeout(sess.Settings)
	if d <= 0 {
		return time.Time{}
	}
	return time.Now().Add(d)
}

// withStatementDeadline bounds ctx by the deadline (zero: none).
func withStatementDeadline(ctx context.Context, deadline time.Time) (context.Context, context.CancelFunc) {
	if deadline.IsZero() {
		return context.WithCancel(ctx)
	}
	return context.WithDeadlineCause(ctx, deadline, errStatementTimeout)
}

// deadlineOf decodes a ticket's deadline (unix nanoseconds, 0: none).
func deadlineOf(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

func deadlineNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}
