package coordinator

import (
	"context"
	"errors"
	"fmt"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto/errs"
	"golang.org/x/crypto/bcrypt"
)

// users.go: CREATE USER, ALTER USER ... PASSWORD and DROP USER (planner/bind_role.go).
//
// The tenant's admin user manages users; every user may change its own password (as in
// PostgreSQL). The admin user cannot be dropped, nor can the current user. A user changing
// its own password is reported to the front end (Sessions.PasswordChanged), which hands it
// fresh credentials (the gateway: a new bearer token), so its own connection carries on.

func (c *Coordinator) execRole(ctx context.Context, sess planner.Session, rc *planner.RoleChange) (int64, error) {
	if sess.DryRun {
		return 0, errs.Errorf(errs.ErrNotSupported, "user administration under tern.dry_run (it would change users)")
	}
	ua, ok := c.cat.(catalog.UserAdmin)
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
		if _, err := c.cat.GetUser(ctx, sess.Tenant, name); err != nil {
			return 0, err
		}
		hash, err := HashPassword(rc.Password)
		if err != nil {
			return 0, err
		}
		if err := c.cat.PutUser(ctx, catalog.User{Tenant: sess.Tenant, Name: name, PasswordHash: hash}); err != nil {
			return 0, err
		}
		if name == sess.User && c.sessions != nil {
			if err := c.sessions.PasswordChanged(ctx, sess.Tenant, name, hash); err != nil {
				return 0, err
			}
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
			if _, err := c.cat.GetUser(ctx, sess.Tenant, name); err != nil {
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

// HashPassword is the bcrypt hash stored for a password (DefaultCost, the cost the dummy
// hash of unknown users has too).
func HashPassword(password string) (string, error) {
	if password == "" {
		return "", errs.Errorf(errs.ErrInvalidArgument, "empty password")
	}
	if len(password) > 72 {
		// bcrypt ignores everything after 72 bytes; refuse rather than silently truncate.
		return "", errs.Errorf(errs.ErrInvalidArgument, "password longer than 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("%w: hashing password: %v", errs.ErrInternal, err)
	}
	return string(h), nil
}
