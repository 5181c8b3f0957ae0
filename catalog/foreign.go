package catalog

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/tern-db/tern/internal/secrets"
	"github.com/tern-db/tern/proto/errs"
)

// foreign.go: federation's catalog objects, PostgreSQL's SQL/MED model: foreign servers (a
// wrapper name such as postgres or mysql plus connection options) and user mappings (a
// Tern user's credentials on a server). Foreign tables are ordinary Tables whose Source is
// the server's wrapper and whose Options name the server and the remote table
// (ForeignServerOption, ...), so every listing (GetTables, information_schema, pg_catalog)
// shows them as any table.
//
// Secrets: option values whose name says they are secret (secrets.IsSecretOption: password,
// key, token, ...) are sealed with AES-GCM before they are stored and opened when read, bound
// to the tenant, server, user and option name; the plaintext is never written to disk.

// Options of a foreign table (catalog.Table.Options).
const (
	ForeignServerOption = "server"      // the server's name
	ForeignSchemaOption = "schema_name" // the remote schema (database for MySQL)
	ForeignTableOption  = "table_name"  // the remote table
)

// PublicMapping is the user name of a mapping FOR PUBLIC (every user without their own).
const PublicMapping = "public"

// ForeignServer is CREATE SERVER's object.
type ForeignServer struct {
	Tenant  string
	Name    string
	Wrapper string // postgres, mysql, flightsql, files, iceberg
	Options map[string]string
}

// UserMapping is CREATE USER MAPPING's object: User's options on Server.
type UserMapping struct {
	Tenant  string
	Server  string
	User    string // a Tern user, or PublicMapping
	Options map[string]string
}

// ForeignStore keeps servers and user mappings; the stores of this package implement it.
// Options come back opened (plaintext): callers must never show secret ones.
type ForeignStore interface {
	CreateServer(ctx context.Context, s ForeignServer) error
	// UpdateServer applies fn to a server's record and stores it (ALTER SERVER).
	UpdateServer(ctx context.Context, tenant, name string, fn func(*ForeignServer) error) error
	GetServer(ctx context.Context, tenant, name string) (ForeignServer, error)
	ListServers(ctx context.Context, tenant string) ([]ForeignServer, error)
	// DropServer removes a server and its user mappings (its foreign tables are the caller's
	// to drop first: ForeignTablesOf).
	DropServer(ctx context.Context, tenant, name string) error
	CreateUserMapping(ctx context.Context, m UserMapping) error
	UpdateUserMapping(ctx context.Context, tenant, server, user string, fn func(*UserMapping) error) error
	// UserMapping returns user's mapping on server, else the PUBLIC one.
	UserMapping(ctx context.Context, tenant, server, user string) (UserMapping, error)
	DropUserMapping(ctx context.Context, tenant, server, user string) error
}

var _ ForeignStore = (*store)(nil)

// SetSecretKey gives the catalog the key that seals secrets at rest (derived from the data
// directory's key, or a key file). Call it once at start, before any use.
func SetSecretKey(c Catalog, key []byte) error {
	s, ok := c.(*store)
	if !ok {
		return errs.Errorf(errs.ErrNotSupported, "this catalog keeps no secrets")
	}
	b, err := secrets.New(key)
	if err != nil {
		return err
	}
	s.box.Store(b)
	return nil
}

// secretBox is the catalog's sealing key; a catalog given none (an in-memory one in tests)
// gets a random key, which is right for data that does not outlive the process.
func (s *store) secretBox() (*secrets.Box, error) {
	if b := s.box.Load(); b != nil {
		return b, nil
	}
	if _, mem := s.kv.(*memKV); !mem {
		return nil, errs.Errorf(errs.ErrFailedPrecondition, "no key to seal secrets with (the server sets it from the data directory's key)")
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, errs.Errorf(errs.ErrInternal, "secrets key: %v", err)
	}
	b, err := secrets.New(k)
	if err != nil {
		return nil, err
	}
	s.box.CompareAndSwap(nil, b)
	return s.box.Load(), nil
}

// sealOptions returns opts with every secret value sealed under ad + the option's name.
func (s *store) sealOptions(opts map[string]string, ad string) (map[string]string, error) {
	if len(opts) == 0 {
		return opts, nil
	}
	out := make(map[string]string, len(opts))
	for k, v := range opts {
		if secrets.IsSecretOption(k) && !secrets.IsSealed(v) {
			box, err := s.secretBox()
			if err != nil {
				return nil, err
			}
			if v, err = box.Seal(v, ad+"\x00"+k); err != nil {
				return nil, err
			}
		}
		out[k] = v
	}
	return out, nil
}

func (s *store) openOptions(opts map[string]string, ad string) (map[string]string, error) {
	out := make(map[string]string, len(opts))
	for k, v := range opts {
		if secrets.IsSealed(v) {
			box, err := s.secretBox()
			if err != nil {
				return nil, err
			}
			if v, err = box.Open(v, ad+"\x00"+k); err != nil {
				return nil, err
			}
		}
		out[k] = v
	}
	return out, nil
}

func serverKey(tenant, name string) []byte { return key(tenant, name) }
func mappingKey(tenant, server, user string) []byte {
	return key(tenant, server, user)
}
func serverAD(tenant, name string) string { return "server\x00" + tenant + "\x00" + name }
func mappingAD(tenant, server, user string) string {
	return "mapping\x00" + tenant + "\x00" + server + "\x00" + user
}

func (s *store) CreateServer(ctx context.Context, fs ForeignServer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := validName("server", fs.Name); err != nil {
		return err
	}
	opts, err := s.sealOptions(fs.Options, serverAD(fs.Tenant, fs.Name))
	if err != nil {
		return err
	}
	fs.Options = opts
	return s.kv.update(func(tx kvTx) error {
		if tx.get(bucketServers, serverKey(fs.Tenant, fs.Name)) != nil {
			return errs.Errorf(errs.ErrAlreadyExists, "server \"%s\" already exists", fs.Name)
		}
		return putJSON(tx, bucketServers, serverKey(fs.Tenant, fs.Name), fs)
	})
}

func getServerTx(tx kvTx, tenant, name string) (ForeignServer, error) {
	v := tx.get(bucketServers, serverKey(tenant, name))
	if v == nil {
		return ForeignServer{}, errs.Errorf(errs.ErrNotFound, "server \"%s\" does not exist", name)
	}
	var fs ForeignServer
	if err := json.Unmarshal(v, &fs); err != nil {
		return ForeignServer{}, corrupt(err)
	}
	return fs, nil
}

func (s *store) GetServer(ctx context.Context, tenant, name string) (ForeignServer, error) {
	if err := ctx.Err(); err != nil {
		return ForeignServer{}, err
	}
	var fs ForeignServer
	err := s.kv.view(func(tx kvTx) error {
		var err error
		fs, err = getServerTx(tx, tenant, name)
		return err
	})
	if err != nil {
		return fs, err
	}
	fs.Options, err = s.openOptions(fs.Options, serverAD(tenant, name))
	return fs, err
}

func (s *store) UpdateServer(ctx context.Context, tenant, name string, fn func(*ForeignServer) error) error {
	fs, err := s.GetServer(ctx, tenant, name)
	if err != nil {
		return err
	}
	if err := fn(&fs); err != nil {
		return err
	}
	if fs.Options, err = s.sealOptions(fs.Options, serverAD(tenant, name)); err != nil {
		return err
	}
	return s.kv.update(func(tx kvTx) error {
		if _, err := getServerTx(tx, tenant, name); err != nil {
			return err
		}
		return putJSON(tx, bucketServers, serverKey(tenant, name), fs)
	})
}

func (s *store) ListServers(ctx context.Context, tenant string) ([]ForeignServer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []ForeignServer
	err := s.kv.view(func(tx kvTx) error {
		return tx.scan(bucketServers, append(key(tenant), 0), func(_, v []byte) error {
			var fs ForeignServer
			if err := json.Unmarshal(v, &fs); err != nil {
				return corrupt(err)
			}
			out = append(out, fs)
			return nil
		})
	})
	for i := range out {
		if err != nil {
			break
		}
		out[i].Options, err = s.openOptions(out[i].Options, serverAD(tenant, out[i].Name))
	}
	return out, err
}

func (s *store) DropServer(ctx context.Context, tenant, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.kv.update(func(tx kvTx) error {
		if _, err := getServerTx(tx, tenant, name); err != nil {
			return err
		}
		var maps [][]byte
		if err := tx.scan(bucketMappings, append(key(tenant, name), 0), func(k, _ []byte) error {
			maps = append(maps, append([]byte(nil), k...))
			return nil
		}); err != nil {
			return err
		}
		for _, k := range maps {
			if err := tx.del(bucketMappings, k); err != nil {
				return err
			}
		}
		return tx.del(bucketServers, serverKey(tenant, name))
	})
}

func (s *store) CreateUserMapping(ctx context.Context, m UserMapping) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	opts, err := s.sealOptions(m.Options, mappingAD(m.Tenant, m.Server, m.User))
	if err != nil {
		return err
	}
	m.Options = opts
	return s.kv.update(func(tx kvTx) error {
		if _, err := getServerTx(tx, m.Tenant, m.Server); err != nil {
			return err
		}
		if tx.get(bucketMappings, mappingKey(m.Tenant, m.Server, m.User)) != nil {
			return errs.Errorf(errs.ErrAlreadyExists, "user mapping for \"%s\" already exists for server \"%s\"", m.User, m.Server)
		}
		return putJSON(tx, bucketMappings, mappingKey(m.Tenant, m.Server, m.User), m)
	})
}

func (s *store) getMapping(tenant, server, user string) (UserMapping, bool, error) {
	var m UserMapping
	found := false
	err := s.kv.view(func(tx kvTx) error {
		if _, err := getServerTx(tx, tenant, server); err != nil {
			return err
		}
		v := tx.get(bucketMappings, mappingKey(tenant, server, user))
		if v == nil {
			return nil
		}
		found = true
		if err := json.Unmarshal(v, &m); err != nil {
			return corrupt(err)
		}
		return nil
	})
	if err != nil || !found {
		return m, found, err
	}
	m.Options, err = s.openOptions(m.Options, mappingAD(tenant, server, user))
	return m, true, err
}

func (s *store) UserMapping(ctx context.Context, tenant, server, user string) (UserMapping, error) {
	if err := ctx.Err(); err != nil {
		return UserMapping{}, err
	}
	for _, u := range []string{user, PublicMapping} {
		m, ok, err := s.getMapping(tenant, server, u)
		if err != nil || ok {
			return m, err
		}
	}
	return UserMapping{}, errs.Errorf(errs.ErrNotFound, "user mapping not found for user \"%s\", server \"%s\"", user, server)
}

func (s *store) UpdateUserMapping(ctx context.Context, tenant, server, user string, fn func(*UserMapping) error) error {
	m, ok, err := s.getMapping(tenant, server, user)
	if err != nil {
		return err
	}
	if !ok {
		return errs.Errorf(errs.ErrNotFound, "user mapping for \"%s\" does not exist for server \"%s\"", user, server)
	}
	if err := fn(&m); err != nil {
		return err
	}
	if m.Options, err = s.sealOptions(m.Options, mappingAD(tenant, server, user)); err != nil {
		return err
	}
	return s.kv.update(func(tx kvTx) error {
		return putJSON(tx, bucketMappings, mappingKey(tenant, server, user), m)
	})
}

func (s *store) DropUserMapping(ctx context.Context, tenant, server, user string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.kv.update(func(tx kvTx) error {
		if _, err := getServerTx(tx, tenant, server); err != nil {
			return err
		}
		if tx.get(bucketMappings, mappingKey(tenant, server, user)) == nil {
			return errs.Errorf(errs.ErrNotFound, "user mapping for \"%s\" does not exist for server \"%s\"", user, server)
		}
		return tx.del(bucketMappings, mappingKey(tenant, server, user))
	})
}

// IsForeign reports whether t is a foreign table (its Options name a server).
func (t Table) IsForeign() bool {
	_, ok := t.Options[ForeignServerOption]
	return ok && t.SourceName() != SourceNative
}

// ForeignTablesOf lists the foreign tables of a tenant that read server, in name order.
func ForeignTablesOf(ctx context.Context, c Catalog, tenant, server string) ([]Table, error) {
	schemas, err := c.ListSchemas(ctx, tenant)
	if err != nil {
		return nil, err
	}
	var out []Table
	for _, sc := range schemas {
		ts, err := c.ListTables(ctx, tenant, sc)
		if err != nil && !errors.Is(err, errs.ErrNotFound) {
			return nil, err
		}
		for _, t := range ts {
			if t.IsForeign() && t.Options[ForeignServerOption] == server {
				out = append(out, t)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.Compare(out[i].Ref.String(), out[j].Ref.String()) < 0 })
	return out, nil
}
