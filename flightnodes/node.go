package flightnodes

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
	"github.com/tern-db/tern/proto/planpb"
)

// Executor runs fragments. The gateway holds one: an in-process Node for `tern serve`, or a
// client of remote nodes. Cancellation and per-query counters are part of the protocol, so
// they work the same whether the fragment runs in this process or on another.
type Executor interface {
	// Run compiles the fragment and returns its stream, unopened: the caller opens, drains
	// and closes it. The stream's end carries the fragment's FragmentStats. A fragment of a
	// query cancelled on this executor (within the tombstone's lifetime) is refused with an
	// error wrapping context.Canceled.
	Run(ctx context.Context, f *proto.Fragment) (Stream, error)
	// Cancel stops every running fragment of queryID on this executor: a Next in progress
	// or to come returns ErrCancelled, and the fragment's operators are closed, so their
	// memory is back to the allocator when Cancel returns (or ctx ends first). Fragments of
	// the query that arrive later are refused until the tombstone expires: a cancel may
	// overtake the ticket it cancels.
	Cancel(ctx context.Context, queryID string) error
}

// Stream is a running fragment: an operator tree behind the exec.Operator contract whose
// end carries the fragment's totals (in-process a Go value; over Flight the app_metadata
// of the last FlightData).
type Stream interface {
	exec.Operator
	// FragmentStats reports the figures so far; they are final once Next has returned
	// io.EOF or an error, or the stream was closed.
	FragmentStats() *planpb.FragmentStats
}

// ErrCancelled ends the fragments of a cancelled query.
var ErrCancelled = errs.Errorf(context.Canceled, "query cancelled")

// DefaultTombstoneTTL is how long a node refuses fragments of a cancelled query: the
// default lifetime of the tickets that carry them.
const DefaultTombstoneTTL = 10 * time.Minute

// Node is an executor: it compiles fragments from their serialized Substrait bytes (always
// from the bytes, also in-process, so the distributed path is the one that is tested), runs
// them with its allocator and keeps the registry of its running fragments by query id.
type Node struct {
	Alloc        memory.Allocator
	BatchSize    int
	TombstoneTTL time.Duration // 0: DefaultTombstoneTTL
	// Peers fetches a fragment's inputs from other nodes over Flight when the fragment names
	// peers (service_inputs.go); nil: inputs run in-process.
	Peers *PeerInputs

	mu        sync.Mutex
	running   map[string]map[*fragmentRun]struct{}
	cancelled map[string]time.Time // query id -> end of its tombstone
}

var _ Executor = (*Node)(nil)

// NewNode returns a node allocating from mem (nil: Go allocator).
func NewNode(mem memory.Allocator) *Node {
	if mem == nil {
		mem = memory.NewGoAllocator()
	}
	return &Node{Alloc: mem}
}

func (n *Node) Run(ctx context.Context, f *proto.Fragment) (Stream, error) {
	r, err := n.start(ctx, f, func(env exec.Env) (exec.Operator, error) { return n.compileFragment(ctx, f, env) })
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Analyzer is an optional capability of an Executor: run a fragment with per-operator
// profiling for EXPLAIN ANALYZE.
type Analyzer interface {
	RunAnalyzed(ctx context.Context, f *proto.Fragment) (Stream, *Profile, error)
}

var _ Analyzer = (*Node)(nil)

func (n *Node) RunAnalyzed(ctx context.Context, f *proto.Fragment) (Stream, *Profile, error) {
	var prof *Profile
	r, err := n.start(ctx, f, func(env exec.Env) (op exec.Operator, err error) {
		op, prof, err = CompileAnalyzed(ctx, f.Plan, env)
		return op, err
	})
	if err != nil {
		return nil, nil, err
	}
	return r, prof, nil
}

// start compiles a fragment and registers its run.
func (n *Node) start(ctx context.Context, f *proto.Fragment, compile func(exec.Env) (exec.Operator, error)) (*fragmentRun, error) {
	if len(f.Plan) == 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "fragment has no plan")
	}
	if n.tombstoned(f.QueryID) { // cheap refusal; register checks again
		return nil, ErrCancelled
	}
	alloc := n.Alloc
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	mem := exec.NewCountingAllocator(alloc)
	op, err := compileGuarded(compile, exec.Env{Alloc: mem, BatchSize: n.BatchSize})
	if err != nil {
		return nil, err
	}
	r := newFragmentRun(ctx, n, f, op, mem)
	if err := n.register(r); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// compileGuarded is the node's one recover around compiling: a panic there is a bug, and
// it must not take the node down. It becomes an Internal error (the client sees no
// detail; the gateway logs the message, which carries the stack). Compile itself lets
// panics through, so the fuzz targets and tests, which call it directly, fail on them.
func compileGuarded(compile func(exec.Env) (exec.Operator, error), env exec.Env) (op exec.Operator, err error) {
	defer func() {
		if r := recover(); r != nil {
			op, err = nil, fmt.Errorf("%w: compiling fragment: panic: %v\n%s", errs.ErrInternal, r, debug.Stack())
		}
	}()
	return compile(env)
}

func (n *Node) ttl() time.Duration {
	if n.TombstoneTTL > 0 {
		return n.TombstoneTTL
	}
	return DefaultTombstoneTTL
}

func (n *Node) tombstoned(queryID string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.tombstonedLocked(queryID, time.Now())
}

func (n *Node) tombstonedLocked(queryID string, now time.Time) bool {
	until, ok := n.cancelled[queryID]
	return ok && now.Before(until)
}

// register adds r to the running fragments unless its query was cancelled meanwhile
// (checked under the same lock Cancel holds, so a cancel either finds r or r finds its
// tombstone).
func (n *Node) register(r *fragmentRun) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.tombstonedLocked(r.queryID, time.Now()) {
		return ErrCancelled
	}
	if n.running == nil {
		n.running = map[string]map[*fragmentRun]struct{}{}
	}
	if n.running[r.queryID] == nil {
		n.running[r.queryID] = map[*fragmentRun]struct{}{}
	}
	n.running[r.queryID][r] = struct{}{}
	return nil
}

func (n *Node) unregister(r *fragmentRun) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.running[r.queryID], r)
	if len(n.running[r.queryID]) == 0 {
		delete(n.running, r.queryID)
	}
}

func (n *Node) Cancel(ctx context.Context, queryID string) error {
	n.mu.Lock()
	now := time.Now()
	if n.cancelled == nil {
		n.cancelled = map[string]time.Time{}
	}
	for id, until := range n.cancelled {
		if !now.Before(until) {
			delete(n.cancelled, id)
		}
	}
	n.cancelled[queryID] = now.Add(n.ttl())
	var runs []*fragmentRun
	for r := range n.running[queryID] {
		runs = append(runs, r)
	}
	n.mu.Unlock()
	for _, r := range runs {
		r.cancelled.Store(true)
		r.cancel(ErrCancelled)
	}
	for _, r := range runs {
		select {
		case <-r.released:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Running reports how many fragments of queryID run on this node (tests, monitoring).
func (n *Node) Running(queryID string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.running[queryID])
}

// RunningQueries reports how many queries have fragments running on this node.
func (n *Node) RunningQueries() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.running)
}

// Stats reports the figures so far of queryID's running fragments on this node
// (monitoring, tests).
func (n *Node) Stats(queryID string) []*planpb.FragmentStats {
	n.mu.Lock()
	runs := make([]*fragmentRun, 0, len(n.running[queryID]))
	for r := range n.running[queryID] {
		runs = append(runs, r)
	}
	n.mu.Unlock()
	out := make([]*planpb.FragmentStats, len(runs))
	for i, r := range runs {
		out[i] = r.FragmentStats()
	}
	return out
}
