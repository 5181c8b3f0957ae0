package files

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tern-db/tern/proto/errs"
)

// Access is the allow-list of directories SQL may read files from (tern serve --allow-dir).
// It satisfies planner.FileAccess. The zero value allows nothing.
type Access struct {
	AllowDirs []string
}

// CheckRead resolves path to an absolute, cleaned path with every symlink evaluated and
// returns it if it lies inside one of AllowDirs (themselves symlink-resolved). Otherwise it
// returns an error wrapping errs.ErrPermissionDenied; a missing file inside an allowed
// directory is errs.ErrNotFound. Relative paths are taken from the working directory.
func (a Access) CheckRead(path string) (string, error) {
	abs, err := absOrDenied(path)
	if err != nil {
		return "", err
	}
	resolved, exists, err := resolve(abs)
	if err != nil {
		return "", deniedPath(path)
	}
	for _, d := range a.AllowDirs {
		if d == "" {
			continue
		}
		dabs, err := filepath.Abs(d)
		if err != nil {
			continue
		}
		dir, dexists, err := resolve(dabs)
		if err != nil || !dexists {
			continue
		}
		if inside(dir, resolved) {
			if !exists {
				// PostgreSQL's wording; only inside an allowed directory, so that a refused
				// path never tells whether a file exists there.
				return "", errs.Errorf(errs.ErrNotFound, "could not open file \"%s\": No such file or directory", path)
			}
			return resolved, nil
		}
	}
	return "", deniedPath(path)
}

// resolve evaluates the symlinks of the longest existing prefix of abs and appends the rest
// (cleaned, so ".." in the missing part cannot climb back through a symlink).
func resolve(abs string) (string, bool, error) {
	abs = filepath.Clean(abs)
	p, err := filepath.EvalSymlinks(abs)
	if err == nil {
		return p, true, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		// e.g. a symlink loop or a permission error: not readable.
		return "", false, err
	}
	parent, base := filepath.Dir(abs), filepath.Base(abs)
	if parent == abs {
		return "", false, err
	}
	rp, _, err := resolve(parent)
	if err != nil {
		return "", false, err
	}
	if _, serr := os.Lstat(rp); serr != nil && !errors.Is(serr, fs.ErrNotExist) {
		return "", false, serr
	}
	return filepath.Join(rp, base), false, nil
}

// inside reports whether p is dir or lies under it; both are clean absolute paths.
func inside(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	if err != nil {
		return false
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel))
}

// CheckWrite decides whether COPY ... TO may write path: its directory must exist inside one
// of AllowDirs (symlinks resolved), and path must not name a directory or a symlink (an
// existing regular file is replaced). It returns the absolute path to write. Refusals are
// PermissionDenied and say nothing about what exists outside the allowed directories.
func (a Access) CheckWrite(path string) (string, error) {
	abs, err := absOrDenied(path)
	if err != nil {
		return "", err
	}
	dir, err := a.CheckRead(filepath.Dir(abs))
	if err != nil {
		if errors.Is(err, errs.ErrNotFound) {
			return "", errs.Errorf(errs.ErrNotFound, "could not open file \"%s\" for writing: No such file or directory", path)
		}
		return "", err
	}
	out := filepath.Join(dir, filepath.Base(abs))
	if fi, err := os.Lstat(out); err == nil && !fi.Mode().IsRegular() {
		return "", errs.Errorf(errs.ErrInvalidArgument, "\"%s\" exists and is not a regular file", path)
	}
	return out, nil
}

// absOrDenied returns the absolute form of path, or the refusal every check gives.
func absOrDenied(path string) (string, error) {
	if path != "" && !strings.ContainsRune(path, 0) {
		if abs, err := filepath.Abs(path); err == nil {
			return abs, nil
		}
	}
	return "", deniedPath(path)
}

func deniedPath(path string) error {
	return errs.Errorf(errs.ErrPermissionDenied, "path %q is not under an allowed directory (--allow-dir)", path)
}
