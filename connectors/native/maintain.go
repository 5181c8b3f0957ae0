package native

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/proto/errs"
)

// Background maintenance: snapshot expiry, file cleaning, orphan sweeping and compaction.
//
//   - A snapshot that stopped being current more than the table's snapshot_retention ago
//     (DefaultRetention) is expired: time travel cannot reach it any more, and files only it
//     held are recorded for deletion.
//   - Recorded files (expired snapshots, dropped tables) are deleted FileGrace after they were
//     recorded, so that queries planned just before still read them.
//   - Orphans (files under tables/ that no snapshot holds and nothing recorded, e.g. from a
//     crash between writing and committing) are deleted once older than OrphanGrace: a write
//     in progress or a transaction's staged files are younger than that.
//   - Compaction merges small files per partition (compact.go).

// Defaults for maintenance.
const (
	DefaultRetention   = 7 * 24 * time.Hour
	DefaultFileGrace   = time.Hour
	DefaultOrphanGrace = 6 * time.Hour
	DefaultMaintEvery  = time.Minute
)

// Maintenance configures background maintenance; zero fields take the defaults above.
type Maintenance struct {
	Every       time.Duration
	FileGrace   time.Duration
	OrphanGrace time.Duration
	// NoCompaction turns compaction off (snapshot expiry and cleaning still run).
	NoCompaction bool
	Logger       *slog.Logger
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Retention returns how long t's replaced snapshots stay readable.
func Retention(t catalog.Table) time.Duration {
	if s, ok := t.Options[OptRetention]; ok {
		if d, err := ParseDuration(s); err == nil {
			return d
		}
	}
	return DefaultRetention
}

// Run performs maintenance every m.Every until ctx is cancelled. Errors are logged, never
// fatal. It is the owner's goroutine (the gateway starts it for its lifetime).
func (s *Store) Run(ctx context.Context, m Maintenance) {
	every := orDefault(m.Every, DefaultMaintEvery)
	log := m.Logger
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.MaintainOnce(ctx, m); err != nil && ctx.Err() == nil {
			log.Warn("storage maintenance", "err", err)
		}
	}
}

// MaintainOnce runs one maintenance pass over every table.
func (s *Store) MaintainOnce(ctx context.Context, m Maintenance) error {
	h, ok := s.cat.(catalog.History)
	if !ok {
		return nil
	}
	tables, err := h.AllTables(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	var errsSeen []error
	for _, t := range tables {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !m.NoCompaction {
			if _, err := s.Compact(ctx, t.Ref, CompactOptions{}); err != nil && !errors.Is(err, errs.ErrConflict) && !errors.Is(err, errs.ErrNotFound) {
				errsSeen = append(errsSeen, err)
			}
		}
		if _, err := h.ExpireSnapshots(ctx, t.ID, now.Add(-Retention(t))); err != nil && !errors.Is(err, errs.ErrNotFound) {
			errsSeen = append(errsSeen, err)
		}
	}
	if err := s.CleanBefore(ctx, now.Add(-orDefault(m.FileGrace, DefaultFileGrace))); err != nil {
		errsSeen = append(errsSeen, err)
	}
	if _, err := s.SweepOrphans(ctx, now.Add(-orDefault(m.OrphanGrace, DefaultOrphanGrace))); err != nil {
		errsSeen = append(errsSeen, err)
	}
	return errors.Join(errsSeen...)
}

// CleanBefore deletes the files recorded for deletion before t, then forgets them.
func (s *Store) CleanBefore(ctx context.Context, t time.Time) error {
	h, ok1 := s.cat.(catalog.History)
	j, ok2 := s.cat.(catalog.Janitor)
	if !ok1 || !ok2 {
		return nil
	}
	paths, err := h.DroppedFilesBefore(ctx, t)
	if err != nil || len(paths) == 0 {
		return err
	}
	return s.removeRecorded(ctx, j, paths)
}

func (s *Store) removeRecorded(ctx context.Context, j catalog.Janitor, paths []string) error {
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

// SweepOrphans deletes the data files under tables/ that no retained snapshot holds and that
// were last modified before t. It returns how many it deleted.
func (s *Store) SweepOrphans(ctx context.Context, t time.Time) (int, error) {
	h, ok := s.cat.(catalog.History)
	if !ok {
		return 0, nil
	}
	// Read the references after listing candidates' times: a file committed in between is
	// in the reference set (commits only add references to files that already exist).
	root := s.abs("tables")
	var candidates []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".parquet") {
			return nil
		}
		info, err := d.Info()
		if err != nil || !info.ModTime().Before(t) {
			return nil
		}
		rel, err := filepath.Rel(s.dataDir, p)
		if err != nil {
			return nil
		}
		candidates = append(candidates, filepath.ToSlash(rel))
		return nil
	})
	if err != nil || len(candidates) == 0 {
		return 0, err
	}
	refs, err := h.ReferencedFiles(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, rel := range candidates {
		if refs[rel] {
			continue
		}
		if os.Remove(s.abs(rel)) == nil {
			n++
			os.Remove(s.abs(path.Dir(rel))) // only when empty
		}
	}
	return n, nil
}

// CommitChange commits a change made by several writers (Writer.Close): the files added and
// the paths removed, on top of base; with rebase, a newer snapshot is fine as long as the
// removed files are all still there (catalog.Commit.Rebase). On error the added files are
// deleted.
func (s *Store) CommitChange(ctx context.Context, t catalog.Table, base uint64, add []catalog.DataFile, remove []string, op string, rebase bool) (catalog.Snapshot, error) {
	cur, err := s.cat.GetTable(ctx, t.Ref)
	if err == nil && cur.ID != t.ID {
		err = errs.Errorf(errs.ErrConflict, "relation %q was dropped and created again", t.Ref.String())
	}
	if err == nil {
		var snaps []catalog.Snapshot
		snaps, err = s.cat.CommitSnapshot(ctx, catalog.Commit{Ref: t.Ref, Base: base, Add: add, Remove: remove, Operation: op, Rebase: rebase})
		if err == nil {
			return snaps[0], nil
		}
	}
	s.RemoveFiles(add)
	return catalog.Snapshot{}, err
}

// RemoveFiles deletes data files no snapshot references (a change that failed).
func (s *Store) RemoveFiles(files []catalog.DataFile) {
	for _, f := range files {
		os.Remove(s.abs(f.Path))
	}
}
