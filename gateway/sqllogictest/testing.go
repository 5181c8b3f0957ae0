package sqllogictest

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// DefaultPostgresDSN is the PostgreSQL that .slt files are replayed against when TERN_SLT_PG
// is not set.
const DefaultPostgresDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// PostgresDSN returns $TERN_SLT_PG or DefaultPostgresDSN.
func PostgresDSN() string {
	if dsn := os.Getenv("TERN_SLT_PG"); dsn != "" {
		return dsn
	}
	return DefaultPostgresDSN
}

// OpenPostgresT opens a Postgres in a fresh schema for t and drops it when t ends. When
// PostgreSQL cannot be reached it skips t, saying why, except with CI=true where that fails t.
func OpenPostgresT(t *testing.T) *Postgres {
	t.Helper()
	dsn := PostgresDSN()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	db, err := OpenPostgres(ctx, dsn)
	if err != nil {
		msg := "PostgreSQL at " + redactDSN(dsn) + " (set TERN_SLT_PG to change) is unreachable: " + err.Error()
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := db.Close(ctx); err != nil {
			t.Errorf("closing PostgreSQL: %v", err)
		}
	})
	return db
}

// redactDSN hides a password in a postgres:// URL.
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return dsn
}

// RunFiles runs every file matching pattern (a filepath.Glob pattern) as a subtest of t named
// after the file without ".slt". open returns a DB in a fresh state for that file; it gets the
// subtest so it can register cleanups and skip. Every failure is reported with its file:line.
func RunFiles(t *testing.T, pattern, engine string, rewrite bool, open func(t *testing.T) DB) {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no .slt files match %s", pattern)
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".slt")
		t.Run(name, func(t *testing.T) {
			db := open(t)
			r := &Runner{DB: db, Engine: engine, Rewrite: rewrite}
			rep, err := r.RunFile(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Failures {
				t.Error(f.Error())
			}
			if len(rep.Failures) >= r.maxFailures() {
				t.Errorf("%s: stopped after %d failures", path, len(rep.Failures))
			}
			for _, s := range rep.Slow {
				t.Logf("slow record: %s", s)
			}
			for _, p := range rep.Rewritten {
				t.Logf("rewrote %s", p)
			}
			t.Logf("%s on %s: %d statements, %d queries, %d records skipped, %d failures",
				path, engine, rep.Statements, rep.Queries, rep.Skipped, len(rep.Failures))
		})
	}
}
