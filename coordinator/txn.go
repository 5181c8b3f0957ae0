package coordinator

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/connectors/native"
	"github.com/tern-db/tern/internal/datafs"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto/errs"
)

// Transactions over native tables (Begin, Commit, Rollback; the gateway's BeginTransaction /
// EndTransaction).
//
// A transaction is named by a TxnID {id, tenant, user}, which the front end seals into the
// handle the client holds. What the transaction has done so far lives next to the data, not
// in memory: a directory <data>/txn/<tenant hex>/<id>/ holds pins.json (every table's
// snapshot at Begin) and one manifest per write (the durable, uncommitted Parquet files it
// produced). So a restarted process, or any coordinator sharing the data directory, carries
// the transaction on.
//
//   - Reads inside a transaction see the snapshot pinned at Begin plus the transaction's own
//     writes (snapshot isolation).
//   - INSERT/COPY and ingest (append, replace) write their files at once and record them;
//     nothing is visible to others until Commit, which commits every table's
//     files in one catalog transaction (catalog.CommitSnapshot: all or none). Appends commute
//     with concurrent appends (as INSERTs do in PostgreSQL). A table whose rows the
//     transaction replaced (ingest REPLACE) must not have moved since the transaction read it:
//     otherwise the commit fails with Aborted and nothing is applied (first committer wins).
//   - Rollback (or a failed commit) deletes the files. A transaction left open expires after
//     TransactionTTL; SweepTransactions (at start-up) removes what it left.
//   - DDL (CREATE/DROP TABLE, CREATE TABLE AS) is not transactional: it runs at once.
//     Savepoints are not supported.

// TransactionTTL is how long a transaction may stay open (its handle's lifetime).
const TransactionTTL = time.Hour

// TxnID names a transaction: the front end seals it into the handle the client holds and
// checks the caller against Tenant and User before OpenTxn.
type TxnID struct {
	ID     string
	Tenant string
	User   string
}

// txnWrite is one statement's change to one table, as recorded in a manifest.
type txnWrite struct {
	Ref     catalog.TableRef   `json:"r"`
	TableID uint64             `json:"id"`
	Base    uint64             `json:"b"` // snapshot the transaction reads the table at
	Add     []catalog.DataFile `json:"a"`
	Replace bool               `json:"x,omitempty"` // the rows replace every earlier row
}

// Txn is a transaction loaded from its directory (OpenTxn). It is used by one call at a time.
type Txn struct {
	h      TxnID
	dir    string
	pins   map[uint64]uint64
	writes []txnWrite
}

func (c *Coordinator) txnRoot() string { return filepath.Join(c.store.DataDir(), "txn") }

func (c *Coordinator) txnDir(h TxnID) string {
	return filepath.Join(c.txnRoot(), hex.EncodeToString([]byte(h.Tenant)), h.ID)
}

// Begin starts a transaction of user in tenant: every table's current snapshot is pinned.
func (c *Coordinator) Begin(ctx context.Context, tenant, user string) (TxnID, error) {
	h := TxnID{ID: newID() + newID(), Tenant: tenant, User: user}
	pins := map[uint64]uint64{}
	schemas, err := c.cat.ListSchemas(ctx, tenant)
	if err != nil {
		return TxnID{}, err
	}
	for _, sc := range schemas {
		tables, err := c.cat.ListTables(ctx, tenant, sc)
		if err != nil {
			return TxnID{}, err
		}
		for _, t := range tables {
			pins[t.ID] = t.CurrentSnapshot
		}
	}
	dir := c.txnDir(h)
	if err := datafs.MkdirAll(dir); err != nil {
		if datafs.IsDiskError(err) {
			return TxnID{}, datafs.IOError("transaction state", err)
		}
		return TxnID{}, fmt.Errorf("%w: creating transaction: %v", errs.ErrInternal, err)
	}
	if err := writeJSONFile(filepath.Join(dir, "pins.json"), pins); err != nil {
		os.RemoveAll(dir)
		return TxnID{}, err
	}
	return h, nil
}

// OpenTxn loads a transaction (the caller has checked that h is the caller's); one that has
// ended is InvalidArgument "transaction is over".
func (c *Coordinator) OpenTxn(ctx context.Context, h TxnID) (*Txn, error) {
	tx := &Txn{h: h, dir: c.txnDir(h)}
	if err := readJSONFile(filepath.Join(tx.dir, "pins.json"), &tx.pins); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "transaction is over")
		}
		return nil, err
	}
	ents, err := os.ReadDir(tx.dir)
	if err != nil {
		return nil, fmt.Errorf("%w: reading transaction: %v", errs.ErrInternal, err)
	}
	var names []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "w-") && strings.HasSuffix(e.Name(), ".json") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names) // w-<nanoseconds>-<random>.json: in write order
	for _, n := range names {
		var w txnWrite
		if err := readJSONFile(filepath.Join(tx.dir, n), &w); err != nil {
			return nil, err
		}
		tx.writes = append(tx.writes, w)
	}
	return tx, nil
}

// base is the snapshot the transaction reads t at: pinned at Begin, or for a table created
// since, the one its first write in the transaction saw.
func (tx *Txn) base(t catalog.Table) uint64 {
	if b, ok := tx.pins[t.ID]; ok {
		return b
	}
	for _, w := range tx.writes {
		if w.TableID == t.ID {
			return w.Base
		}
	}
	return t.CurrentSnapshot
}

// record adds a write to the transaction.
func (c *Coordinator) record(tx *Txn, w txnWrite) error {
	name := fmt.Sprintf("w-%020d-%s.json", time.Now().UnixNano(), newID())
	if err := writeJSONFile(filepath.Join(tx.dir, name), w); err != nil {
		return err
	}
	tx.writes = append(tx.writes, w)
	return nil
}

// txnStage writes rows into staged files of t and records them in the transaction.
func (c *Coordinator) txnStage(ctx context.Context, tx *Txn, t catalog.Table, replace bool, write func(*native.Writer) (int64, error)) (int64, error) {
	real, err := c.cat.GetTable(ctx, t.Ref)
	if err != nil {
		return 0, err
	}
	if real.ID != t.ID {
		return 0, errs.Errorf(errs.ErrConflict, "table %s was dropped and re-created during the transaction", t.Ref)
	}
	real.CurrentSnapshot = tx.base(real)
	files, n, err := c.stage(ctx, real, write)
	if err != nil {
		return 0, err
	}
	if len(files) == 0 && !replace {
		return n, nil
	}
	if err := c.record(tx, txnWrite{Ref: real.Ref, TableID: real.ID, Base: real.CurrentSnapshot, Add: files, Replace: replace}); err != nil {
		c.removeFiles(files)
		return 0, err
	}
	return n, nil
}

func (c *Coordinator) txnIngest(ctx context.Context, tx *Txn, t catalog.Table, rdr Batches, replace bool) (int64, error) {
	return c.txnStage(ctx, tx, t, replace, func(w *native.Writer) (int64, error) { return c.WriteBatches(ctx, w, rdr) })
}

// tableFiles is what the transaction sees of one table: files and whether the base
// snapshot's files are still part of it.
func (tx *Txn) tableFiles(tableID uint64) (add []catalog.DataFile, keepBase bool, touched bool) {
	keepBase = true
	for _, w := range tx.writes {
		if w.TableID != tableID {
			continue
		}
		touched = true
		if w.Replace {
			add, keepBase = nil, false
		}
		add = append(add, w.Add...)
	}
	return add, keepBase, touched
}

// Commit commits the transaction's writes (commitTxn) and ends it; a commit that fails also
// ends it (its files are removed), except when ctx ended first: the client may retry. Under a
// dry run a transaction with writes is refused (its staged writes stay uncommitted).
func (c *Coordinator) Commit(ctx context.Context, sess planner.Session, tx *Txn) error {
	if len(tx.writes) > 0 {
		if err := RefuseDryRun(sess, "COMMIT of a transaction with writes"); err != nil {
			return err
		}
	}
	err := c.commitTxn(ctx, tx)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err // the client may retry the commit
	}
	c.discardTxn(tx, err == nil)
	return err
}

// Rollback ends the transaction: its staged files and its state go.
func (c *Coordinator) Rollback(tx *Txn) { c.discardTxn(tx, false) }

// commitTxn commits every table the transaction wrote in one catalog transaction. Appends
// commute with other writers' appends (as concurrent INSERTs do in PostgreSQL): they go on top
// of the table's current snapshot. A table whose rows the transaction replaced must still be at
// the snapshot the transaction read, or the whole commit fails (first committer wins).
func (c *Coordinator) commitTxn(ctx context.Context, tx *Txn) error {
	for attempt := 0; ; attempt++ {
		commits, err := c.txnCommits(ctx, tx)
		if err != nil || len(commits) == 0 {
			return err
		}
		_, err = c.cat.CommitSnapshot(ctx, commits...)
		if err == nil {
			return nil
		}
		if !errors.Is(err, errs.ErrConflict) {
			return err
		}
		if attempt >= 20 || c.replacedMoved(ctx, tx) {
			return errs.Errorf(errs.ErrConflict, "could not serialize access due to concurrent update; the transaction was rolled back")
		}
	}
}

// txnCommits builds the transaction's commits against the tables' current state.
func (c *Coordinator) txnCommits(ctx context.Context, tx *Txn) ([]catalog.Commit, error) {
	var commits []catalog.Commit
	seen := map[uint64]bool{}
	for _, w := range tx.writes {
		if seen[w.TableID] {
			continue
		}
		seen[w.TableID] = true
		add, keepBase, _ := tx.tableFiles(w.TableID)
		cm := catalog.Commit{Ref: w.Ref, Base: w.Base, Add: add, Operation: "transaction"}
		if keepBase {
			cur, err := c.cat.GetTable(ctx, w.Ref)
			if err != nil {
				return nil, err
			}
			if cur.ID != w.TableID {
				return nil, errs.Errorf(errs.ErrConflict, "table %s was dropped during the transaction", w.Ref)
			}
			cm.Base = cur.CurrentSnapshot
		} else if w.Base != catalog.NoSnapshot {
			old, err := c.cat.Snapshot(ctx, w.TableID, w.Base)
			if err != nil {
				return nil, err
			}
			cm.Remove = filePaths(old.Files)
		}
		if len(cm.Add) == 0 && len(cm.Remove) == 0 {
			continue
		}
		commits = append(commits, cm)
	}
	return commits, nil
}

// replacedMoved reports whether a table the transaction replaced has moved on since.
func (c *Coordinator) replacedMoved(ctx context.Context, tx *Txn) bool {
	for _, w := range tx.writes {
		if _, keepBase, _ := tx.tableFiles(w.TableID); keepBase {
			continue
		}
		cur, err := c.cat.GetTable(ctx, w.Ref)
		if err != nil || cur.ID != w.TableID || cur.CurrentSnapshot != w.Base {
			return true
		}
	}
	return false
}

// discardTxn ends a transaction: its directory goes, and so do the files that no committed
// snapshot references (all of them unless committed; those replaced within it if committed).
func (c *Coordinator) discardTxn(tx *Txn, committed bool) {
	kept := map[string]bool{}
	if committed {
		seen := map[uint64]bool{}
		for _, w := range tx.writes {
			if !seen[w.TableID] {
				seen[w.TableID] = true
				add, _, _ := tx.tableFiles(w.TableID)
				for _, f := range add {
					kept[f.Path] = true
				}
			}
		}
	}
	for _, w := range tx.writes {
		for _, f := range w.Add {
			if !kept[f.Path] {
				c.removeFiles([]catalog.DataFile{f})
			}
		}
	}
	os.RemoveAll(tx.dir)
}

// SweepTransactions rolls back transactions whose handles have expired (at start-up).
func (c *Coordinator) SweepTransactions() {
	tenants, err := os.ReadDir(c.txnRoot())
	if err != nil {
		return
	}
	for _, te := range tenants {
		tdir := filepath.Join(c.txnRoot(), te.Name())
		txns, _ := os.ReadDir(tdir)
		for _, e := range txns {
			info, err := e.Info()
			if err != nil || time.Since(info.ModTime()) < TransactionTTL+time.Minute {
				continue
			}
			tenant, _ := hex.DecodeString(te.Name())
			tx := &Txn{h: TxnID{ID: e.Name(), Tenant: string(tenant)}, dir: filepath.Join(tdir, e.Name())}
			ws, _ := os.ReadDir(tx.dir)
			for _, w := range ws {
				var tw txnWrite
				if strings.HasPrefix(w.Name(), "w-") && readJSONFile(filepath.Join(tx.dir, w.Name()), &tw) == nil {
					tx.writes = append(tx.writes, tw)
				}
			}
			c.discardTxn(tx, false)
		}
	}
}

// txnPlanner plans a statement inside a transaction: tables read at their pinned snapshots
// plus the transaction's own writes.
func (c *Coordinator) txnPlanner(tx *Txn) planner.Planner {
	tc := &txnCatalog{Catalog: c.cat, tx: tx}
	return planner.New(tc, &files.Access{AllowDirs: c.allowDirs}, &txnFiles{cat: tc, dataDir: c.store.DataDir()})
}

// ownBit marks the synthetic snapshot ids of tables that the transaction wrote: the base
// snapshot id with this bit set, resolved by txnCatalog.Snapshot.
const ownBit = uint64(1) << 63

type txnCatalog struct {
	catalog.Catalog
	tx *Txn
}

func (c *txnCatalog) view(t catalog.Table) catalog.Table {
	t.CurrentSnapshot = c.tx.base(t)
	if _, _, touched := c.tx.tableFiles(t.ID); touched {
		t.CurrentSnapshot |= ownBit
	}
	return t
}

func (c *txnCatalog) GetTable(ctx context.Context, ref catalog.TableRef) (catalog.Table, error) {
	t, err := c.Catalog.GetTable(ctx, ref)
	if err != nil {
		return t, err
	}
	return c.view(t), nil
}

func (c *txnCatalog) ListTables(ctx context.Context, tenant, schema string) ([]catalog.Table, error) {
	ts, err := c.Catalog.ListTables(ctx, tenant, schema)
	for i := range ts {
		ts[i] = c.view(ts[i])
	}
	return ts, err
}

func (c *txnCatalog) Snapshot(ctx context.Context, tableID, id uint64) (catalog.Snapshot, error) {
	if id&ownBit == 0 {
		return c.Catalog.Snapshot(ctx, tableID, id)
	}
	snap, err := c.Catalog.Snapshot(ctx, tableID, id&^ownBit)
	if err != nil {
		return snap, err
	}
	add, keepBase, _ := c.tx.tableFiles(tableID)
	if !keepBase {
		snap.Files = nil
	}
	snap.ID = id
	snap.Files = append(append([]catalog.DataFile(nil), snap.Files...), add...)
	return snap, nil
}

// TableStats passes the committed ANALYZE statistics through to the optimizer.
func (c *txnCatalog) TableStats(ctx context.Context, ref catalog.TableRef) (catalog.TableStats, error) {
	if ss, ok := c.Catalog.(catalog.StatsStore); ok {
		return ss.TableStats(ctx, ref)
	}
	return catalog.TableStats{}, errs.Errorf(errs.ErrNotFound, "no statistics")
}

// txnFiles resolves snapshots (synthetic ones included) to absolute file paths.
type txnFiles struct {
	cat     *txnCatalog
	dataDir string
}

func (f *txnFiles) SnapshotFiles(ctx context.Context, t catalog.Table, snapshot uint64) ([]string, error) {
	snap, err := f.cat.Snapshot(ctx, t.ID, snapshot)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(snap.Files))
	for i, fl := range snap.Files {
		out[i] = filepath.Join(f.dataDir, filepath.FromSlash(fl.Path))
	}
	return out, nil
}

func writeJSONFile(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%w: %v", errs.ErrInternal, err)
	}
	if err := datafs.WriteFileAtomic(path, b); err != nil { // fsynced temporary file, renamed; 0600
		if datafs.IsDiskError(err) {
			return datafs.IOError("transaction state", err)
		}
		return fmt.Errorf("%w: writing transaction state: %v", errs.ErrInternal, err)
	}
	return nil
}

func readJSONFile(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: malformed transaction state", errs.ErrInternal)
	}
	return nil
}
