package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// temp.go: CREATE TEMP[ORARY] TABLE creates the table in the session's temporary schema
// (Session.TempSchema, pg_temp_<session id>), where unqualified names look first. Other
// sessions cannot see or read it (the catalog hides other sessions' temporary schemas, see
// catalog/visibility.go), and it is dropped when its session closes or expires.

func (b *binder) tempRef(rv *pg.RangeVar) (catalog.TableRef, error) {
	if b.sess.TempSchema == "" {
		return catalog.TableRef{}, b.errAt(rv.Location, logical.Errorf(errs.ErrInvalidArgument,
			"temporary tables need a session (log in with a Handshake or keep the session cookie)"))
	}
	if rv.Schemaname != "" && rv.Schemaname != "pg_temp" && rv.Schemaname != b.sess.TempSchema {
		return catalog.TableRef{}, b.errAt(rv.Location, logical.Errorf(errs.ErrInvalidArgument,
			"cannot create temporary relation in non-temporary schema"))
	}
	return catalog.TableRef{Tenant: b.sess.Tenant, Schema: b.sess.TempSchema, Name: rv.Relname}, nil
}
