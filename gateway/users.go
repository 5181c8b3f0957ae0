package gateway

import (
	"context"
	"errors"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto/errs"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// users.go: CREATE USER, ALTER USER ... PASSWORD and DROP USER (planner/bind_role.go).
//
// The tenant's admin user manages users; every user may change its own password (as in
// PostgreSQL). The admin user cannot be dropped, nor can the current user. Bearer tokens
// carry a stamp of the password they were issued under (auth.go), so a password change or a
// drop cuts off every token issued before it; a user changing its own password gets a fresh
// token in the response's "authorization" header (which Flight clients such as ADBC adopt),
// so its own connection carries on.

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
		if err := s.cat.PutUser(ctx, catalog.User{Tenant: sess.Tenant, Name: name, PasswordHash: hash}); err != nil {
			return 0, err
		}
		if name == sess.User {
			tok, err := s.auth.issue(tokenClaims{Identity: Identity{Tenant: sess.Tenant, User: name}, Pass: passwordStamp(hash)})
			if err != nil {
				return 0, err
			}
			// Fails only when headers were already sent; then the client logs in again.
			_ = grpc.SetHeader(ctx, metadata.Pairs("authorization", "Bearer "+tok))
		}
		return 0, nil
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
