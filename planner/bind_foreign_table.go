package planner

import (
	"context"
	"errors"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/connectors/flightsql"
	"github.com/tern-db/tern/connectors/mysql"
	"github.com/tern-db/tern/connectors/postgres"
	"github.com/tern-db/tern/connectors/remotesql"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// bind_foreign_table.go: a foreign table's connector handle. The server and the caller's
// user mapping (else PUBLIC's) are read from the catalog at planning time, so a changed
// password or host takes effect with the next statement; the handle renders the remote
// query, which travels in the splits.

// foreignHandle returns the handle of a foreign table read as user.
func (p *planner) foreignHandle(ctx context.Context, t catalog.Table, user string) (connectors.Table, error) {
	fs, ok := p.cat.(catalog.ForeignStore)
	if !ok {
		return nil, notSupported("this catalog keeps no foreign servers")
	}
	name := t.Options[catalog.ForeignServerOption]
	srv, err := fs.GetServer(ctx, t.Ref.Tenant, name)
	if err != nil {
		return nil, err
	}
	m, err := fs.UserMapping(ctx, t.Ref.Tenant, name, user)
	if errors.Is(err, errs.ErrNotFound) {
		return nil, logical.Errorf(errs.ErrFailedPrecondition, "user mapping not found for user \"%s\", server \"%s\"", user, name)
	}
	if err != nil {
		return nil, err
	}
	src := remotesql.NewSource(srv.Wrapper, t, srv, m)
	switch srv.Wrapper {
	case postgres.ConnectorName:
		return postgres.NewTable(src), nil
	case mysql.ConnectorName:
		return mysql.NewTable(src), nil
	case flightsql.ConnectorName:
		return flightsql.NewTable(src), nil
	}
	return nil, notSupported("foreign-data wrapper \"%s\" is not supported yet", srv.Wrapper)
}

// refuseForeignWrite refuses a statement that would write a foreign table (federation reads
// sources; it does not write them yet).
func (b *binder) refuseForeignWrite(t catalog.Table, what string, loc int32) error {
	if !t.IsForeign() {
		return nil
	}
	return b.errAt(loc, notSupported("cannot %s foreign table \"%s\": foreign tables are read-only in Tern", what, t.Ref.Name))
}
