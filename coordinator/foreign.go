package coordinator

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/flightsql"
	"github.com/tern-db/tern/connectors/mysql"
	"github.com/tern-db/tern/connectors/postgres"
	"github.com/tern-db/tern/connectors/remotesql"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto/errs"
)

// foreign.go: runs federation's statements (planner/bind_foreign.go) against the catalog's
// ForeignStore. IMPORT FOREIGN SCHEMA reads the remote catalog through the wrapper's
// connector and (re)creates one foreign table per remote table: importing again refreshes
// the cached remote schema. DROP SERVER ... CASCADE drops the server's foreign tables first.

func (c *Coordinator) foreignStore() (catalog.ForeignStore, error) {
	fs, ok := c.cat.(catalog.ForeignStore)
	if !ok {
		return nil, errs.Errorf(errs.ErrNotSupported, "this catalog keeps no foreign servers")
	}
	return fs, nil
}

// applyOptions applies ALTER ... OPTIONS changes with PostgreSQL's rules: ADD of a present
// option and SET or DROP of an absent one are errors.
func applyOptions(opts map[string]string, changes []planner.OptionChange) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range opts {
		out[k] = v
	}
	for _, ch := range changes {
		_, present := out[ch.Name]
		switch ch.Action {
		case "add":
			if present {
				return nil, errs.Errorf(errs.ErrAlreadyExists, "option \"%s\" provided more than once", ch.Name)
			}
			out[ch.Name] = ch.Value
		case "set":
			if !present {
				return nil, errs.Errorf(errs.ErrNotFound, "option \"%s\" not found", ch.Name)
			}
			out[ch.Name] = ch.Value
		case "drop":
			if !present {
				return nil, errs.Errorf(errs.ErrNotFound, "option \"%s\" not found", ch.Name)
			}
			delete(out, ch.Name)
		}
	}
	return out, nil
}

func (c *Coordinator) execForeign(ctx context.Context, sess planner.Session, st planner.ForeignDDL, tx *Txn) (int64, error) {
	if tx != nil {
		return 0, errs.Errorf(errs.ErrNotSupported, "federation statements cannot run inside a transaction")
	}
	fs, err := c.foreignStore()
	if err != nil {
		return 0, err
	}
	if err := foreignAllowed(sess, st); err != nil {
		return 0, err
	}
	switch st := st.(type) {
	case *planner.CreateServer:
		err := fs.CreateServer(ctx, st.Server)
		if st.IfNotExists && errors.Is(err, errs.ErrAlreadyExists) {
			return 0, nil
		}
		return 0, err
	case *planner.AlterServer:
		return 0, fs.UpdateServer(ctx, sess.Tenant, st.Name, func(s *catalog.ForeignServer) error {
			opts, err := applyOptions(s.Options, st.Changes)
			s.Options = opts
			return err
		})
	case *planner.DropServer:
		for _, name := range st.Names {
			tables, err := catalog.ForeignTablesOf(ctx, c.cat, sess.Tenant, name)
			if err != nil {
				return 0, err
			}
			if len(tables) > 0 && !st.Cascade {
				return 0, errs.Errorf(errs.ErrFailedPrecondition,
					"cannot drop server %s because other objects depend on it (foreign table %s depends on server %s; use DROP ... CASCADE to drop the dependent objects too)",
					name, tables[0].Ref.Name, name)
			}
			for _, t := range tables {
				if err := c.cat.DropTable(ctx, t.Ref); err != nil && !errors.Is(err, errs.ErrNotFound) {
					return 0, err
				}
			}
			if err := fs.DropServer(ctx, sess.Tenant, name); err != nil && !(st.IfExists && errors.Is(err, errs.ErrNotFound)) {
				return 0, err
			}
		}
		return 0, nil
	case *planner.CreateUserMapping:
		err := fs.CreateUserMapping(ctx, st.Mapping)
		if st.IfNotExists && errors.Is(err, errs.ErrAlreadyExists) {
			return 0, nil
		}
		return 0, err
	case *planner.AlterUserMapping:
		return 0, fs.UpdateUserMapping(ctx, sess.Tenant, st.Server, st.User, func(m *catalog.UserMapping) error {
			opts, err := applyOptions(m.Options, st.Changes)
			m.Options = opts
			return err
		})
	case *planner.DropUserMapping:
		err := fs.DropUserMapping(ctx, sess.Tenant, st.Server, st.User)
		if st.IfExists && errors.Is(err, errs.ErrNotFound) {
			return 0, nil
		}
		return 0, err
	case *planner.CreateForeignTable:
		_, err := c.cat.CreateTable(ctx, st.Table, nil)
		if st.IfNotExists && errors.Is(err, errs.ErrAlreadyExists) {
			return 0, nil
		}
		return 0, err
	case *planner.ImportForeignSchema:
		return c.importForeignSchema(ctx, sess, fs, st)
	}
	return 0, errs.Errorf(errs.ErrNotSupported, "statement %T", st)
}

// importForeignSchema creates a foreign table for each remote table (LIMIT TO / EXCEPT
// applied); a foreign table of the same server already there is replaced with the remote
// table's current columns, any other relation of that name is an error.
func (c *Coordinator) importForeignSchema(ctx context.Context, sess planner.Session, fs catalog.ForeignStore, st *planner.ImportForeignSchema) (int64, error) {
	srv, err := fs.GetServer(ctx, sess.Tenant, st.Server)
	if err != nil {
		return 0, err
	}
	m, err := fs.UserMapping(ctx, sess.Tenant, st.Server, sess.User)
	if errors.Is(err, errs.ErrNotFound) {
		return 0, errs.Errorf(errs.ErrFailedPrecondition, "user mapping not found for user \"%s\", server \"%s\"", sess.User, st.Server)
	}
	if err != nil {
		return 0, err
	}
	conn := map[string]string{}
	for k, v := range srv.Options {
		conn[k] = v
	}
	for k, v := range m.Options {
		conn[k] = v
	}
	var remote []remotesql.RemoteTable
	switch srv.Wrapper {
	case postgres.ConnectorName:
		remote, err = postgres.Import(ctx, srv.Name, conn, st.Remote)
	case mysql.ConnectorName:
		remote, err = mysql.Import(ctx, srv.Name, conn, st.Remote)
	case flightsql.ConnectorName:
		remote, err = flightsql.Import(ctx, srv.Name, conn, st.Remote)
	default:
		return 0, errs.Errorf(errs.ErrNotSupported, "IMPORT FOREIGN SCHEMA from a %s server is not supported yet", srv.Wrapper)
	}
	if err != nil {
		return 0, err
	}
	if len(remote) == 0 {
		return 0, errs.Errorf(errs.ErrNotFound, "schema \"%s\" is not present on foreign server \"%s\"", st.Remote, srv.Name)
	}
	var n int64
	for _, rt := range remote {
		if (st.Only != nil && !slices.Contains(st.Only, rt.Name)) || slices.Contains(st.Except, rt.Name) {
			continue
		}
		ref := catalog.TableRef{Tenant: sess.Tenant, Schema: st.Local, Name: rt.Name}
		if old, err := c.cat.GetTable(ctx, ref); err == nil {
			if !old.IsForeign() || old.Options[catalog.ForeignServerOption] != srv.Name {
				return n, errs.Errorf(errs.ErrAlreadyExists, "relation \"%s\" already exists", rt.Name)
			}
			if err := c.cat.DropTable(ctx, ref); err != nil {
				return n, err
			}
		} else if !errors.Is(err, errs.ErrNotFound) {
			return n, err
		}
		opts := map[string]string{catalog.ForeignServerOption: srv.Name, catalog.ForeignSchemaOption: st.Remote, catalog.ForeignTableOption: rt.Name}
		for col, typ := range rt.Unsupported {
			opts[remotesql.UnsupportedOption+col] = typ
		}
		t := catalog.Table{Ref: ref, Columns: rt.Columns, Options: opts, Source: srv.Wrapper}
		if _, err := c.cat.CreateTable(ctx, t, nil); err != nil {
			return n, err
		}
		n++
	}
	if n == 0 && st.Only != nil {
		return 0, errs.Errorf(errs.ErrNotFound, "no table of %s on server \"%s\" is named %s", st.Remote, srv.Name, strings.Join(st.Only, ", "))
	}
	return 0, nil
}

// foreignAllowed: servers make the gateway connect where their options say, so only the
// admin creates, alters and drops them (PostgreSQL: USAGE on the wrapper, superusers by
// default); a user manages their own user mappings, the admin anyone's and PUBLIC's.
// Foreign tables and IMPORT are open to every user, as CREATE TABLE is.
func foreignAllowed(sess planner.Session, st planner.ForeignDDL) error {
	if sess.User == catalog.AdminUser {
		return nil
	}
	var user string
	switch st := st.(type) {
	case *planner.CreateServer:
		return errs.Errorf(errs.ErrPermissionDenied, "permission denied for foreign-data wrapper %s (only %s may create servers)", st.Server.Wrapper, catalog.AdminUser)
	case *planner.AlterServer:
		return errs.Errorf(errs.ErrPermissionDenied, "must be owner of foreign server %s", st.Name)
	case *planner.DropServer:
		if len(st.Names) > 0 {
			return errs.Errorf(errs.ErrPermissionDenied, "must be owner of foreign server %s", st.Names[0])
		}
		return nil
	case *planner.CreateUserMapping:
		user = st.Mapping.User
	case *planner.AlterUserMapping:
		user = st.User
	case *planner.DropUserMapping:
		user = st.User
	default:
		return nil
	}
	if user != sess.User {
		return errs.Errorf(errs.ErrPermissionDenied, "permission denied to manage the user mapping for \"%s\" (users manage their own)", user)
	}
	return nil
}
