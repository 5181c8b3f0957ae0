package coordinator

import (
	"context"
	"os"
	"path/filepath"
	"sync"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/native"
)

// Staged writes: some changes need a writer's durable files without committing them at once
// (ingest REPLACE removes the old files in the same commit; a transaction commits the files
// of all its statements together at Commit). The native writer commits through its
// store's catalog, so a staging store hands it a catalog that records the commit instead of
// applying it. The files are then committed (or removed) by the caller.

// stagingCatalog is the real catalog except that CommitSnapshot only records the commits.
type stagingCatalog struct {
	catalog.Catalog
	mu     sync.Mutex
	staged []catalog.Commit
}

func (c *stagingCatalog) CommitSnapshot(_ context.Context, commits ...catalog.Commit) ([]catalog.Snapshot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.staged = append(c.staged, commits...)
	out := make([]catalog.Snapshot, len(commits))
	for i, cm := range commits {
		out[i] = catalog.Snapshot{Operation: cm.Operation, Files: cm.Add}
	}
	return out, nil
}

// stage runs write with a writer for t whose commit is recorded, not applied, and returns the
// files written (durable, referenced by no snapshot) and write's row count. On error nothing
// is left on disk.
func (c *Coordinator) stage(ctx context.Context, t catalog.Table, write func(*native.Writer) (int64, error)) ([]catalog.DataFile, int64, error) {
	sc := &stagingCatalog{Catalog: c.cat}
	st := native.New(c.store.DataDir(), sc)
	st.RowGroupRows, st.FileBytes, st.Alloc = c.store.RowGroupRows, c.store.FileBytes, c.store.Alloc
	w := st.NewWriter(t)
	n, err := write(w)
	if err != nil {
		w.Abort()
		return nil, 0, err
	}
	if _, err := w.Commit(ctx, t.CurrentSnapshot, "stage"); err != nil { // aborts on error
		return nil, 0, err
	}
	var files []catalog.DataFile
	for _, cm := range sc.staged {
		files = append(files, cm.Add...)
	}
	return files, n, nil
}

// removeFiles deletes data files that no snapshot references (a failed staged write).
func (c *Coordinator) removeFiles(files []catalog.DataFile) {
	for _, f := range files {
		os.Remove(filepath.Join(c.store.DataDir(), filepath.FromSlash(f.Path)))
	}
}
