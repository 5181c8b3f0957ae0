package catalog

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tern-db/tern/proto/errs"
)

// Servers and mappings survive a restart with their secrets sealed in the file.
func TestForeignStorePersistsSealed(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	open := func(key string) Catalog {
		c, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := SetSecretKey(c, []byte(key)); err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := open("key one")
	fs := c.(ForeignStore)
	if err := fs.CreateServer(ctx, ForeignServer{Tenant: "default", Name: "pg", Wrapper: "postgres", Options: map[string]string{"host": "h", "sslkey": "K3y-xyz"}}); err != nil {
		t.Fatal(err)
	}
	err := fs.CreateServer(ctx, ForeignServer{Tenant: "default", Name: "pg", Wrapper: "postgres"})
	if !errors.Is(err, errs.ErrAlreadyExists) || !strings.Contains(err.Error(), `server "pg" already exists`) {
		t.Fatalf("duplicate server: %v", err)
	}
	if err := fs.CreateUserMapping(ctx, UserMapping{Tenant: "default", Server: "pg", User: "ann", Options: map[string]string{"user": "u", "password": "Pw-abc-123"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.UserMapping(ctx, "default", "pg", "bob"); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("bob has no mapping: %v", err)
	}
	c.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"K3y-xyz", "Pw-abc-123"} {
		if strings.Contains(string(raw), s) {
			t.Fatalf("%s is in the catalog file", s)
		}
	}
	c = open("key one")
	m, err := c.(ForeignStore).UserMapping(ctx, "default", "pg", "ann")
	if err != nil || m.Options["password"] != "Pw-abc-123" {
		t.Fatalf("after restart: %v %v", m.Options, err)
	}
	srv, err := c.(ForeignStore).GetServer(ctx, "default", "pg")
	if err != nil || srv.Options["sslkey"] != "K3y-xyz" || srv.Options["host"] != "h" {
		t.Fatalf("server after restart: %v %v", srv.Options, err)
	}
	c.Close()
	c = open("another key")
	defer c.Close()
	_, err = c.(ForeignStore).UserMapping(ctx, "default", "pg", "ann")
	if !errors.Is(err, errs.ErrFailedPrecondition) || strings.Contains(err.Error(), "Pw-abc-123") {
		t.Fatalf("another key: %v", err)
	}
}
