package coordinator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/connectors/native"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/flightnodes"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto"
)

// Config wires a coordinator to its catalog, storage and executor.
type Config struct {
	Catalog catalog.Catalog
	// DataDir is the data directory: the coordinator's native store writes and maintains
	// native tables under it, and it holds transaction state (<data>/txn).
	DataDir  string
	Executor flightnodes.Executor
	// AllowDirs are the directories SQL may read files from (the planner's file access).
	AllowDirs []string
	Alloc     memory.Allocator // nil: Go allocator
	Logger    *slog.Logger     // nil: text to stderr
	// Sessions is the front end's session state the coordinator acts on (SET, temporary
	// schemas, a user's own password change). Nil: those statements are refused.
	Sessions Sessions
}

// Sessions is what statement execution needs from the front end that keeps sessions (the
// gateway): the coordinator changes catalog and data, the front end owns who the caller is.
// Every method acts on the caller the context names.
type Sessions interface {
	// StoreSetting keeps a SET / RESET with the caller's session.
	StoreSetting(ctx context.Context, st *planner.Set) error
	// EnsureTempSchema stores the caller's session (so that its end drops its temporary
	// tables) and creates its temporary schema.
	EnsureTempSchema(ctx context.Context) error
	// PasswordChanged is told that the caller changed its own password (hash is the new
	// one), so that it can hand the caller fresh credentials.
	PasswordChanged(ctx context.Context, tenant, user, hash string) error
}

// Coordinator executes statements: it plans through planner.Planner, runs fragments through
// a flightnodes.Executor, writes native tables through connectors/native and commits through
// the catalog.
type Coordinator struct {
	cat       catalog.Catalog
	store     *native.Store
	planner   planner.Planner
	exec      flightnodes.Executor
	allowDirs []string
	alloc     memory.Allocator
	log       *slog.Logger
	sessions  Sessions
}

// New returns a coordinator; it starts nothing.
func New(cfg Config) *Coordinator {
	if cfg.Alloc == nil {
		cfg.Alloc = memory.NewGoAllocator()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if cfg.Executor == nil {
		cfg.Executor = flightnodes.NewNode(cfg.Alloc)
	}
	store := native.New(cfg.DataDir, cfg.Catalog)
	return &Coordinator{
		cat:       cfg.Catalog,
		store:     store,
		planner:   planner.New(cfg.Catalog, &files.Access{AllowDirs: cfg.AllowDirs}, store),
		exec:      cfg.Executor,
		allowDirs: cfg.AllowDirs,
		alloc:     cfg.Alloc,
		log:       cfg.Logger,
		sessions:  cfg.Sessions,
	}
}

// DataDir is the data directory the coordinator's native store writes under (the gateway
// lets tickets read the files under it without an --allow-dir check).
func (c *Coordinator) DataDir() string { return c.store.DataDir() }

// Store is the coordinator's native store (tests load and maintain tables through it).
func (c *Coordinator) Store() *native.Store { return c.store }

// Session is the caller of a statement: the planner's session, and the transaction the
// statement runs in (nil: the statement commits on its own).
type Session struct {
	planner.Session
	Txn *Txn
}

// Planner is the planner of a statement: inside a transaction, one that reads the tables at
// their pinned snapshots plus the transaction's own writes.
func (c *Coordinator) Planner(tx *Txn) planner.Planner {
	if tx == nil {
		return c.planner
	}
	return c.txnPlanner(tx)
}

// RunQuery runs a planned query on the executor and hands every batch to sink (which must not
// keep it); it returns the row count.
func (c *Coordinator) RunQuery(ctx context.Context, sess planner.Session, q *planner.Query, sink func(context.Context, arrow.RecordBatch) error) (int64, error) {
	return c.runInto(ctx, sess, q, sink)
}

func (c *Coordinator) runInto(ctx context.Context, sess planner.Session, q *planner.Query, sink func(context.Context, arrow.RecordBatch) error) (int64, error) {
	op, err := c.exec.Run(ctx, &proto.Fragment{QueryID: newID(), Tenant: sess.Tenant, Plan: q.Plan})
	if err != nil {
		return 0, err
	}
	n, err := exec.ForEachBatch(ctx, op, func(b arrow.RecordBatch) error { return sink(ctx, b) })
	if err != nil {
		return n, fmt.Errorf("writing rows: %w", err)
	}
	return n, nil
}

// newID is a random 16-hex-digit id (query ids of internal runs, manifest names).
func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
