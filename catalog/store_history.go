package catalog

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/tern-db/tern/proto/errs"
)

// store_history.go: retained snapshots (time travel), their expiry, the reference set the
// orphan sweep needs, and ANALYZE statistics.

var (
	_ History    = (*store)(nil)
	_ StatsStore = (*store)(nil)
)

func nowStamp() []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(time.Now().UnixNano()))
	return b[:]
}

// stampTime decodes a garbage value; records from before stamps read as the zero time.
func stampTime(v []byte) time.Time {
	if len(v) != 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(v)))
}

// tableByID loads a table record from its id.
func tableByID(tx kvTx, tableID uint64) (Table, error) {
	tenant := tx.get(bucketIDTenant, u64(tableID))
	if tenant == nil {
		return Table{}, errs.Errorf(errs.ErrNotFound, "table %d does not exist", tableID)
	}
	name := tx.get(bucketTableIDs, tableIDKey(string(tenant), tableID))
	if name == nil {
		return Table{}, errs.Errorf(errs.ErrNotFound, "table %d does not exist", tableID)
	}
	parts := strings.SplitN(string(name), "\x00", 2)
	if len(parts) != 2 {
		return Table{}, corrupt(errs.Errorf(errs.ErrInternal, "table id record %q", name))
	}
	return getTable(tx, TableRef{Tenant: string(tenant), Schema: parts[0], Name: parts[1]})
}

func snapshotRecords(tx kvTx, tenant string, tableID uint64) ([]snapshotRecord, error) {
	var out []snapshotRecord
	err := tx.scan(bucketSnapshots, snapPrefix(tenant, tableID), func(_, v []byte) error {
		var rec snapshotRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return corrupt(err)
		}
		out = append(out, rec)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, err
}

func (s *store) Snapshots(ctx context.Context, tableID uint64) ([]SnapshotInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []SnapshotInfo
	err := s.kv.view(func(tx kvTx) error {
		t, err := tableByID(tx, tableID)
		if err != nil {
			return err
		}
		recs, err := snapshotRecords(tx, t.Ref.Tenant, tableID)
		for _, r := range recs {
			out = append(out, SnapshotInfo{ID: r.ID, ParentID: r.ParentID, CommittedAt: r.CommittedAt, Operation: r.Operation})
		}
		return err
	})
	return out, err
}

func (s *store) ExpireSnapshots(ctx context.Context, tableID uint64, cutoff time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n := 0
	err := s.kv.update(func(tx kvTx) error {
		n = 0
		t, err := tableByID(tx, tableID)
		if err != nil {
			return err
		}
		tenant := t.Ref.Tenant
		recs, err := snapshotRecords(tx, tenant, tableID)
		if err != nil || len(recs) < 2 {
			return err
		}
		// Commits are linear: recs[i+1] replaced recs[i]. A snapshot is expired when its
		// successor was committed before cutoff: no AS OF time at or after cutoff reads it.
		keep := 0
		for keep < len(recs)-1 && recs[keep].ID != t.CurrentSnapshot && recs[keep+1].CommittedAt.Before(cutoff) {
			keep++
		}
		if keep == 0 {
			return nil
		}
		oldest := recs[keep]
		if !oldest.Full {
			snap, _, err := loadSnapshot(tx, tenant, tableID, oldest.ID)
			if err != nil {
				return err
			}
			oldest.Full, oldest.Files, oldest.Add, oldest.Remove = true, snap.Files, nil, nil
			if err := putJSON(tx, bucketSnapshots, snapKey(tenant, tableID, oldest.ID), oldest); err != nil {
				return err
			}
			recs[keep] = oldest
		}
		retained := map[string]bool{}
		for _, r := range recs[keep:] {
			for _, f := range r.Files {
				retained[f.Path] = true
			}
			for _, f := range r.Add {
				retained[f.Path] = true
			}
		}
		stamp := nowStamp()
		for _, r := range recs[:keep] {
			for _, fs := range [][]DataFile{r.Files, r.Add} {
				for _, f := range fs {
					if !retained[f.Path] {
						if err := tx.put(bucketGarbage, key(tenant, f.Path), stamp); err != nil {
							return err
						}
					}
				}
			}
			if err := tx.del(bucketSnapshots, snapKey(tenant, tableID, r.ID)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

func (s *store) ReferencedFiles(ctx context.Context) (map[string]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	err := s.kv.view(func(tx kvTx) error {
		err := tx.scan(bucketSnapshots, nil, func(_, v []byte) error {
			var rec snapshotRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return corrupt(err)
			}
			for _, f := range rec.Files {
				out[f.Path] = true
			}
			for _, f := range rec.Add {
				out[f.Path] = true
			}
			return nil
		})
		if err != nil {
			return err
		}
		return tx.scan(bucketGarbage, nil, func(k, _ []byte) error {
			if i := strings.IndexByte(string(k), 0); i >= 0 {
				out[string(k[i+1:])] = true
			}
			return nil
		})
	})
	return out, err
}

// AllTables lists every table of every tenant (for background maintenance).
func (s *store) AllTables(ctx context.Context) ([]Table, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []Table
	err := s.kv.view(func(tx kvTx) error {
		return tx.scan(bucketTables, nil, func(_, v []byte) error {
			var t tableRecord
			if err := json.Unmarshal(v, &t); err != nil {
				return corrupt(err)
			}
			out = append(out, t)
			return nil
		})
	})
	return out, err
}

// DroppedFilesBefore returns the files recorded for deletion before t.
func (s *store) DroppedFilesBefore(ctx context.Context, t time.Time) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []string
	err := s.kv.view(func(tx kvTx) error {
		return tx.scan(bucketGarbage, nil, func(k, v []byte) error {
			if i := strings.IndexByte(string(k), 0); i >= 0 && stampTime(v).Before(t) {
				out = append(out, string(k[i+1:]))
			}
			return nil
		})
	})
	return out, err
}

func (s *store) PutTableStats(ctx context.Context, ref TableRef, st TableStats) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ref, err := normRef(ref)
	if err != nil {
		return err
	}
	return s.kv.update(func(tx kvTx) error {
		t, err := getTable(tx, ref)
		if err != nil {
			return err
		}
		return putJSON(tx, bucketStats, tableIDKey(ref.Tenant, t.ID), st)
	})
}

func (s *store) TableStats(ctx context.Context, ref TableRef) (TableStats, error) {
	if err := ctx.Err(); err != nil {
		return TableStats{}, err
	}
	ref, err := normRef(ref)
	if err != nil {
		return TableStats{}, err
	}
	var st TableStats
	err = s.kv.view(func(tx kvTx) error {
		t, err := getTable(tx, ref)
		if err != nil {
			return err
		}
		v := tx.get(bucketStats, tableIDKey(ref.Tenant, t.ID))
		if v == nil {
			return errs.Errorf(errs.ErrNotFound, "relation %q has not been analyzed", ref.String())
		}
		if err := json.Unmarshal(v, &st); err != nil {
			return corrupt(err)
		}
		return nil
	})
	return st, err
}
