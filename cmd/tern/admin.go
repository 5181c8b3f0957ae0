package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/gateway"
	"github.com/tern-db/tern/proto/errs"
)

const adminUsage = `Usage: tern admin reset-password [flags]

Sets a user's password in a data directory whose server is stopped (the directory is locked
while a server runs; a logged-in admin can use ALTER USER name PASSWORD '...' instead).
The new password is, in this order: the first line of stdin with --password-stdin, else
$TERN_ADMIN_PASSWORD, else a generated one, printed once. The admin user is created if it
was missing; other users must exist.

Flags:
`

func admin(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "reset-password" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stdout, adminUsage)
			return 0
		}
		fmt.Fprint(stderr, adminUsage)
		return 2
	}
	fs := flag.NewFlagSet("admin reset-password", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), adminUsage)
		fs.PrintDefaults()
	}
	data := fs.String("data", "./tern-data", "data directory of the (stopped) server")
	user := fs.String("user", catalog.AdminUser, "user whose password to set (tenant/user for another tenant)")
	fromStdin := fs.Bool("password-stdin", false, "read the new password from the first line of stdin")
	if code, done := parseFlags(fs, args[1:], stdout); done {
		return code
	}
	if err := resetPassword(context.Background(), *data, *user, *fromStdin, stdin, stdout); err != nil {
		fmt.Fprintf(stderr, "tern: %s\n", errs.Message(err))
		return 1
	}
	return 0
}

func resetPassword(ctx context.Context, data, user string, fromStdin bool, stdin io.Reader, stdout io.Writer) error {
	dir, err := filepath.Abs(data)
	if err != nil {
		return err
	}
	dbPath := filepath.Join(dir, "catalog.db")
	if _, err := os.Stat(dbPath); err != nil {
		return fmt.Errorf("%s is not a Tern data directory (no catalog.db): %v", dir, err)
	}
	unlock, err := lockDataDir(dir, false)
	if errors.Is(err, errDataDirInUse) {
		return fmt.Errorf("%w; while the server runs, an admin can use ALTER USER name PASSWORD '...' instead", err)
	} else if err != nil {
		return err
	}
	defer unlock()

	var password string
	generated := false
	switch {
	case fromStdin:
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("reading the password from stdin: %v", err)
		}
		password = strings.TrimRight(line, "\r\n")
		if password == "" {
			return fmt.Errorf("--password-stdin: stdin gave an empty password")
		}
	case os.Getenv("TERN_ADMIN_PASSWORD") != "":
		password = os.Getenv("TERN_ADMIN_PASSWORD")
	default:
		if password, err = gateway.GeneratePassword(); err != nil {
			return err
		}
		generated = true
	}
	hash, err := gateway.HashPassword(password)
	if err != nil {
		return err
	}

	tenant, name := catalog.DefaultTenant, user
	if t, u, ok := strings.Cut(user, "/"); ok {
		tenant, name = t, u
	}
	cat, err := catalog.Open(dbPath)
	if err != nil {
		return err
	}
	defer cat.Close()
	if _, err := cat.GetUser(ctx, tenant, name); err != nil {
		if !errors.Is(err, errs.ErrNotFound) || name != catalog.AdminUser || tenant != catalog.DefaultTenant {
			return err
		}
	}
	if err := cat.PutUser(ctx, catalog.User{Tenant: tenant, Name: name, PasswordHash: hash}); err != nil {
		return err
	}
	if generated {
		fmt.Fprintf(stdout, "tern: new password of user %s: %s\n", user, password)
	} else {
		fmt.Fprintf(stdout, "tern: password of user %s set\n", user)
	}
	return nil
}

var errDataDirInUse = errors.New("is in use by another process")

// lockDataDir takes an exclusive lock on <dir>/tern.lock (creating dir, 0700, when create is
// set), held until unlock or process exit. A second server, or reset-password while a
// server runs, gets a message naming the directory instead of a catalog timeout.
func lockDataDir(dir string, create bool) (unlock func(), err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if create {
		if err := os.MkdirAll(abs, 0o700); err != nil {
			return nil, fmt.Errorf("creating data directory %s: %w", abs, err)
		}
	}
	path := filepath.Join(abs, "tern.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("locking data directory %s: %w", abs, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("data directory %s %w (a running tern serve?); stop it or choose another --data (lock file %s)", abs, errDataDirInUse, path)
		}
		return nil, fmt.Errorf("locking data directory %s: %w", abs, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
