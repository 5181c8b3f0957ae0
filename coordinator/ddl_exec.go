package coordinator

import (
	"context"
	"errors"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto/errs"
)

// ddl_exec.go runs the schema-changing statements of planner/bind_schema.go and
// planner/bind_alter.go. They are not transactional (as CREATE/DROP TABLE): inside a
// transaction they are refused rather than applied outside it.

func (c *Coordinator) execDDL(ctx context.Context, sess planner.Session, st planner.DDL, tx *Txn) (int64, error) {
	if tx != nil {
		return 0, errs.Errorf(errs.ErrNotSupported, "%s inside a transaction is not supported (DDL is not transactional in Tern)", ddlName(st))
	}
	sc, err := catalog.IsSchemaChanger(c.cat)
	if err != nil {
		return 0, err
	}
	switch st := st.(type) {
	case *planner.CreateSchema:
		err := c.cat.CreateSchema(ctx, st.Tenant, st.Name)
		if st.IfNotExists && errors.Is(err, errs.ErrAlreadyExists) {
			return 0, nil
		}
		return 0, err
	case *planner.DropSchema:
		for _, name := range st.Names {
			dropped, err := sc.DropSchema(ctx, st.Tenant, name, st.Cascade)
			if err != nil {
				return 0, err
			}
			if len(dropped) > 0 {
				c.log.Info("DROP SCHEMA CASCADE", "schema", name, "relations", len(dropped))
			}
		}
		return 0, nil
	case *planner.Truncate:
		return 0, c.truncate(ctx, st.Tables)
	case *planner.Comment:
		_, err := sc.UpdateTable(ctx, st.Ref, func(t *catalog.Table) error {
			if st.Column == "" {
				t.Comment = st.Text
				return nil
			}
			for i := range t.Columns {
				if t.Columns[i].Name == st.Column {
					t.Columns[i].Comment = st.Text
					return nil
				}
			}
			return errs.Errorf(errs.ErrNotFound, "column \"%s\" of relation \"%s\" does not exist", st.Column, t.Ref.Name)
		})
		return 0, err
	case *planner.CreateIndex:
		_, err := sc.UpdateTable(ctx, st.Ref, func(t *catalog.Table) error {
			for _, ix := range t.Indexes {
				if ix.Name == st.Index.Name {
					if st.IfNotExists {
						return nil
					}
					return errs.Errorf(errs.ErrAlreadyExists, "relation \"%s\" already exists", ix.Name)
				}
			}
			t.Indexes = append(t.Indexes, st.Index)
			return nil
		})
		if err == nil {
			// Flight SQL has no notice channel: say it in the log.
			c.log.Info("CREATE INDEX recorded but not built: Tern prunes scans by file and row-group statistics (use cluster_by to order data)",
				"table", st.Ref.String(), "index", st.Index.Name)
		}
		return 0, err
	case *planner.DropIndex:
		for i, ref := range st.Refs {
			name := st.Names[i]
			if _, err := sc.UpdateTable(ctx, ref, func(t *catalog.Table) error {
				kept := t.Indexes[:0]
				for _, ix := range t.Indexes {
					if ix.Name != name {
						kept = append(kept, ix)
					}
				}
				t.Indexes = kept
				return nil
			}); err != nil {
				return 0, err
			}
		}
		return 0, nil
	case *planner.AlterTable:
		return 0, c.alterTable(ctx, sess, sc, st) // alter_exec.go
	}
	return 0, errs.Errorf(errs.ErrNotSupported, "statement %T", st)
}

func ddlName(st planner.DDL) string {
	switch st.(type) {
	case *planner.CreateSchema:
		return "CREATE SCHEMA"
	case *planner.DropSchema:
		return "DROP SCHEMA"
	case *planner.Truncate:
		return "TRUNCATE"
	case *planner.Comment:
		return "COMMENT"
	case *planner.CreateIndex:
		return "CREATE INDEX"
	case *planner.DropIndex:
		return "DROP INDEX"
	}
	return "ALTER TABLE"
}

// truncate commits an empty snapshot of every table in one catalog transaction. TRUNCATE wins
// over concurrent writes (PostgreSQL takes an exclusive lock): a commit that lost a race is
// retried on the newer snapshots.
func (c *Coordinator) truncate(ctx context.Context, refs []catalog.TableRef) error {
	for attempt := 0; ; attempt++ {
		commits := make([]catalog.Commit, 0, len(refs))
		for _, ref := range refs {
			t, err := c.cat.GetTable(ctx, ref)
			if err != nil {
				return err
			}
			cm := catalog.Commit{Ref: ref, Base: t.CurrentSnapshot, Operation: "truncate"}
			if t.CurrentSnapshot != catalog.NoSnapshot {
				snap, err := c.cat.Snapshot(ctx, t.ID, t.CurrentSnapshot)
				if err != nil {
					return err
				}
				for _, f := range snap.Files {
					cm.Remove = append(cm.Remove, f.Path)
				}
			}
			commits = append(commits, cm)
		}
		_, err := c.cat.CommitSnapshot(ctx, commits...)
		if err == nil || !errors.Is(err, errs.ErrConflict) || attempt >= 20 {
			return err
		}
	}
}

// replaceView is CREATE OR REPLACE VIEW: the planner checked the column rules against the
// view it saw; the update re-checks that the relation is still a view.
func (c *Coordinator) replaceView(ctx context.Context, st *planner.CreateTable) (int64, error) {
	sc, err := catalog.IsSchemaChanger(c.cat)
	if err != nil {
		return 0, err
	}
	_, err = sc.UpdateTable(ctx, st.Table.Ref, func(t *catalog.Table) error {
		if _, ok := t.Options["view"]; !ok {
			return errs.Errorf(errs.ErrInvalidArgument, "\"%s\" is not a view", t.Ref.Name)
		}
		if len(st.Table.Columns) < len(t.Columns) {
			return errs.Errorf(errs.ErrInvalidArgument, "cannot drop columns from view")
		}
		cols := append([]catalog.Column(nil), st.Table.Columns...)
		for i := range t.Columns {
			cols[i].Comment = t.Columns[i].Comment // comments stay with their columns
		}
		t.Columns = cols
		t.Options = st.Table.Options
		return nil
	})
	if errors.Is(err, errs.ErrNotFound) {
		_, err = c.cat.CreateTable(ctx, st.Table, nil)
	}
	return 0, err
}
