package gateway

import (
	"context"
	"errors"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto/errs"
)

// users.go: CREATE USER, ALTER USER ... PASSWORD and DROP USER (planner/bind_role.go).
//
// The tenant's admin user manages users; every user may change its own password (as in
// PostgreSQL). The admin user cannot be dropped, nor can the current user. Bearer tokens are
// self-contained, so tokens issued before a password change or a drop stay valid until they
// expire (--token-ttl).

func (s *Server) execRole(ctx context.Context, sess planner.Session, rc *planner.RoleChange) (int64, error) {
	if sess.DryRun {
		return 0, errs.Errorf(errs.ErrNotSupported, "user administration under tern.dry_run (it would change users)")
	}
	ua, ok := s.cat.(catalog.UserAdmin)
	if !ok {
		return 0, errs.Errorf(errs.ErrNotSupported, "user administration on this catalog")
	}
	isAdmin := sess.User == catalog.AdminUser
	switch rc.Op {
	case planner.RoleCreate:
		if !isAdmin {
			return 0, errs.Errorf(errs.ErrPermissionDenied, "permission denied to create role (only %s may)", catalog.AdminUser)
		}
		hash, err := HashPassword(rc.Password)
		if err != nil {
			return 0, err
		}
		return 0, ua.CreateUser(ctx, catalog.User{Tenant: sess.Tenant, Name: rc.Names[0], PasswordHash: hash})
	case planner.RoleAlter:
		name := rc.Names[0]
		if !isAdmin && name != sess.User {
			return 0, errs.Errorf(errs.ErrPermissionDenied, "permission denied to alter role %q (users may change only their own password)", name)
		}
		if _, err := s.cat.GetUser(ctx, sess.Tenant, name); err != nil {
			return 0, err
		}
		hash, err := HashPassword(rc.Password)
		if err != nil {
			return 0, err
		}
		return 0, s.cat.PutUser(ctx, catalog.User{Tenant: sess.Tenant, Name: name, PasswordHash: hash})
	case planner.RoleDrop:
		if !isAdmin {
			return 0, errs.Errorf(errs.ErrPermissionDenied, "permission denied to drop role (only %s may)", catalog.AdminUser)
		}
		// Every name is checked before anything is dropped, as PostgreSQL does.
		var present []string
		for _, name := range rc.Names {
			switch {
			case name == catalog.AdminUser:
				return 0, errs.Errorf(errs.ErrPermissionDenied, "the %s user cannot be dropped", catalog.AdminUser)
			case name == sess.User:
				return 0, errs.Errorf(errs.ErrPermissionDenied, "current user cannot be dropped")
			}
			if _, err := s.cat.GetUser(ctx, sess.Tenant, name); err != nil {
				if rc.MissingOK && errors.Is(err, errs.ErrNotFound) {
					continue
				}
				return 0, err
			}
			present = append(present, name)
		}
		for _, name := range present {
			if err := ua.DropUser(ctx, sess.Tenant, name); err != nil {
				return 0, err
			}
		}
	}
	return 0, nil
}
