package native

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"regexp"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/errs"
)

// Defaults for the files a Writer produces.
const (
	DefaultRowGroupRows = 1 << 20   // rows per Parquet row group at most
	DefaultFileBytes    = 256 << 20 // a file is closed once it holds about this many bytes
	DefaultBufferBytes  = 64 << 20  // rows a partitioned or clustered write buffers at most
)

// Store is the native table storage under one data directory.
type Store struct {
	dataDir string
	cat     catalog.Catalog

	// RowGroupRows and FileBytes bound row groups and files (0: the defaults above).
	RowGroupRows int64
	FileBytes    int64
	// BufferBytes bounds the rows a partitioned or clustered write holds before flushing
	// the largest partition (0: DefaultBufferBytes).
	BufferBytes int64
	// Alloc is used by the store's own work: writing, compaction (nil: memory.DefaultAllocator).
	// Scans take the query's exec.Env (connector.go).
	Alloc memory.Allocator
}

// New returns the store of dataDir whose tables cat describes.
func New(dataDir string, cat catalog.Catalog) *Store {
	return &Store{dataDir: dataDir, cat: cat}
}

// DataDir returns the data directory; DataFile paths are relative to it.
func (s *Store) DataDir() string { return s.dataDir }

// Catalog returns the store's catalog.
func (s *Store) Catalog() catalog.Catalog { return s.cat }

// ArrowSchema returns the Arrow schema of t's rows (catalog.Type.Arrow for each column).
func ArrowSchema(t catalog.Table) *arrow.Schema {
	fields := make([]arrow.Field, len(t.Columns))
	for i, c := range t.Columns {
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: c.Nullable}
	}
	return arrow.NewSchema(fields, nil)
}

// SnapshotFiles returns the absolute paths of the data files of one snapshot of t
// (planner.TableFiles).
func (s *Store) SnapshotFiles(ctx context.Context, t catalog.Table, snapshot uint64) ([]string, error) {
	snap, err := s.cat.Snapshot(ctx, t.ID, snapshot)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(snap.Files))
	for i, f := range snap.Files {
		out[i] = s.abs(f.Path)
	}
	return out, nil
}

func (s *Store) abs(rel string) string { return filepath.Join(s.dataDir, filepath.FromSlash(rel)) }

// Insert writes every row of src into t and commits a snapshot on top of base.
func (s *Store) Insert(ctx context.Context, t catalog.Table, base uint64, op string, src exec.Operator) (catalog.Snapshot, error) {
	w := s.NewWriter(t)
	if err := w.WriteAll(ctx, src); err != nil {
		w.Abort()
		return catalog.Snapshot{}, err
	}
	return w.Commit(ctx, base, op)
}

// CreateTableAs creates t filled with every row of src in one catalog transaction: if
// anything fails, neither the table nor its files remain.
func (s *Store) CreateTableAs(ctx context.Context, t catalog.Table, src exec.Operator) (catalog.Table, error) {
	t.ID = 0
	w := s.NewWriter(t)
	if err := w.WriteAll(ctx, src); err != nil {
		w.Abort()
		return catalog.Table{}, err
	}
	return w.CommitCreate(ctx)
}

// Clean deletes the files of dropped tables that the catalog recorded, then forgets them.
// Call it when no query can still read a dropped table (e.g. at start-up).
func (s *Store) Clean(ctx context.Context) error {
	j, ok := s.cat.(catalog.Janitor)
	if !ok {
		return nil
	}
	paths, err := j.DroppedFiles(ctx)
	if err != nil {
		return err
	}
	var done []string
	dirs := map[string]bool{}
	for _, p := range paths {
		abs := s.abs(p)
		if err := os.Remove(abs); err != nil && !errors.Is(err, os.ErrNotExist) {
			continue
		}
		dirs[filepath.Dir(abs)] = true
		done = append(done, p)
	}
	for d := range dirs {
		os.Remove(d) // only succeeds when empty
	}
	return j.ForgetDroppedFiles(ctx, done)
}

// ---- layout

var safeName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

// dirName maps a tenant name onto one safe path element: as is when it is plain, else "~"
// and its hex (never equal to a plain name, which cannot start with "~").
func dirName(s string) string {
	if safeName.MatchString(s) && len(s) <= 64 {
		return s
	}
	if len(s) <= 64 {
		return "~" + hex.EncodeToString([]byte(s))
	}
	sum := sha256.Sum256([]byte(s))
	return "~~" + hex.EncodeToString(sum[:])
}

// notNull is PostgreSQL's 23502 message. Like CHECK violations (23514) it is
// errs.ErrInvalidArgument: the rows sent are wrong, and retrying them cannot succeed.
func notNull(col, table string) error {
	return errs.Errorf(errs.ErrInvalidArgument, "null value in column \"%s\" of relation \"%s\" violates not-null constraint", col, table)
}

// SnapshotDataFiles returns the data files of one snapshot of t with their statistics
// (planner.TableDataFiles: pruning and dry runs).
func (s *Store) SnapshotDataFiles(ctx context.Context, t catalog.Table, snapshot uint64) ([]catalog.DataFile, error) {
	snap, err := s.cat.Snapshot(ctx, t.ID, snapshot)
	if err != nil {
		return nil, err
	}
	// statistics in the order of the columns read (evolve.go)
	cols := t.ColumnsAt(snapshot)
	out := make([]catalog.DataFile, len(snap.Files))
	for i, f := range snap.Files {
		out[i] = t.AlignStats(f, cols)
	}
	return out, nil
}

// AbsPath returns the absolute path of a data file path relative to the data directory.
func (s *Store) AbsPath(rel string) string { return s.abs(rel) }
