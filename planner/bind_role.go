package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// bind_role.go: user administration, the PostgreSQL statements for it.
//
//	CREATE USER name [WITH] PASSWORD 'pw'
//	ALTER USER|ROLE name|CURRENT_USER [WITH] PASSWORD 'pw'
//	DROP USER|ROLE [IF EXISTS] name [, ...]
//
// Tern's users are login users with a password and nothing else: other role options
// (SUPERUSER, CREATEDB, VALID UNTIL, ...) and group roles are refused as not supported. Who
// may run them is the gateway's decision (gateway/users.go).

// RoleOp is what a RoleChange does.
type RoleOp int

const (
	RoleCreate RoleOp = iota
	RoleAlter
	RoleDrop
)

// RoleChange is CREATE USER, ALTER USER ... PASSWORD or DROP USER.
type RoleChange struct {
	Op        RoleOp
	Names     []string
	Password  string // CREATE and ALTER
	MissingOK bool   // DROP ... IF EXISTS
}

func (*RoleChange) statement() {}

func (b *binder) bindRole(n *pg.Node) (*boundStmt, error) {
	rc := &RoleChange{}
	var opts []*pg.Node
	switch st := n.Node.(type) {
	case *pg.Node_CreateRoleStmt:
		if st.CreateRoleStmt.StmtType != pg.RoleStmtType_ROLESTMT_USER {
			return nil, notSupported("CREATE ROLE/GROUP is not supported; users are made with CREATE USER name PASSWORD '...'")
		}
		rc.Op, rc.Names, opts = RoleCreate, []string{st.CreateRoleStmt.Role}, st.CreateRoleStmt.Options
	case *pg.Node_AlterRoleStmt:
		name, err := b.roleName(st.AlterRoleStmt.Role)
		if err != nil {
			return nil, err
		}
		rc.Op, rc.Names, opts = RoleAlter, []string{name}, st.AlterRoleStmt.Options
	case *pg.Node_DropRoleStmt:
		rc.Op, rc.MissingOK = RoleDrop, st.DropRoleStmt.MissingOk
		for _, r := range st.DropRoleStmt.Roles {
			name, err := b.roleName(r.GetRoleSpec())
			if err != nil {
				return nil, err
			}
			rc.Names = append(rc.Names, name)
		}
	}
	havePassword := false
	for _, o := range opts {
		d := o.GetDefElem()
		if d == nil || d.Defname != "password" {
			name := "this option"
			if d != nil {
				name = d.Defname
			}
			return nil, notSupported("role option %s is not supported; Tern users have a password only", name)
		}
		s := d.Arg.GetString_()
		if s == nil || s.Sval == "" {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "a user's password must be a non-empty string")
		}
		rc.Password, havePassword = s.Sval, true
	}
	if rc.Op != RoleDrop && !havePassword {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "%s needs PASSWORD '...'", map[RoleOp]string{RoleCreate: "CREATE USER", RoleAlter: "ALTER USER"}[rc.Op])
	}
	return &boundStmt{kind: KindUpdate, build: func(*Query, logical.Node) (Statement, error) { return rc, nil }}, nil
}

func (b *binder) roleName(r *pg.RoleSpec) (string, error) {
	switch r.GetRoletype() {
	case pg.RoleSpecType_ROLESPEC_CSTRING:
		return r.Rolename, nil
	case pg.RoleSpecType_ROLESPEC_CURRENT_USER, pg.RoleSpecType_ROLESPEC_SESSION_USER, pg.RoleSpecType_ROLESPEC_CURRENT_ROLE:
		return b.sess.User, nil
	}
	return "", notSupported("this role specification is not supported")
}
