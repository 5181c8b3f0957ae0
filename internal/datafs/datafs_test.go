package datafs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/tern-db/tern/proto/errs"
)

// Modes hold whatever the umask: 0 would widen, 0277 would leave the owner without write.
func TestModesIgnoreUmask(t *testing.T) {
	for _, mask := range []int{0, 0o277} {
		old := syscall.Umask(mask)
		dir := filepath.Join(t.TempDir(), "a", "b")
		err := MkdirAll(dir)
		var f *os.File
		if err == nil {
			f, err = Create(filepath.Join(dir, "x"))
		}
		if err == nil {
			_, err = f.Write([]byte("data"))
			f.Close()
		}
		if err == nil {
			err = WriteFileAtomic(filepath.Join(dir, "k"), []byte("key"))
		}
		syscall.Umask(old)
		if err != nil {
			t.Fatalf("umask %04o: %v", mask, err)
		}
		for p, want := range map[string]os.FileMode{filepath.Dir(dir): DirMode, dir: DirMode, filepath.Join(dir, "x"): FileMode, filepath.Join(dir, "k"): FileMode} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != want {
				t.Errorf("umask %04o: %s has mode %04o, want %04o", mask, p, fi.Mode().Perm(), want)
			}
		}
	}
}

func TestPrepareDataDirTightens(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	if err := PrepareDataDir(dir, nil); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != DirMode {
		t.Fatalf("mode %04o", fi.Mode().Perm())
	}
}

func TestIOError(t *testing.T) {
	wrap := func(e error) error { return fmt.Errorf("write: %w", &os.PathError{Op: "write", Path: "/x", Err: e}) }
	for _, c := range []struct {
		in   error
		want error
		msg  string
	}{
		{wrap(syscall.ENOSPC), errs.ErrResourceExhausted, `resource exhausted: disk full while writing relation "t"`},
		{wrap(syscall.EDQUOT), errs.ErrResourceExhausted, `resource exhausted: disk quota exceeded while writing relation "t"`},
		{wrap(syscall.EROFS), errs.ErrFailedPrecondition, `failed precondition: read-only file system while writing relation "t"`},
		{wrap(syscall.EIO), errs.ErrSourceUnavailable, `source unavailable: I/O error while writing relation "t"`},
	} {
		got := IOError(`relation "t"`, c.in)
		if !errors.Is(got, c.want) || got.Error() != c.msg {
			t.Errorf("%v -> %v", c.in, got)
		}
	}
	if other := errors.New("x"); IOError("y", other) != other {
		t.Error("other errors must pass unchanged")
	}
}
