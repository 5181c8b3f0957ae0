package gateway

import (
	"context"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner"
)

// alterTable applies ALTER TABLE to the catalog entry in one transaction.
func (s *Server) alterTable(ctx context.Context, sc catalog.SchemaChanger, st *planner.AlterTable) error {
	_, err := sc.UpdateTable(ctx, st.Ref, st.Apply)
	return err
}
