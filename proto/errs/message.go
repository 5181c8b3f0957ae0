package errs

import "strings"

// Message is the text of err as a client sees it: the error's own words without the
// sentinels' "already exists: " style prefixes, which the gRPC code already carries. Errors
// are built as "<sentinel>: <what happened>" (Errorf), and the words usually say the class
// again ("already exists: relation "t" already exists"); a client should read what
// PostgreSQL would say. The prefix stays where the words would lose their meaning without
// it: a bare sentinel, and "not supported: X" unless X itself says it is not supported.
func Message(err error) string {
	msg := err.Error()
	for _, s := range []error{ErrInvalidArgument, ErrNotFound, ErrAlreadyExists, ErrPermissionDenied,
		ErrUnauthenticated, ErrNotSupported, ErrSourceUnavailable, ErrResourceExhausted, ErrConflict, ErrInternal} {
		msg = stripPrefix(msg, s.Error()+": ", s == ErrNotSupported)
	}
	return msg
}

// stripPrefix removes prefix where it starts the message or one of its ": "-separated parts
// (wrapping adds "context: " in front), keeping it when the rest is empty or, with
// keepUnlessSaid, does not itself say "support"/"implemented".
func stripPrefix(msg, prefix string, keepUnlessSaid bool) string {
	var b strings.Builder
	rest := msg
	for {
		i := strings.Index(rest, prefix)
		if i < 0 {
			b.WriteString(rest)
			return b.String()
		}
		after := rest[i+len(prefix):]
		atPart := i == 0 && b.Len() == 0 || i >= 2 && rest[i-2:i] == ": " || i == 0 && strings.HasSuffix(b.String(), ": ")
		keep := !atPart || after == ""
		if keepUnlessSaid && !keep {
			lower := strings.ToLower(after)
			keep = !strings.Contains(lower, "support") && !strings.Contains(lower, "implemented")
		}
		b.WriteString(rest[:i])
		if keep {
			b.WriteString(prefix)
		}
		rest = after
	}
}
