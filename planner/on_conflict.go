package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

// on_conflict.go: INSERT ... ON CONFLICT.
func (b *binder) bindOnConflict(is *pg.InsertStmt, t catalog.Table, root logical.Node) (*boundStmt, error) {
	return nil, notSupported("ON CONFLICT is not supported yet")
}
