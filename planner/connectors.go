package planner

import (
	"context"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/connectors/native"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// connectors.go: the planner reaches data only through connectors. A catalog table's handle
// comes from the connector its catalog entry names (catalog.Table.Source; native by
// default); files named in SQL get a files-connector handle (bind_files.go). The native
// connector resolves snapshots through the planner's TableFiles, so a transaction's staged
// files are seen by its statements.

// tableHandle returns the connector handle of a catalog table.
func (p *planner) tableHandle(ctx context.Context, t catalog.Table, user string) (connectors.Table, error) {
	if t.IsForeign() {
		return p.foreignHandle(ctx, t, user) // bind_foreign_table.go
	}
	switch name := t.SourceName(); name {
	case native.ConnectorName:
		return native.NewTable(p.tables, t), nil
	default:
		return nil, logical.Errorf(errs.ErrNotSupported, "relation \"%s\" is read by connector %q, which this server does not have", t.Ref.Name, name)
	}
}
