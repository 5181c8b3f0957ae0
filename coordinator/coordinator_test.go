package coordinator

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/flightnodes"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto/errs"
)

// The coordinator's API without Flight: statements planned by the planner and executed over
// the in-memory catalog, native storage in a temporary directory and an in-process node.

type fakeSessions struct {
	mu  sync.Mutex
	set []string
}

func (f *fakeSessions) StoreSetting(_ context.Context, st *planner.Set) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.set = append(f.set, st.Name+"="+st.Value)
	return nil
}
func (f *fakeSessions) EnsureTempSchema(context.Context) error { return nil }
func (f *fakeSessions) PasswordChanged(context.Context, string, string, string) error {
	return nil
}

type harness struct {
	t     *testing.T
	c     *Coordinator
	sess  planner.Session
	alloc *memory.CheckedAllocator
	hooks *fakeSessions
}

// newHarness returns a coordinator over a fresh in-memory catalog; SQL may read and write
// files under allowDirs.
func newHarness(t *testing.T, allowDirs ...string) *harness {
	t.Helper()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { alloc.AssertSize(t, 0) })
	cat := catalog.NewMemory()
	hooks := &fakeSessions{}
	c := New(Config{Catalog: cat, DataDir: t.TempDir(), Executor: flightnodes.NewNode(alloc), AllowDirs: allowDirs, Alloc: alloc, Sessions: hooks})
	sess := planner.Session{Tenant: catalog.DefaultTenant, User: catalog.AdminUser, Schema: catalog.DefaultSchema}
	return &harness{t: t, c: c, sess: sess, alloc: alloc, hooks: hooks}
}

func (h *harness) plan(tx *Txn, sql string) planner.Statement {
	h.t.Helper()
	st, err := h.c.Planner(tx).Plan(context.Background(), h.sess, sql, nil)
	if err != nil {
		h.t.Fatalf("planning %q: %v", sql, err)
	}
	return st
}

func (h *harness) exec(tx *Txn, sql string) (int64, error) {
	h.t.Helper()
	r, err := h.c.ExecuteUpdate(context.Background(), Session{Session: h.sess, Txn: tx}, h.plan(tx, sql))
	return r.Rows, err
}

func (h *harness) mustExec(tx *Txn, sql string) int64 {
	h.t.Helper()
	n, err := h.exec(tx, sql)
	if err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// query runs a query and returns its rows as text, one "a|b" line per row.
func (h *harness) query(tx *Txn, sql string) []string {
	h.t.Helper()
	q, ok := h.plan(tx, sql).(*planner.Query)
	if !ok {
		h.t.Fatalf("%q is not a query", sql)
	}
	var rows []string
	_, err := h.c.RunQuery(context.Background(), h.sess, q, func(_ context.Context, b arrow.RecordBatch) error {
		for r := 0; r < int(b.NumRows()); r++ {
			var cells []string
			for _, col := range b.Columns() {
				cells = append(cells, col.ValueStr(r))
			}
			rows = append(rows, strings.Join(cells, "|"))
		}
		return nil
	})
	if err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
	return rows
}

func (h *harness) want(tx *Txn, sql string, want ...string) {
	h.t.Helper()
	if got := h.query(tx, sql); strings.Join(got, "\n") != strings.Join(want, "\n") {
		h.t.Errorf("%s:\n got %q\nwant %q", sql, got, want)
	}
}

func TestExecuteCreateInsertUpdate(t *testing.T) {
	h := newHarness(t)
	h.mustExec(nil, "CREATE TABLE t (id bigint NOT NULL, v text)")
	if n := h.mustExec(nil, "INSERT INTO t VALUES (1, 'a'), (2, 'b')"); n != 2 {
		t.Errorf("INSERT reported %d rows, want 2", n)
	}
	if _, err := h.exec(nil, "CREATE TABLE t (x int)"); !errors.Is(err, errs.ErrAlreadyExists) {
		t.Errorf("CREATE TABLE of an existing table: %v, want AlreadyExists", err)
	}
	if n := h.mustExec(nil, "CREATE TABLE u AS SELECT id * 10 AS id FROM t"); n != 2 {
		t.Errorf("CREATE TABLE AS reported %d rows, want 2", n)
	}
	h.want(nil, "SELECT id FROM u ORDER BY id", "10", "20")

	// An UPDATE planned before a concurrent append commits on top of it (appends commute).
	upd := h.plan(nil, "UPDATE t SET v = 'z' WHERE id = 1")
	h.mustExec(nil, "INSERT INTO t VALUES (3, 'c')")
	r, err := h.c.ExecuteUpdate(context.Background(), Session{Session: h.sess}, upd)
	if err != nil || r.Rows != 1 {
		t.Fatalf("UPDATE after a concurrent append: %d rows, %v", r.Rows, err)
	}
	h.want(nil, "SELECT id, v FROM t ORDER BY id", "1|z", "2|b", "3|c")

	// Two DELETEs planned on the same snapshot rewrite the same file (the UPDATE's, which
	// holds ids 1 and 2): the second one conflicts.
	d1, d2 := h.plan(nil, "DELETE FROM t WHERE id = 2"), h.plan(nil, "DELETE FROM t WHERE id = 1")
	if _, err := h.c.ExecuteUpdate(context.Background(), Session{Session: h.sess}, d1); err != nil {
		t.Fatal(err)
	}
	if _, err := h.c.ExecuteUpdate(context.Background(), Session{Session: h.sess}, d2); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("second DELETE of a rewritten file: %v, want Conflict", err)
	}
	h.want(nil, "SELECT id, v FROM t ORDER BY id", "1|z", "3|c")

	// Writes RETURNING rows collect them (ExecuteReturning) as an IPC stream.
	res, err := h.c.ExecuteReturning(context.Background(), Session{Session: h.sess}, h.plan(nil, "INSERT INTO t VALUES (4, 'd') RETURNING id"))
	if err != nil || res.Rows != 1 || res.Returning == nil || res.Returning.NumFields() != 1 || len(res.Returned) == 0 {
		t.Errorf("INSERT RETURNING: %+v, %v", res, err)
	}

	// SET goes to the front end's session.
	h.mustExec(nil, "SET search_path = public")
	if len(h.hooks.set) != 1 || h.hooks.set[0] != "search_path=public" {
		t.Errorf("SET stored %q", h.hooks.set)
	}
}

// TestConcurrentAppends: INSERTs racing on one table are all kept (a commit that loses the
// race is retried on the newer snapshot).
func TestConcurrentAppends(t *testing.T) {
	h := newHarness(t)
	h.mustExec(nil, "CREATE TABLE a (id bigint)")
	const writers, each = 4, 5
	var wg sync.WaitGroup
	errc := make(chan error, writers*each)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				st, err := h.c.Planner(nil).Plan(context.Background(), h.sess, "INSERT INTO a VALUES (1)", nil)
				if err == nil {
					_, err = h.c.ExecuteUpdate(context.Background(), Session{Session: h.sess}, st)
				}
				errc <- err
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	h.want(nil, "SELECT count(*) FROM a", "20")
}

func TestTransactionCommitAndRollback(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.mustExec(nil, "CREATE TABLE t (id bigint)")
	h.mustExec(nil, "INSERT INTO t VALUES (1)")

	id, err := h.c.Begin(ctx, h.sess.Tenant, h.sess.User)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := h.c.OpenTxn(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	h.mustExec(tx, "INSERT INTO t VALUES (2)")
	h.mustExec(nil, "INSERT INTO t VALUES (3)") // a concurrent append outside the transaction
	h.want(tx, "SELECT id FROM t ORDER BY id", "1", "2")
	h.want(nil, "SELECT id FROM t ORDER BY id", "1", "3")
	if _, err := h.exec(tx, "CREATE SCHEMA s"); !errors.Is(err, errs.ErrNotSupported) {
		t.Errorf("DDL inside a transaction: %v, want NotSupported", err)
	}
	dry := h.sess
	dry.DryRun = true
	if err := h.c.Commit(ctx, dry, tx); !errors.Is(err, errs.ErrFailedPrecondition) {
		t.Errorf("commit under a dry run: %v, want FailedPrecondition", err)
	}
	// A transaction is reloaded from its directory by id (as another gateway would).
	tx, err = h.c.OpenTxn(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.c.Commit(ctx, h.sess, tx); err != nil {
		t.Fatal(err)
	}
	h.want(nil, "SELECT id FROM t ORDER BY id", "1", "2", "3")
	if _, err := h.c.OpenTxn(ctx, id); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("a committed transaction reopened: %v, want InvalidArgument", err)
	}

	id, _ = h.c.Begin(ctx, h.sess.Tenant, h.sess.User)
	tx, _ = h.c.OpenTxn(ctx, id)
	h.mustExec(tx, "INSERT INTO t VALUES (4)")
	h.c.Rollback(tx)
	h.want(nil, "SELECT count(*) FROM t", "3")
}

func TestIngest(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	sc := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int32, Nullable: true}}, nil)
	batches := func(vals ...int32) array.RecordReader {
		b := array.NewInt32Builder(h.alloc)
		defer b.Release()
		b.AppendValues(vals, nil)
		col := b.NewArray()
		defer col.Release()
		rec := array.NewRecordBatch(sc, []arrow.Array{col}, int64(len(vals)))
		defer rec.Release()
		rdr, err := array.NewRecordReader(sc, []arrow.RecordBatch{rec})
		if err != nil {
			t.Fatal(err)
		}
		return rdr
	}
	ref := catalog.TableRef{Tenant: h.sess.Tenant, Schema: h.sess.Schema, Name: "g"}
	ingest := func(req IngestRequest, vals ...int32) (int64, error) {
		rdr := batches(vals...)
		defer rdr.Release()
		return h.c.Ingest(ctx, Session{Session: h.sess}, req, rdr)
	}
	if _, err := ingest(IngestRequest{Ref: ref, IfMissing: IngestFail}, 1); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("ingest into a missing table with IngestFail: %v, want NotFound", err)
	}
	if n, err := ingest(IngestRequest{Ref: ref}, 1, 2); err != nil || n != 2 {
		t.Fatalf("ingest creating the table: %d, %v", n, err)
	}
	if _, err := ingest(IngestRequest{Ref: ref}, 3); !errors.Is(err, errs.ErrAlreadyExists) {
		t.Errorf("ingest into an existing table with ExistsFail: %v, want AlreadyExists", err)
	}
	if n, err := ingest(IngestRequest{Ref: ref, IfExists: ExistsAppend}, 3); err != nil || n != 1 {
		t.Fatalf("append: %d, %v", n, err)
	}
	h.want(nil, "SELECT id FROM g ORDER BY id", "1", "2", "3")
	if n, err := ingest(IngestRequest{Ref: ref, IfExists: ExistsReplace}, 7, 8); err != nil || n != 2 {
		t.Fatalf("replace: %d, %v", n, err)
	}
	h.want(nil, "SELECT id FROM g ORDER BY id", "7", "8")
	dry := h.sess
	dry.DryRun = true
	rdr := batches(9)
	defer rdr.Release()
	if _, err := h.c.Ingest(ctx, Session{Session: dry}, IngestRequest{Ref: ref, IfExists: ExistsAppend}, rdr); !errors.Is(err, errs.ErrFailedPrecondition) {
		t.Errorf("ingest under a dry run: %v, want FailedPrecondition", err)
	}
}

// TestCopyToAndFrom: COPY TO writes a whole file under an allowed directory; COPY FROM fits
// the file's values to the table, naming the row and column of one that does not fit.
func TestCopyToAndFrom(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, dir)
	h.mustExec(nil, "CREATE TABLE src (id bigint, name text)")
	h.mustExec(nil, "INSERT INTO src VALUES (1, 'ab'), (2, 'abcdef')")
	out := filepath.Join(dir, "out.csv")
	if n := h.mustExec(nil, "COPY src TO '"+out+"' (FORMAT csv, HEADER true)"); n != 2 {
		t.Errorf("COPY TO reported %d rows, want 2", n)
	}
	h.mustExec(nil, "CREATE TABLE dst (id bigint, name varchar(5))")
	_, err := h.exec(nil, "COPY dst FROM '"+out+"' (FORMAT csv, HEADER true)")
	if !errors.Is(err, errs.ErrInvalidArgument) || !strings.Contains(err.Error(), "value too long for type character varying(5) (COPY dst, row 2, column name") {
		t.Errorf("COPY FROM of a value too long: %v", err)
	}
	h.want(nil, "SELECT count(*) FROM dst", "0")
	h.mustExec(nil, "CREATE TABLE wide (id bigint, name text)")
	if n := h.mustExec(nil, "COPY wide FROM '"+out+"' (FORMAT csv, HEADER true)"); n != 2 {
		t.Errorf("COPY FROM reported %d rows, want 2", n)
	}
	h.want(nil, "SELECT id, name FROM wide ORDER BY id", "1|ab", "2|abcdef")
}

// racingCatalog lets another writer commit to a table just before the next append commit of
// the test, so that the append loses the race.
type racingCatalog struct {
	catalog.Catalog
	mu       sync.Mutex
	armed    bool
	attempts int
}

func (r *racingCatalog) CommitSnapshot(ctx context.Context, commits ...catalog.Commit) ([]catalog.Snapshot, error) {
	r.mu.Lock()
	armed := r.armed
	r.armed = false
	r.attempts++
	r.mu.Unlock()
	if armed {
		cur, err := r.Catalog.GetTable(ctx, commits[0].Ref)
		if err != nil {
			return nil, err
		}
		if _, err := r.Catalog.CommitSnapshot(ctx, catalog.Commit{Ref: cur.Ref, Base: cur.CurrentSnapshot, Operation: "concurrent"}); err != nil {
			return nil, err
		}
	}
	return r.Catalog.CommitSnapshot(ctx, commits...)
}

// TestAppendRetriedAfterConcurrentCommit: an INSERT whose commit loses the race with another
// writer's is retried on the newer snapshot instead of failing.
func TestAppendRetriedAfterConcurrentCommit(t *testing.T) {
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	cat := &racingCatalog{Catalog: catalog.NewMemory()}
	c := New(Config{Catalog: cat, DataDir: t.TempDir(), Executor: flightnodes.NewNode(alloc), Alloc: alloc})
	h := &harness{t: t, c: c, sess: planner.Session{Tenant: catalog.DefaultTenant, User: catalog.AdminUser, Schema: catalog.DefaultSchema}, alloc: alloc}
	h.mustExec(nil, "CREATE TABLE a (id bigint)")
	h.mustExec(nil, "INSERT INTO a VALUES (1)")
	cat.mu.Lock()
	cat.armed, cat.attempts = true, 0
	cat.mu.Unlock()
	if n := h.mustExec(nil, "INSERT INTO a VALUES (2), (3)"); n != 2 {
		t.Errorf("INSERT reported %d rows, want 2", n)
	}
	if cat.attempts != 2 {
		t.Errorf("INSERT committed in %d attempts, want 2 (one lost race, one retry)", cat.attempts)
	}
	h.want(nil, "SELECT id FROM a ORDER BY id", "1", "2", "3")
}
