package catalog

import (
	"context"

	"github.com/tern-db/tern/proto/errs"
)

// visibility.go: the one place where names resolve to tables hides schemas the caller must not
// see (other sessions' temporary schemas). The gateway puts a filter in the context of every
// client call; every lookup by name (GetTable, CreateTable, DropTable, CommitSnapshot) and
// every listing (ListTables, ListSchemas) honours it, so SQL, Substrait named tables, metadata
// RPCs and system views cannot reach a hidden table whichever path they take. Background
// work (maintenance, the session sweeper) carries no filter and sees everything.

type hiddenKey struct{}

// WithHiddenSchemas returns a context under which schemas for which hidden reports true do not
// exist for this catalog.
func WithHiddenSchemas(ctx context.Context, hidden func(schema string) bool) context.Context {
	return context.WithValue(ctx, hiddenKey{}, hidden)
}

func schemaHidden(ctx context.Context, schema string) bool {
	h, _ := ctx.Value(hiddenKey{}).(func(string) bool)
	return h != nil && h(schema)
}

// checkVisible answers as for a missing relation when ref's schema is hidden from the caller.
func checkVisible(ctx context.Context, ref TableRef) error {
	if schemaHidden(ctx, ref.Schema) {
		return errs.Errorf(errs.ErrNotFound, "relation %q does not exist", ref.String())
	}
	return nil
}

// visibleRef is the preamble of every lookup by name: the call is still wanted, the name is
// valid (normalised), and its schema is not hidden from the caller.
func visibleRef(ctx context.Context, ref TableRef) (TableRef, error) {
	if err := ctx.Err(); err != nil {
		return TableRef{}, err
	}
	ref, err := normRef(ref)
	if err != nil {
		return TableRef{}, err
	}
	return ref, checkVisible(ctx, ref)
}
