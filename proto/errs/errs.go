// Package errs owns Tern's error vocabulary: a few sentinels that every layer wraps with %w,
// a positioned SQL error, and the single mapping between those sentinels and gRPC status codes
// (used by the gateway towards clients and between gateway and executor nodes).
//
// It imports nothing from Tern, so every package may import it.
package errs

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Sentinels. Wrap them: fmt.Errorf("%w: column %q does not exist", errs.ErrNotFound, name).
var (
	ErrInvalidArgument   = errors.New("invalid argument")
	ErrNotFound          = errors.New("not found")
	ErrAlreadyExists     = errors.New("already exists")
	ErrPermissionDenied  = errors.New("permission denied")
	ErrUnauthenticated   = errors.New("unauthenticated")
	ErrNotSupported      = errors.New("not supported")
	ErrSourceUnavailable = errors.New("source unavailable")
	ErrResourceExhausted = errors.New("resource exhausted")
	ErrConflict          = errors.New("conflict")
	ErrInternal          = errors.New("internal error")
	// ErrFailedPrecondition: the statement is valid but not allowed in the current state
	// (e.g. a write under SET tern.dry_run = on; PostgreSQL's read_only_sql_transaction).
	ErrFailedPrecondition = errors.New("failed precondition")
)

// PositionError is an error located in SQL text. Pos is the 1-based character offset into the
// statement (PostgreSQL's convention for error cursors); 0 means unknown.
type PositionError struct {
	Pos int
	Err error // wraps one of the sentinels
}

func (e *PositionError) Error() string {
	if e.Pos > 0 {
		return fmt.Sprintf("%v (at position %d)", e.Err, e.Pos)
	}
	return e.Err.Error()
}

func (e *PositionError) Unwrap() error { return e.Err }

// At wraps err with a position. A nil err stays nil; an error that already has a position keeps it.
func At(pos int, err error) error {
	if err == nil {
		return nil
	}
	var pe *PositionError
	if errors.As(err, &pe) {
		return err
	}
	return &PositionError{Pos: pos, Err: err}
}

// Errorf formats an error wrapping sentinel, e.g. Errorf(ErrNotFound, "table %q does not exist", n).
func Errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
}

// Code maps an error onto its gRPC code. Unknown errors are Internal.
func Code(err error) codes.Code {
	switch {
	case err == nil:
		return codes.OK
	case errors.Is(err, context.Canceled):
		return codes.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return codes.DeadlineExceeded
	case errors.Is(err, ErrInvalidArgument):
		return codes.InvalidArgument
	case errors.Is(err, ErrNotFound):
		return codes.NotFound
	case errors.Is(err, ErrAlreadyExists):
		return codes.AlreadyExists
	case errors.Is(err, ErrPermissionDenied):
		return codes.PermissionDenied
	case errors.Is(err, ErrUnauthenticated):
		return codes.Unauthenticated
	case errors.Is(err, ErrNotSupported):
		return codes.Unimplemented
	case errors.Is(err, ErrSourceUnavailable):
		return codes.Unavailable
	case errors.Is(err, ErrResourceExhausted):
		return codes.ResourceExhausted
	case errors.Is(err, ErrConflict):
		return codes.Aborted
	case errors.Is(err, ErrFailedPrecondition):
		return codes.FailedPrecondition
	}
	if s, ok := status.FromError(err); ok {
		return s.Code()
	}
	return codes.Internal
}

// ToStatus turns err into a gRPC status error. Internal errors get a generic message so that no
// internal detail (paths, stack state) leaks to clients; everything else keeps its text, which
// the layers write for users.
func ToStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok && !isSentinelWrapped(err) {
		return err
	}
	c := Code(err)
	if c == codes.Internal {
		return status.Error(c, "internal error")
	}
	return status.Error(c, Message(err))
}

// FromStatus turns a gRPC status error received from another Tern process back into an error
// wrapping the matching sentinel, so that errors.Is works across the wire.
func FromStatus(err error) error {
	s, ok := status.FromError(err)
	if !ok || err == nil {
		return err
	}
	var sentinel error
	switch s.Code() {
	case codes.InvalidArgument:
		sentinel = ErrInvalidArgument
	case codes.NotFound:
		sentinel = ErrNotFound
	case codes.AlreadyExists:
		sentinel = ErrAlreadyExists
	case codes.PermissionDenied:
		sentinel = ErrPermissionDenied
	case codes.Unauthenticated:
		sentinel = ErrUnauthenticated
	case codes.Unimplemented:
		sentinel = ErrNotSupported
	case codes.Unavailable:
		sentinel = ErrSourceUnavailable
	case codes.ResourceExhausted:
		sentinel = ErrResourceExhausted
	case codes.Aborted:
		sentinel = ErrConflict
	case codes.FailedPrecondition:
		sentinel = ErrFailedPrecondition
	case codes.Canceled:
		sentinel = context.Canceled
	case codes.DeadlineExceeded:
		sentinel = context.DeadlineExceeded
	default:
		sentinel = ErrInternal
	}
	return &remoteError{msg: s.Message(), sentinel: sentinel}
}

type remoteError struct {
	msg      string
	sentinel error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.sentinel }

func isSentinelWrapped(err error) bool {
	for _, s := range []error{ErrInvalidArgument, ErrNotFound, ErrAlreadyExists, ErrPermissionDenied,
		ErrUnauthenticated, ErrNotSupported, ErrSourceUnavailable, ErrResourceExhausted, ErrConflict, ErrInternal, ErrFailedPrecondition} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
