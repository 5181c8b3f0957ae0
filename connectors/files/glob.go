package files

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tern-db/tern/proto/errs"
)

// Globs in read_parquet/read_csv/read_json and COPY FROM (decided):
//   - `*`, `?` and `[...]` match within one path segment, as filepath.Match;
//   - a segment that is exactly `**` matches zero or more directories ('dir/**/*.csv');
//   - hidden entries (names starting with '.') are matched only by a pattern segment that
//     starts with '.' themselves (temporary files of writers are not picked up);
//   - matches are sorted, so a load reads files in a stable order;
//   - the directory a pattern starts from (its longest prefix without wildcards) must pass
//     the allow-list before it is listed, and every match is checked again (symlinks).
//
// A pattern that matches nothing is NotFound.

// HasGlob reports whether path contains wildcard characters.
func HasGlob(path string) bool { return strings.ContainsAny(path, "*?[") }

// Expand returns the files matching pattern, each checked by check (the allow-list, which
// returns the resolved path). Without wildcards it is check(pattern).
func Expand(pattern string, check func(string) (string, error)) ([]string, error) {
	if !HasGlob(pattern) {
		p, err := check(pattern)
		if err != nil {
			return nil, err
		}
		return []string{p}, nil
	}
	abs, err := filepath.Abs(pattern)
	if err != nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "bad path pattern %q", pattern)
	}
	segs := strings.Split(filepath.ToSlash(abs), "/")
	fixed := 0
	for fixed < len(segs) && !HasGlob(segs[fixed]) {
		fixed++
	}
	base := "/" + filepath.Join(segs[:fixed]...)
	root, err := check(base) // the allow-list decides before anything is listed
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	var walk func(dir string, rest []string) error
	walk = func(dir string, rest []string) error {
		if len(rest) == 0 {
			return nil
		}
		seg := rest[0]
		if seg == "**" {
			if err := walk(dir, rest[1:]); err != nil { // zero directories
				return err
			}
			return eachEntry(dir, func(e fs.DirEntry) error {
				if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
					return walk(filepath.Join(dir, e.Name()), rest)
				}
				return nil
			})
		}
		return eachEntry(dir, func(e fs.DirEntry) error {
			name := e.Name()
			if strings.HasPrefix(name, ".") && !strings.HasPrefix(seg, ".") {
				return nil
			}
			ok, err := filepath.Match(seg, name)
			if err != nil {
				return errs.Errorf(errs.ErrInvalidArgument, "bad path pattern %q: %v", pattern, err)
			}
			if !ok {
				return nil
			}
			p := filepath.Join(dir, name)
			if len(rest) > 1 {
				if e.IsDir() {
					return walk(p, rest[1:])
				}
				return nil
			}
			if e.IsDir() {
				return nil
			}
			r, err := check(p)
			if err != nil {
				return err
			}
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
			return nil
		})
	}
	if err := walk(root, segs[fixed:]); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errs.Errorf(errs.ErrNotFound, "no files match \"%s\"", pattern)
	}
	sort.Strings(out)
	return out, nil
}

func eachEntry(dir string, fn func(fs.DirEntry) error) error {
	entries, err := readDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return openError(dir, err)
	}
	for _, e := range entries {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

var readDir = os.ReadDir
