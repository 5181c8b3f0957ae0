package catalog

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tern-db/tern/internal/secrets"
	"github.com/tern-db/tern/proto/errs"
)

// Janitor is implemented by the catalogs of this package. DropTable does not delete data
// files (a running query may still read them); it records every file any snapshot of the table
// held, and a cleaner deletes them later and then forgets them.
type Janitor interface {
	// DroppedFiles returns the recorded files (paths relative to the data directory).
	DroppedFiles(ctx context.Context) ([]string, error)
	// ForgetDroppedFiles removes paths from the record once they are deleted.
	ForgetDroppedFiles(ctx context.Context, paths []string) error
}

// checkpointEvery: a snapshot stores its full file list every this many commits of a table,
// and only its changes (Add, Remove) in between, so that commits stay small however many files
// a table has and reading a snapshot applies at most this many changes.
const checkpointEvery = 32

type store struct {
	kv kvStore
	// box seals the secrets of foreign servers and user mappings (foreign.go); set once at
	// start by SetSecretKey (memory catalogs get a random key).
	box atomic.Pointer[secrets.Box]
}

var (
	_ Catalog = (*store)(nil)
	_ Janitor = (*store)(nil)
)

func newStore(kv kvStore) *store { return &store{kv: kv} }

// tableRecord is a Table as stored.
type tableRecord = Table

// snapshotRecord is a snapshot as stored: the full file list at checkpoints, changes otherwise.
type snapshotRecord struct {
	ID          uint64
	TableID     uint64
	ParentID    uint64
	CommittedAt time.Time
	Operation   string
	Depth       uint64 // commits before this one
	Full        bool
	Files       []DataFile `json:",omitempty"` // Full only
	Add         []DataFile `json:",omitempty"` // !Full
	Remove      []string   `json:",omitempty"` // !Full
}

// ---- keys

func key(parts ...string) []byte { return []byte(strings.Join(parts, "\x00")) }

func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

func tableKey(r TableRef) []byte { return key(r.Tenant, r.Schema, r.Name) }
func tableIDKey(tenant string, id uint64) []byte {
	return append(key(tenant, ""), u64(id)...)
}
func snapPrefix(tenant string, tableID uint64) []byte {
	return append(key(tenant, ""), u64(tableID)...)
}
func snapKey(tenant string, tableID, id uint64) []byte {
	return append(snapPrefix(tenant, tableID), u64(id)...)
}

func validName(what, s string) error {
	if s == "" {
		return errs.Errorf(errs.ErrInvalidArgument, "%s name must not be empty", what)
	}
	if strings.ContainsRune(s, 0) {
		return errs.Errorf(errs.ErrInvalidArgument, "%s name %q contains a NUL character", what, s)
	}
	return nil
}

func normRef(r TableRef) (TableRef, error) {
	if r.Schema == "" {
		r.Schema = DefaultSchema
	}
	if err := validName("tenant", r.Tenant); err != nil {
		return r, err
	}
	if err := validName("schema", r.Schema); err != nil {
		return r, err
	}
	return r, validName("relation", r.Name)
}

// ---- schemas

func (s *store) ListSchemas(ctx context.Context, tenant string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := validName("tenant", tenant); err != nil {
		return nil, err
	}
	out := []string{DefaultSchema}
	err := s.kv.view(func(tx kvTx) error {
		prefix := key(tenant, "")
		return tx.scan(bucketSchemas, prefix, func(k, _ []byte) error {
			if name := string(k[len(prefix):]); name != DefaultSchema && !schemaHidden(ctx, name) {
				out = append(out, name)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(out)
	return out, nil
}

func (s *store) CreateSchema(ctx context.Context, tenant, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := validName("tenant", tenant); err != nil {
		return err
	}
	if err := validName("schema", name); err != nil {
		return err
	}
	return s.kv.update(func(tx kvTx) error {
		if schemaExists(tx, tenant, name) {
			return errs.Errorf(errs.ErrAlreadyExists, "schema %q already exists", name)
		}
		return tx.put(bucketSchemas, key(tenant, name), nil)
	})
}

func schemaExists(tx kvTx, tenant, name string) bool {
	return name == DefaultSchema || tx.get(bucketSchemas, key(tenant, name)) != nil
}

// ---- tables

func (s *store) CreateTable(ctx context.Context, t Table, files []DataFile) (Table, error) {
	if err := ctx.Err(); err != nil {
		return Table{}, err
	}
	ref, err := normRef(t.Ref)
	if err != nil {
		return Table{}, err
	}
	t.Ref = ref
	if err := checkVisible(ctx, ref); err != nil {
		return Table{}, err
	}
	seen := map[string]bool{}
	for _, c := range t.Columns {
		if err := validName("column", c.Name); err != nil {
			return Table{}, err
		}
		if seen[c.Name] {
			return Table{}, errs.Errorf(errs.ErrInvalidArgument, "column %q specified more than once", c.Name)
		}
		seen[c.Name] = true
	}
	t.Columns = append([]Column(nil), t.Columns...)
	err = s.kv.update(func(tx kvTx) error {
		if !schemaExists(tx, ref.Tenant, ref.Schema) {
			return errs.Errorf(errs.ErrNotFound, "schema %q does not exist", ref.Schema)
		}
		if tx.get(bucketTables, tableKey(ref)) != nil {
			return errs.Errorf(errs.ErrAlreadyExists, "relation %q already exists", ref.Name)
		}
		id, err := tx.nextSeq(bucketIDTenant)
		if err != nil {
			return err
		}
		t.ID = id
		t.CreatedAt = time.Now().UTC()
		t.CurrentSnapshot = NoSnapshot
		if err := tx.put(bucketIDTenant, u64(id), []byte(ref.Tenant)); err != nil {
			return err
		}
		if err := tx.put(bucketTableIDs, tableIDKey(ref.Tenant, id), key(ref.Schema, ref.Name)); err != nil {
			return err
		}
		if len(files) > 0 {
			snap, err := commitOne(tx, &t, Commit{Ref: ref, Base: NoSnapshot, Add: files, Operation: "create"})
			if err != nil {
				return err
			}
			t.CurrentSnapshot = snap.ID
		}
		return putJSON(tx, bucketTables, tableKey(ref), t)
	})
	if err != nil {
		return Table{}, err
	}
	return t, nil
}

func (s *store) DropTable(ctx context.Context, ref TableRef) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ref, err := normRef(ref)
	if err != nil {
		return err
	}
	if err := checkVisible(ctx, ref); err != nil {
		return err
	}
	return s.kv.update(func(tx kvTx) error { return dropTableTx(tx, ref) })
}

// dropTableTx drops ref inside tx (DropTable; DROP SCHEMA ... CASCADE drops several at once).
func dropTableTx(tx kvTx, ref TableRef) error {
	t, err := getTable(tx, ref)
	if err != nil {
		return err
	}
	// Record every file any snapshot held, then forget the snapshots.
	var snapKeys [][]byte
	files := map[string]bool{}
	err = tx.scan(bucketSnapshots, snapPrefix(ref.Tenant, t.ID), func(k, v []byte) error {
		var rec snapshotRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return corrupt(err)
		}
		for _, f := range rec.Files {
			files[f.Path] = true
		}
		for _, f := range rec.Add {
			files[f.Path] = true
		}
		snapKeys = append(snapKeys, append([]byte(nil), k...))
		return nil
	})
	if err != nil {
		return err
	}
	for p := range files {
		if err := tx.put(bucketGarbage, key(ref.Tenant, p), nowStamp()); err != nil {
			return err
		}
	}
	for _, k := range snapKeys {
		if err := tx.del(bucketSnapshots, k); err != nil {
			return err
		}
	}
	if err := tx.del(bucketStats, tableIDKey(ref.Tenant, t.ID)); err != nil {
		return err
	}
	if err := tx.del(bucketTableIDs, tableIDKey(ref.Tenant, t.ID)); err != nil {
		return err
	}
	if err := tx.del(bucketIDTenant, u64(t.ID)); err != nil {
		return err
	}
	return tx.del(bucketTables, tableKey(ref))
}

func (s *store) GetTable(ctx context.Context, ref TableRef) (Table, error) {
	ref, err := visibleRef(ctx, ref)
	if err != nil {
		return Table{}, err
	}
	var t Table
	err = s.kv.view(func(tx kvTx) error {
		t, err = getTable(tx, ref)
		return err
	})
	return t, err
}

func getTable(tx kvTx, ref TableRef) (Table, error) {
	v := tx.get(bucketTables, tableKey(ref))
	if v == nil {
		return Table{}, errs.Errorf(errs.ErrNotFound, "relation %q does not exist", ref.String())
	}
	var t tableRecord
	if err := json.Unmarshal(v, &t); err != nil {
		return Table{}, corrupt(err)
	}
	return t, nil
}

// ListTables lists the tables of one schema by name; schema "" lists every schema's tables
// (ordered by schema, then name).
func (s *store) ListTables(ctx context.Context, tenant, schema string) ([]Table, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := validName("tenant", tenant); err != nil {
		return nil, err
	}
	var out []Table
	err := s.kv.view(func(tx kvTx) error {
		prefix := key(tenant, "")
		if schema != "" {
			if !schemaExists(tx, tenant, schema) || schemaHidden(ctx, schema) {
				return errs.Errorf(errs.ErrNotFound, "schema %q does not exist", schema)
			}
			prefix = key(tenant, schema, "")
		}
		return tx.scan(bucketTables, prefix, func(_, v []byte) error {
			var t tableRecord
			if err := json.Unmarshal(v, &t); err != nil {
				return corrupt(err)
			}
			if !schemaHidden(ctx, t.Ref.Schema) {
				out = append(out, t)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ---- snapshots

func (s *store) Snapshot(ctx context.Context, tableID, id uint64) (Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return Snapshot{}, err
	}
	if id == NoSnapshot {
		return Snapshot{TableID: tableID}, nil
	}
	var snap Snapshot
	err := s.kv.view(func(tx kvTx) error {
		tenant := tx.get(bucketIDTenant, u64(tableID))
		if tenant == nil {
			return errs.Errorf(errs.ErrNotFound, "table %d does not exist", tableID)
		}
		var err error
		snap, _, err = loadSnapshot(tx, string(tenant), tableID, id)
		return err
	})
	return snap, err
}

// loadSnapshot materialises snapshot id: from the nearest checkpoint at or before it, applying
// the changes of the snapshots after it.
func loadSnapshot(tx kvTx, tenant string, tableID, id uint64) (Snapshot, snapshotRecord, error) {
	var chain []snapshotRecord
	for cur := id; ; {
		v := tx.get(bucketSnapshots, snapKey(tenant, tableID, cur))
		if v == nil {
			if cur == id {
				return Snapshot{}, snapshotRecord{}, errs.Errorf(errs.ErrNotFound, "snapshot %d of table %d does not exist", id, tableID)
			}
			return Snapshot{}, snapshotRecord{}, corrupt(fmt.Errorf("snapshot %d misses its parent %d", id, cur))
		}
		var rec snapshotRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return Snapshot{}, snapshotRecord{}, corrupt(err)
		}
		chain = append(chain, rec)
		if rec.Full {
			break
		}
		cur = rec.ParentID
	}
	base := chain[len(chain)-1]
	files := append([]DataFile(nil), base.Files...)
	for i := len(chain) - 2; i >= 0; i-- {
		files = applyChange(files, chain[i].Add, chain[i].Remove)
	}
	top := chain[0]
	return Snapshot{
		ID: top.ID, TableID: top.TableID, ParentID: top.ParentID,
		CommittedAt: top.CommittedAt, Operation: top.Operation, Files: files,
	}, top, nil
}

func applyChange(files []DataFile, add []DataFile, remove []string) []DataFile {
	if len(remove) > 0 {
		gone := make(map[string]bool, len(remove))
		for _, p := range remove {
			gone[p] = true
		}
		kept := files[:0:0]
		for _, f := range files {
			if !gone[f.Path] {
				kept = append(kept, f)
			}
		}
		files = kept
	}
	return append(files, add...)
}

func (s *store) CommitSnapshot(ctx context.Context, commits ...Commit) ([]Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]Snapshot, 0, len(commits))
	err := s.kv.update(func(tx kvTx) error {
		out = out[:0]
		for _, c := range commits {
			ref, err := normRef(c.Ref)
			if err != nil {
				return err
			}
			c.Ref = ref
			if err := checkVisible(ctx, ref); err != nil {
				return err
			}
			t, err := getTable(tx, ref)
			if err != nil {
				return err
			}
			snap, err := commitOne(tx, &t, c)
			if err != nil {
				return err
			}
			t.CurrentSnapshot = snap.ID
			if err := putJSON(tx, bucketTables, tableKey(ref), t); err != nil {
				return err
			}
			out = append(out, snap)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// commitOne writes the snapshot that applies c to t. The caller stores t with the new
// CurrentSnapshot.
func commitOne(tx kvTx, t *Table, c Commit) (Snapshot, error) {
	if c.Base != t.CurrentSnapshot && !(c.Rebase && c.Base < t.CurrentSnapshot) {
		return Snapshot{}, errs.Errorf(errs.ErrConflict,
			"could not serialize access to relation %q: it changed since snapshot %d (now %d)",
			t.Ref.String(), c.Base, t.CurrentSnapshot)
	}
	var cur []DataFile
	var depth uint64
	if t.CurrentSnapshot != NoSnapshot {
		snap, rec, err := loadSnapshot(tx, t.Ref.Tenant, t.ID, t.CurrentSnapshot)
		if err != nil {
			return Snapshot{}, err
		}
		cur, depth = snap.Files, rec.Depth+1
	}
	present := make(map[string]bool, len(cur))
	for _, f := range cur {
		present[f.Path] = true
	}
	for _, p := range c.Remove {
		if !present[p] && c.Base != t.CurrentSnapshot {
			return Snapshot{}, errs.Errorf(errs.ErrConflict,
				"could not serialize access due to concurrent update: relation %q was changed by another statement (snapshot %d, planned at %d)",
				t.Ref.String(), t.CurrentSnapshot, c.Base)
		}
		if !present[p] {
			return Snapshot{}, errs.Errorf(errs.ErrInvalidArgument, "relation %q: snapshot %d holds no file %q to remove", t.Ref.String(), c.Base, p)
		}
		delete(present, p)
	}
	for _, f := range c.Add {
		if f.Path == "" {
			return Snapshot{}, errs.Errorf(errs.ErrInvalidArgument, "relation %q: data file without a path", t.Ref.String())
		}
		if present[f.Path] {
			return Snapshot{}, errs.Errorf(errs.ErrInvalidArgument, "relation %q: data file %q added twice", t.Ref.String(), f.Path)
		}
		present[f.Path] = true
	}
	id, err := tx.nextSeq(bucketSnapshots)
	if err != nil {
		return Snapshot{}, err
	}
	files := applyChange(cur, c.Add, c.Remove)
	op := c.Operation
	if op == "" {
		op = "commit"
	}
	rec := snapshotRecord{
		ID: id, TableID: t.ID, ParentID: t.CurrentSnapshot, CommittedAt: time.Now().UTC(),
		Operation: op, Depth: depth, Full: depth%checkpointEvery == 0,
	}
	if rec.Full {
		rec.Files = files
	} else {
		rec.Add = append([]DataFile(nil), c.Add...)
		rec.Remove = append([]string(nil), c.Remove...)
	}
	if err := putJSON(tx, bucketSnapshots, snapKey(t.Ref.Tenant, t.ID, id), rec); err != nil {
		return Snapshot{}, err
	}
	return Snapshot{
		ID: id, TableID: t.ID, ParentID: rec.ParentID, CommittedAt: rec.CommittedAt,
		Operation: op, Files: files,
	}, nil
}

// ---- janitor

func (s *store) DroppedFiles(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []string
	err := s.kv.view(func(tx kvTx) error {
		return tx.scan(bucketGarbage, nil, func(k, _ []byte) error {
			if i := strings.IndexByte(string(k), 0); i >= 0 {
				out = append(out, string(k[i+1:]))
			}
			return nil
		})
	})
	return out, err
}

func (s *store) ForgetDroppedFiles(ctx context.Context, paths []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	want := make(map[string]bool, len(paths))
	for _, p := range paths {
		want[p] = true
	}
	return s.kv.update(func(tx kvTx) error {
		var del [][]byte
		err := tx.scan(bucketGarbage, nil, func(k, _ []byte) error {
			if i := strings.IndexByte(string(k), 0); i >= 0 && want[string(k[i+1:])] {
				del = append(del, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range del {
			if err := tx.del(bucketGarbage, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// ---- users

func (s *store) GetUser(ctx context.Context, tenant, name string) (User, error) {
	if err := ctx.Err(); err != nil {
		return User{}, err
	}
	if err := validName("tenant", tenant); err != nil {
		return User{}, err
	}
	var u User
	err := s.kv.view(func(tx kvTx) error {
		v := tx.get(bucketUsers, key(tenant, name))
		if v == nil {
			return errs.Errorf(errs.ErrNotFound, "role %q does not exist", name)
		}
		if err := json.Unmarshal(v, &u); err != nil {
			return corrupt(err)
		}
		return nil
	})
	return u, err
}

func (s *store) PutUser(ctx context.Context, u User) error {
	return s.putUser(ctx, u, false) // users.go
}

func (s *store) Close() error { return s.kv.close() }

// ---- helpers

func putJSON(tx kvTx, bucket, k []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%w: catalog: encode: %v", errs.ErrInternal, err)
	}
	return tx.put(bucket, k, b)
}

func corrupt(err error) error {
	return fmt.Errorf("%w: catalog: corrupt record: %v", errs.ErrInternal, err)
}
