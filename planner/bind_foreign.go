package planner

import (
	"errors"
	"slices"
	"sort"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// bind_foreign.go: PostgreSQL's SQL/MED statements, so that federation reads as PostgreSQL
// users know it:
//
//	CREATE SERVER [IF NOT EXISTS] s FOREIGN DATA WRAPPER postgres|mysql|... OPTIONS (...)
//	ALTER SERVER s OPTIONS ([ADD|SET|DROP] name 'value', ...)
//	DROP SERVER [IF EXISTS] s [, ...] [CASCADE]
//	CREATE USER MAPPING [IF NOT EXISTS] FOR CURRENT_USER|PUBLIC|name SERVER s OPTIONS (user '..', password '..')
//	ALTER USER MAPPING FOR ... SERVER s OPTIONS (...)
//	DROP USER MAPPING [IF EXISTS] FOR ... SERVER s
//	IMPORT FOREIGN SCHEMA remote [LIMIT TO (a, b) | EXCEPT (a)] FROM SERVER s INTO local
//	CREATE FOREIGN TABLE t (cols) SERVER s OPTIONS (schema_name '..', table_name '..')
//	DROP FOREIGN TABLE (bindDrop)
//
// The coordinator runs them (coordinator/foreign.go); the catalog keeps servers and
// mappings with their secrets sealed (catalog/foreign.go). Options are checked here against
// each wrapper's list, with postgres_fdw's message for an unknown one.

// Wrappers Tern knows, by every name it accepts (PostgreSQL's own fdw names included).
var foreignWrappers = map[string]string{
	"postgres": "postgres", "postgres_fdw": "postgres", "postgresql": "postgres",
	"mysql": "mysql", "mysql_fdw": "mysql", "mariadb": "mysql",
	"flightsql": "flightsql", "files": "files", "file_fdw": "files", "iceberg": "iceberg",
}

// implementedWrappers are those with a connector.
var implementedWrappers = map[string]bool{"postgres": true, "mysql": true, "flightsql": true, "files": true}

// Options each wrapper takes, per object.
var (
	serverOptions = map[string][]string{
		"postgres":  {"host", "port", "dbname", "sslmode", "application_name", "parallel_pages"},
		"mysql":     {"host", "port", "dbname", "database"},
		"flightsql": {"host", "port", "tls"},
		"files":     {},
	}
	mappingOptions = []string{"user", "password"}
	tableOptions   = []string{catalog.ForeignSchemaOption, catalog.ForeignTableOption, "dbname"}
	// the files wrapper's tables name their files (file_fdw's filename) and format
	filesTableOptions = []string{"filename", "format", "header", "delimiter"}
)

// ForeignDDL is a federation statement (coordinator/foreign.go runs them).
type ForeignDDL interface {
	Statement
	foreignDDL()
}

// OptionChange is one entry of ALTER ... OPTIONS: Action "add", "set" or "drop".
type OptionChange struct {
	Action, Name, Value string
}

type (
	// CreateServer is CREATE SERVER.
	CreateServer struct {
		Server      catalog.ForeignServer
		IfNotExists bool
	}
	// AlterServer is ALTER SERVER ... OPTIONS.
	AlterServer struct {
		Name    string
		Changes []OptionChange
	}
	// DropServer is DROP SERVER.
	DropServer struct {
		Names             []string
		IfExists, Cascade bool
	}
	// CreateUserMapping is CREATE USER MAPPING.
	CreateUserMapping struct {
		Mapping     catalog.UserMapping
		IfNotExists bool
	}
	// AlterUserMapping is ALTER USER MAPPING ... OPTIONS.
	AlterUserMapping struct {
		Server, User string
		Changes      []OptionChange
	}
	// DropUserMapping is DROP USER MAPPING.
	DropUserMapping struct {
		Server, User string
		IfExists     bool
	}
	// ImportForeignSchema is IMPORT FOREIGN SCHEMA: Only (LIMIT TO) or Except name remote
	// tables.
	ImportForeignSchema struct {
		Server, Remote, Local string
		Only, Except          []string
	}
	// CreateForeignTable is CREATE FOREIGN TABLE (Table.Source is the wrapper, Options name
	// the server and the remote table).
	CreateForeignTable struct {
		Table       catalog.Table
		IfNotExists bool
	}
)

func (*CreateServer) statement()        {}
func (*AlterServer) statement()         {}
func (*DropServer) statement()          {}
func (*CreateUserMapping) statement()   {}
func (*AlterUserMapping) statement()    {}
func (*DropUserMapping) statement()     {}
func (*ImportForeignSchema) statement() {}
func (*CreateForeignTable) statement()  {}

func (*CreateServer) foreignDDL()        {}
func (*AlterServer) foreignDDL()         {}
func (*DropServer) foreignDDL()          {}
func (*CreateUserMapping) foreignDDL()   {}
func (*AlterUserMapping) foreignDDL()    {}
func (*DropUserMapping) foreignDDL()     {}
func (*ImportForeignSchema) foreignDDL() {}
func (*CreateForeignTable) foreignDDL()  {}

// bindForeign dispatches the statements of this file (the hook in bindStatement).
func (b *binder) bindForeign(n *pg.Node) (*boundStmt, error) {
	var st Statement
	var err error
	switch x := n.Node.(type) {
	case *pg.Node_CreateForeignServerStmt:
		st, err = b.bindCreateServer(x.CreateForeignServerStmt)
	case *pg.Node_AlterForeignServerStmt:
		st, err = b.bindAlterServer(x.AlterForeignServerStmt)
	case *pg.Node_CreateUserMappingStmt:
		st, err = b.bindCreateUserMapping(x.CreateUserMappingStmt)
	case *pg.Node_AlterUserMappingStmt:
		st, err = b.bindAlterUserMapping(x.AlterUserMappingStmt)
	case *pg.Node_DropUserMappingStmt:
		var user string
		if user, err = b.mappingUser(x.DropUserMappingStmt.User); err == nil {
			st = &DropUserMapping{Server: x.DropUserMappingStmt.Servername, User: user, IfExists: x.DropUserMappingStmt.MissingOk}
		}
	case *pg.Node_ImportForeignSchemaStmt:
		st, err = b.bindImportForeignSchema(x.ImportForeignSchemaStmt)
	case *pg.Node_CreateForeignTableStmt:
		st, err = b.bindCreateForeignTable(x.CreateForeignTableStmt)
	default:
		return nil, notSupported("%s is not supported yet", stmtName(n))
	}
	if err != nil {
		return nil, err
	}
	return ddlStmt(st), nil
}

// wrapperOf resolves a FOREIGN DATA WRAPPER name.
func wrapperOf(name string) (string, error) {
	w, ok := foreignWrappers[strings.ToLower(name)]
	if !ok {
		return "", logical.Errorf(errs.ErrNotFound, "foreign-data wrapper \"%s\" does not exist", name)
	}
	if !implementedWrappers[w] {
		return "", notSupported("foreign-data wrapper \"%s\" is not supported yet (postgres, mysql, flightsql and files are)", name)
	}
	return w, nil
}

// fdwOptions reads OPTIONS (...) and checks every name against valid.
func fdwOptions(defs []*pg.Node, valid []string) (map[string]string, []OptionChange, error) {
	out := map[string]string{}
	var changes []OptionChange
	for _, d := range defs {
		de := d.GetDefElem()
		if de == nil {
			continue
		}
		name := de.Defname
		if !slices.Contains(valid, name) {
			sorted := slices.Clone(valid)
			sort.Strings(sorted)
			return nil, nil, logical.Errorf(errs.ErrInvalidArgument, "invalid option \"%s\" (valid options in this context are: %s)", name, strings.Join(sorted, ", "))
		}
		if _, dup := out[name]; dup {
			return nil, nil, logical.Errorf(errs.ErrInvalidArgument, "option \"%s\" provided more than once", name)
		}
		v := ""
		if de.Arg != nil {
			v = defString(de.Arg)
		}
		out[name] = v
		action := "set"
		switch de.Defaction {
		case pg.DefElemAction_DEFELEM_ADD, pg.DefElemAction_DEFELEM_UNSPEC:
			action = "add"
		case pg.DefElemAction_DEFELEM_DROP:
			action = "drop"
		}
		changes = append(changes, OptionChange{Action: action, Name: name, Value: v})
	}
	return out, changes, nil
}

func (b *binder) bindCreateServer(s *pg.CreateForeignServerStmt) (Statement, error) {
	w, err := wrapperOf(s.Fdwname)
	if err != nil {
		return nil, err
	}
	opts, _, err := fdwOptions(s.Options, serverOptions[w])
	if err != nil {
		return nil, err
	}
	return &CreateServer{Server: catalog.ForeignServer{Tenant: b.sess.Tenant, Name: s.Servername, Wrapper: w, Options: opts}, IfNotExists: s.IfNotExists}, nil
}

func (b *binder) server(name string) (catalog.ForeignServer, error) {
	fs, ok := b.p.cat.(catalog.ForeignStore)
	if !ok {
		return catalog.ForeignServer{}, notSupported("this catalog keeps no foreign servers")
	}
	return fs.GetServer(b.ctx, b.sess.Tenant, name)
}

func (b *binder) bindAlterServer(s *pg.AlterForeignServerStmt) (Statement, error) {
	if s.HasVersion {
		return nil, notSupported("ALTER SERVER ... VERSION is not supported")
	}
	srv, err := b.server(s.Servername)
	if err != nil {
		return nil, err
	}
	_, changes, err := fdwOptions(s.Options, serverOptions[srv.Wrapper])
	if err != nil {
		return nil, err
	}
	return &AlterServer{Name: s.Servername, Changes: changes}, nil
}

// mappingUser is the Tern user a mapping is for (PUBLIC: catalog.PublicMapping).
func (b *binder) mappingUser(r *pg.RoleSpec) (string, error) {
	if r.GetRoletype() == pg.RoleSpecType_ROLESPEC_PUBLIC {
		return catalog.PublicMapping, nil
	}
	return b.roleName(r)
}

func (b *binder) bindCreateUserMapping(s *pg.CreateUserMappingStmt) (Statement, error) {
	user, err := b.mappingUser(s.User)
	if err != nil {
		return nil, err
	}
	if _, err := b.server(s.Servername); err != nil {
		return nil, err
	}
	opts, _, err := fdwOptions(s.Options, mappingOptions)
	if err != nil {
		return nil, err
	}
	return &CreateUserMapping{Mapping: catalog.UserMapping{Tenant: b.sess.Tenant, Server: s.Servername, User: user, Options: opts}, IfNotExists: s.IfNotExists}, nil
}

func (b *binder) bindAlterUserMapping(s *pg.AlterUserMappingStmt) (Statement, error) {
	user, err := b.mappingUser(s.User)
	if err != nil {
		return nil, err
	}
	_, changes, err := fdwOptions(s.Options, mappingOptions)
	if err != nil {
		return nil, err
	}
	return &AlterUserMapping{Server: s.Servername, User: user, Changes: changes}, nil
}

func (b *binder) bindImportForeignSchema(s *pg.ImportForeignSchemaStmt) (Statement, error) {
	if len(s.Options) > 0 {
		return nil, notSupported("IMPORT FOREIGN SCHEMA ... OPTIONS is not supported")
	}
	if _, err := b.server(s.ServerName); err != nil {
		return nil, err
	}
	ok, err := catalog.HasSchema(b.ctx, b.p.cat, b.sess.Tenant, s.LocalSchema)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, logical.Errorf(errs.ErrNotFound, "schema \"%s\" does not exist", s.LocalSchema)
	}
	st := &ImportForeignSchema{Server: s.ServerName, Remote: s.RemoteSchema, Local: s.LocalSchema}
	var names []string
	for _, n := range s.TableList {
		if rv := n.GetRangeVar(); rv != nil {
			names = append(names, rv.Relname)
		}
	}
	switch s.ListType {
	case pg.ImportForeignSchemaType_FDW_IMPORT_SCHEMA_LIMIT_TO:
		st.Only = names
	case pg.ImportForeignSchemaType_FDW_IMPORT_SCHEMA_EXCEPT:
		st.Except = names
	}
	return st, nil
}

func (b *binder) bindCreateForeignTable(s *pg.CreateForeignTableStmt) (Statement, error) {
	if s.BaseStmt == nil {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "CREATE FOREIGN TABLE without a table")
	}
	srv, err := b.server(s.Servername)
	if err != nil {
		return nil, err
	}
	base := s.BaseStmt
	if len(base.Options) > 0 || base.Partspec != nil {
		return nil, notSupported("storage options and partitioning do not apply to foreign tables")
	}
	bs, err := b.bindCreateTable(base)
	if err != nil {
		return nil, err
	}
	built, err := bs.build(nil, nil)
	if err != nil {
		return nil, err
	}
	ct, ok := built.(*CreateTable)
	if !ok {
		return nil, logical.Errorf(errs.ErrInternal, "CREATE FOREIGN TABLE bound to %T", built)
	}
	valid := tableOptions
	if srv.Wrapper == "files" {
		valid = filesTableOptions
	}
	opts, _, err := fdwOptions(s.Options, valid)
	if err != nil {
		return nil, err
	}
	if v, ok := opts["dbname"]; ok { // mysql_fdw names the database dbname
		if _, set := opts[catalog.ForeignSchemaOption]; !set {
			opts[catalog.ForeignSchemaOption] = v
		}
		delete(opts, "dbname")
	}
	opts[catalog.ForeignServerOption] = srv.Name
	if _, ok := opts[catalog.ForeignTableOption]; !ok && srv.Wrapper != "files" {
		opts[catalog.ForeignTableOption] = ct.Table.Ref.Name
	}
	t := ct.Table
	t.Source, t.Options, t.Constraints = srv.Wrapper, opts, nil
	return &CreateForeignTable{Table: t, IfNotExists: ct.IfNotExists}, nil
}

func (b *binder) bindDropServer(ds *pg.DropStmt) (*boundStmt, error) {
	st := &DropServer{IfExists: ds.MissingOk, Cascade: ds.Behavior == pg.DropBehavior_DROP_CASCADE}
	for _, o := range ds.Objects {
		name := strVal(o)
		if _, err := b.server(name); err != nil {
			if ds.MissingOk && errors.Is(err, errs.ErrNotFound) {
				continue
			}
			return nil, err
		}
		st.Names = append(st.Names, name)
	}
	return ddlStmt(st), nil
}
