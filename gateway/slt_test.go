package gateway_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/tern-db/tern/gateway"
	"github.com/tern-db/tern/gateway/sqllogictest"
)

var sltRewrite = flag.Bool("slt.rewrite", false,
	"rewrite the expected output in testdata/slt/*.slt from the results of the engine under test "+
		"(use with -run 'TestSLTPostgres$' to take PostgreSQL's answers)")

const sltFiles = "../testdata/slt/*.slt"

// TestSLT runs every testdata/slt file against an in-process Tern server through arrow-go's
// Flight SQL client, each file on a fresh server with an empty data directory.
func TestSLT(t *testing.T) {
	sqllogictest.RunFiles(t, sltFiles, "tern", *sltRewrite, openTern)
}

// TestSLTPostgres replays every testdata/slt file against PostgreSQL (TERN_SLT_PG, default
// postgres://postgres@127.0.0.1:5432/test), each file in a fresh schema: the expected output
// in the files is PostgreSQL's. Skipped when PostgreSQL is unreachable, except with CI=true.
func TestSLTPostgres(t *testing.T) {
	sqllogictest.OpenPostgresT(t) // skip (or fail on CI) once, naming why
	sqllogictest.RunFiles(t, sltFiles, "postgres", *sltRewrite, func(t *testing.T) sqllogictest.DB {
		return sqllogictest.OpenPostgresT(t)
	})
}

func openTern(t *testing.T) sqllogictest.DB {
	t.Helper()
	testdata, err := filepath.Abs("../testdata")
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{testdata}
	tpch, tpchErr := sqllogictest.FindTPCHDir()
	if tpchErr == nil {
		dirs = append(dirs, tpch)
	}
	return &ternDB{DB: openTernWithDirs(t, dirs...), tpch: tpch, tpchErr: tpchErr}
}

// ternDB is an in-process Tern with the `load` record: `load tpch` creates the TPC-H tables
// and COPYs SF0.1 into them on this (fresh) server.
type ternDB struct {
	sqllogictest.DB
	tpch    string
	tpchErr error
}

func (db *ternDB) Load(ctx context.Context, dataset string) error {
	if dataset != "tpch" {
		return fmt.Errorf("unknown data set %q (known: tpch)", dataset)
	}
	if db.tpchErr != nil {
		return db.tpchErr
	}
	return loadTPCHTables(ctx, db.DB, db.tpch)
}

// openTernWithDirs starts an in-process server on a fresh data directory that may read files
// under allowDirs, and connects to it through arrow-go's Flight SQL client.
func openTernWithDirs(t *testing.T, allowDirs ...string) sqllogictest.DB {
	t.Helper()
	_, db := serveTern(t, allowDirs...)
	return db
}

// serveTern is openTernWithDirs that also returns the server's address.
func serveTern(t *testing.T, allowDirs ...string) (string, sqllogictest.DB) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, _, err := gateway.New(ctx, gateway.Config{
		Listen:        "127.0.0.1:0",
		DataDir:       t.TempDir(),
		AdminPassword: "slt",
		AllowDirs:     allowDirs,
		Logger:        slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		cancel()
		t.Fatalf("starting Tern: %v", err)
	}
	if err := srv.Listen(); err != nil {
		cancel()
		t.Fatalf("starting Tern: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Tern server: %v", err)
		}
	})
	db, err := sqllogictest.OpenFlightSQL(ctx, srv.Addr(), "admin", "slt")
	if err != nil {
		t.Fatalf("connecting to Tern: %v", err)
	}
	t.Cleanup(func() { // runs before the server stops
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return srv.Addr(), db
}
