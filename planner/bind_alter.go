package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
)

// bind_alter.go: ALTER TABLE and ALTER ... RENAME.

func (b *binder) bindAlterTable(as *pg.AlterTableStmt) (*boundStmt, error) {
	return nil, notSupported("ALTER TABLE is not supported yet")
}

func (b *binder) bindRename(rs *pg.RenameStmt) (*boundStmt, error) {
	return nil, notSupported("ALTER ... RENAME is not supported yet")
}

// AlterTable changes a table's catalog entry: Apply edits it inside one catalog transaction
// (catalog.SchemaChanger.UpdateTable). Old data files are never rewritten.
type AlterTable struct {
	Ref   catalog.TableRef
	Apply func(*catalog.Table) error
}

func (*AlterTable) statement() {}
func (*AlterTable) ddl()       {}
