package planner

import (
	"context"
	"errors"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/connectors/files"
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

// bindFilesForeign binds a foreign table of a files server: the files connector reads the
// table's path (a file, a glob or a hive-partitioned directory pattern; local paths only
// under --allow-dir, checked here as for read_parquet) and the declared columns are taken by
// name, each of the type the files hold.
func (b *binder) bindFilesForeign(t catalog.Table, rv *pg.RangeVar) (logical.Node, *scope, error) {
	format := files.Parquet
	switch strings.ToLower(t.Options["format"]) {
	case "", "parquet":
	case "csv":
		format = files.CSV
	case "json", "ndjson":
		format = files.JSON
	default:
		return nil, nil, b.errAt(rv.Location, logical.Errorf(errs.ErrInvalidArgument, "foreign table \"%s\": format must be parquet, csv or json", t.Ref.Name))
	}
	path := t.Options["filename"]
	if path == "" {
		return nil, nil, b.errAt(rv.Location, logical.Errorf(errs.ErrInvalidArgument, "foreign table \"%s\" names no filename", t.Ref.Name))
	}
	opts := fileOptions{header: true, delim: ","}
	if h, ok := t.Options["header"]; ok {
		h = strings.ToLower(h)
		opts.header = h == "true" || h == "on" || h == "1" || h == "yes"
	}
	if d, ok := t.Options["delimiter"]; ok && len([]rune(d)) == 1 {
		opts.delim = d
	}
	src, err := b.fileSource(format, path, rv.Location, opts) // bind_files.go
	if err != nil {
		return nil, nil, err
	}
	src.Name = t.Ref.Name
	cols := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		idx := -1
		for j, f := range src.Base {
			if f.Name == c.Name {
				idx = j
				break
			}
		}
		if idx < 0 {
			return nil, nil, b.errAt(rv.Location, logical.Errorf(errs.ErrFailedPrecondition, "column \"%s\" of foreign table \"%s\" is not in %s", c.Name, t.Ref.Name, path))
		}
		if got := src.Base[idx].Type; got != c.Type {
			return nil, nil, b.errAt(rv.Location, logical.Errorf(errs.ErrFailedPrecondition, "column \"%s\" of foreign table \"%s\" is %s in %s, the table declares %s", c.Name, t.Ref.Name, got, path, c.Type))
		}
		cols[i] = idx
	}
	qual := rv.Relname
	if rv.Alias != nil && rv.Alias.Aliasname != "" {
		qual = rv.Alias.Aliasname
	}
	var node logical.Node = &logical.Scan{Source: src, Qualifier: qual, Columns: cols}
	if rv.Alias != nil && len(rv.Alias.Colnames) > 0 {
		return b.aliased(node, qual, rv.Alias)
	}
	return node, scopeOf(node.Schema()), nil
}
