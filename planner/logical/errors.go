package logical

import "fmt"

// Error is a planner error worded as PostgreSQL words it: Error() is the message alone and
// Unwrap returns the errs sentinel, so errors.Is works and users see PostgreSQL's text.
type Error struct {
	Msg  string
	Kind error // one of the proto/errs sentinels
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Kind }

// Errorf returns an *Error wrapping sentinel.
func Errorf(sentinel error, format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...), Kind: sentinel}
}
