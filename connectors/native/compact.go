package native

import (
	"context"
	"sort"
	"strconv"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/exec"
)

// Compaction merges the small files of each partition (many appends of a few rows each)
// into files of about the target size, sorted by the clustering columns, and commits them
// as one snapshot that replaces the small files. It takes no lock: readers keep reading the
// snapshot they pinned, appends that commit meanwhile are kept (the commit rebases over
// them), and if another change removed one of the same files first, compaction loses the
// race (errs.ErrConflict) and removes what it wrote.

// DefaultTargetFileBytes is the size compaction aims for.
const DefaultTargetFileBytes = 128 << 20

// CompactOptions tune one compaction.
type CompactOptions struct {
	TargetBytes int64 // 0: the table's target_file_size_mb, else DefaultTargetFileBytes
	MinFiles    int   // a partition is compacted when it has at least this many small files (0: 4)
}

// CompactResult says what a compaction did.
type CompactResult struct {
	Snapshot     uint64 // the new snapshot (0: nothing to do)
	FilesRemoved int
	FilesAdded   int
	Partitions   int
}

// Compact merges the small files of ref's current snapshot.
func (s *Store) Compact(ctx context.Context, ref catalog.TableRef, o CompactOptions) (CompactResult, error) {
	var res CompactResult
	t, err := s.cat.GetTable(ctx, ref)
	if err != nil || t.CurrentSnapshot == catalog.NoSnapshot {
		return res, err
	}
	target := o.TargetBytes
	if target <= 0 {
		target = DefaultTargetFileBytes
		if v, err := strconv.ParseInt(t.Options[OptTargetFile], 10, 64); err == nil && v > 0 {
			target = v << 20
		}
	}
	minFiles := o.MinFiles
	if minFiles <= 0 {
		minFiles = 4
	}
	snap, err := s.cat.Snapshot(ctx, t.ID, t.CurrentSnapshot)
	if err != nil {
		return res, err
	}
	groups := map[string][]catalog.DataFile{}
	for _, f := range snap.Files {
		if f.Bytes < target/2 {
			groups[f.Partition] = append(groups[f.Partition], f)
		}
	}
	keys := make([]string, 0, len(groups))
	for k, fs := range groups {
		if len(fs) >= minFiles {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return res, nil
	}
	sort.Strings(keys)
	var add []catalog.DataFile
	var remove []string
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			s.RemoveFiles(add)
			return CompactResult{}, err
		}
		fs := groups[k]
		w := s.NewWriter(t)
		w.targetBytes = target
		var paths []string
		for _, f := range fs {
			paths = append(paths, s.abs(f.Path))
			remove = append(remove, f.Path)
		}
		scan, err := files.NewScan(files.ScanOptions{Env: exec.Env{Alloc: s.alloc()}, Format: files.Parquet, Paths: paths, Schema: FileSchema(t)})
		if err == nil {
			err = w.WriteAll(ctx, scan)
		}
		var out []catalog.DataFile
		if err == nil {
			out, err = w.Close(ctx)
		} else {
			w.Abort()
		}
		if err != nil {
			s.RemoveFiles(add)
			return CompactResult{}, err
		}
		add = append(add, out...)
		res.Partitions++
	}
	ns, err := s.CommitChange(ctx, t, t.CurrentSnapshot, add, remove, "compact", true)
	if err != nil {
		return CompactResult{}, err
	}
	res.Snapshot, res.FilesRemoved, res.FilesAdded = ns.ID, len(remove), len(add)
	return res, nil
}
