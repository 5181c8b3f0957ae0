// Package datafs creates the files and directories of Tern's data directory (tables,
// transaction staging, catalog, signing key) owner-only, whatever the process umask, and
// maps the errors of a failing disk onto clear error kinds.
//
// Modes: directories 0700, files 0600. A umask only removes bits, but an unusual one (0277)
// would leave the owner unable to write, so every created path is chmod-ed explicitly.
package datafs

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"

	"github.com/tern-db/tern/proto/errs"
)

const (
	DirMode  fs.FileMode = 0o700
	FileMode fs.FileMode = 0o600
)

// MkdirAll creates dir and its missing parents with DirMode. Directories that exist keep
// their mode (the data directory itself is checked once by PrepareDataDir).
func MkdirAll(dir string) error {
	dir = filepath.Clean(dir)
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: syscall.ENOTDIR}
		}
		return nil
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := MkdirAll(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, DirMode); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil // made concurrently
		}
		return err
	}
	return os.Chmod(dir, DirMode)
}

// Create creates a new file (it must not exist) with FileMode, for writing.
func Create(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, FileMode)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(FileMode); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	return f, nil
}

// WriteFileAtomic writes data to path through a temporary file in the same directory that
// is fsynced and renamed over path, so that readers see the old content or the new, never a
// part. The temporary file is removed on failure.
func WriteFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	err = tmp.Chmod(FileMode)
	if err == nil {
		_, err = tmp.Write(data)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
	}
	return err
}

// PrepareDataDir creates the data directory (DirMode) or, when it exists with group or
// other permissions (made beforehand by a user whose umask is 022), tightens it to DirMode
// and logs that it did: with the top directory closed, nothing under it can be reached by
// other local users, whatever the modes of files written by older versions.
func PrepareDataDir(dir string, log *slog.Logger) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return MkdirAll(dir)
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		if err := os.Chmod(dir, DirMode); err != nil {
			return fmt.Errorf("data directory %s is accessible to other users (mode %04o) and could not be restricted: %w", dir, perm, err)
		}
		if log != nil {
			log.Warn("data directory was accessible to other users; restricted it to its owner", "dir", dir, "was", fmt.Sprintf("%04o", perm), "now", fmt.Sprintf("%04o", DirMode))
		}
	}
	return nil
}

// IOError maps an error of writing what (e.g. `relation "t"`) to an error kind a client can
// act on: a full disk or an exceeded quota is ResourceExhausted naming what was written, a
// read-only file system FailedPrecondition, an I/O error Unavailable. Other errors, and
// cancellation, are returned as they are (nil stays nil).
func IOError(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, syscall.ENOSPC):
		return errs.Errorf(errs.ErrResourceExhausted, "disk full while writing %s", what)
	case errors.Is(err, syscall.EDQUOT):
		return errs.Errorf(errs.ErrResourceExhausted, "disk quota exceeded while writing %s", what)
	case errors.Is(err, syscall.EROFS):
		return errs.Errorf(errs.ErrFailedPrecondition, "read-only file system while writing %s", what)
	case errors.Is(err, syscall.EIO):
		return errs.Errorf(errs.ErrSourceUnavailable, "I/O error while writing %s", what)
	}
	return err
}

// IsDiskError reports whether IOError would map err to a specific kind.
func IsDiskError(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EIO)
}
