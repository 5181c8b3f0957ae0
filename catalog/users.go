package catalog

import (
	"context"
	"encoding/json"

	"github.com/tern-db/tern/proto/errs"
)

// users.go: user administration (CREATE/ALTER/DROP USER, `tern admin reset-password`) and
// table lookup by id (re-validating a ticket's pinned tables when it is redeemed).

// UserAdmin is implemented by the stores of this package. It is a separate interface so
// that catalog wrappers which never administer users need not implement it.
type UserAdmin interface {
	// CreateUser adds u; errs.ErrAlreadyExists if the name is taken.
	CreateUser(ctx context.Context, u User) error
	// DropUser removes a user; errs.ErrNotFound if there is none.
	DropUser(ctx context.Context, tenant, name string) error
	// ListUsers returns a tenant's users (with their hashes) in name order.
	ListUsers(ctx context.Context, tenant string) ([]User, error)
}

// TableLookup finds a table by the id plans and tickets carry.
type TableLookup interface {
	// TableByID returns the table with id; errs.ErrNotFound once it was dropped.
	TableByID(ctx context.Context, id uint64) (Table, error)
}

var (
	_ UserAdmin   = (*store)(nil)
	_ TableLookup = (*store)(nil)
)

func (s *store) CreateUser(ctx context.Context, u User) error {
	return s.putUser(ctx, u, true)
}

// putUser stores u; with create, only when the name is free.
func (s *store) putUser(ctx context.Context, u User, create bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := validName("tenant", u.Tenant); err != nil {
		return err
	}
	if err := validName("role", u.Name); err != nil {
		return err
	}
	return s.kv.update(func(tx kvTx) error {
		if create && tx.get(bucketUsers, key(u.Tenant, u.Name)) != nil {
			return errs.Errorf(errs.ErrAlreadyExists, "role %q already exists", u.Name)
		}
		return putJSON(tx, bucketUsers, key(u.Tenant, u.Name), u)
	})
}

func (s *store) DropUser(ctx context.Context, tenant, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.kv.update(func(tx kvTx) error {
		if tx.get(bucketUsers, key(tenant, name)) == nil {
			return errs.Errorf(errs.ErrNotFound, "role %q does not exist", name)
		}
		return tx.del(bucketUsers, key(tenant, name))
	})
}

func (s *store) ListUsers(ctx context.Context, tenant string) ([]User, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []User
	err := s.kv.view(func(tx kvTx) error {
		return tx.scan(bucketUsers, append(key(tenant), 0), func(_, v []byte) error {
			var u User
			if err := json.Unmarshal(v, &u); err != nil {
				return corrupt(err)
			}
			out = append(out, u)
			return nil
		})
	})
	return out, err
}

func (s *store) TableByID(ctx context.Context, id uint64) (Table, error) {
	if err := ctx.Err(); err != nil {
		return Table{}, err
	}
	var t Table
	err := s.kv.view(func(tx kvTx) error {
		var err error
		t, err = tableByID(tx, id)
		return err
	})
	return t, err
}
