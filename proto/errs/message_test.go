package errs

import (
	"fmt"
	"testing"

	"google.golang.org/grpc/status"
)

func TestMessageHasNoDoubledPrefixes(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{Errorf(ErrAlreadyExists, "relation %q already exists", "t"), `relation "t" already exists`},
		{fmt.Errorf("creating table: %w", Errorf(ErrNotFound, "schema %q does not exist", "s")), `creating table: schema "s" does not exist`},
		{Errorf(ErrInvalidArgument, "division by zero"), "division by zero"},
		{At(7, Errorf(ErrInvalidArgument, "syntax error at or near %q", "x")), `syntax error at or near "x" (at position 7)`},
		{Errorf(ErrNotSupported, "CREATE INDEX"), "not supported: CREATE INDEX"},
		{Errorf(ErrNotSupported, "type %s is not supported", "xml"), "type xml is not supported"},
		{ErrNotFound, "not found"},
		{Errorf(ErrPermissionDenied, "user said %q", "invalid argument: keep"), `user said "invalid argument: keep"`},
	} {
		if got := Message(c.err); got != c.want {
			t.Errorf("Message(%q) = %q, want %q", c.err, got, c.want)
		}
		if c.err != ErrNotFound {
			if got := status.Convert(ToStatus(c.err)).Message(); got != c.want {
				t.Errorf("ToStatus(%q) message = %q", c.err, got)
			}
		}
	}
}
