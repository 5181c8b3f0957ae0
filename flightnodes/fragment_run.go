package flightnodes

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/planpb"
)

// fragmentRun is a Node's Stream: one fragment's operator tree, registered under its query
// id while it runs, with the counters of its FragmentStats.
//
// Its context (runCtx) is derived from Run's: the caller's cancellation and deadline reach
// the operators, and so does the node's Cancel (runCtx's own cancel). When runCtx ends the
// operators are closed at once (after a Next in progress returns), whether or not the
// caller is still reading, so a cancelled fragment's memory goes back to the allocator
// without waiting for its consumer. mu serialises the caller's Open/Next/Close with that
// close.
type fragmentRun struct {
	node                  *Node
	queryID               string
	fragmentID, partition int32
	schema                *arrow.Schema
	mem                   *exec.CountingAllocator

	parent    context.Context // Run's context; calls made with it run under runCtx as is
	runCtx    context.Context
	cancel    context.CancelCauseFunc
	stopClose func() bool   // unregisters the close-on-cancel
	outer     *atomic.Int64 // the caller's bytes counter (files.BytesCounter), credited by end
	released  chan struct{} // closed once the operators are closed and the run unregistered

	mu       sync.Mutex
	life     exec.Lifecycle // the caller's Open/Close
	op       exec.Operator  // nil once closed
	credited bool           // the caller's bytes counter got the fragment's bytes

	rows, batches, bytes atomic.Int64
	startNanos, elapsed  atomic.Int64 // unix nanos of Open; nanos from Open to the end (0: running)
	cancelled            atomic.Bool
}

var _ Stream = (*fragmentRun)(nil)

func newFragmentRun(ctx context.Context, n *Node, f *proto.Fragment, op exec.Operator, mem *exec.CountingAllocator) *fragmentRun {
	r := &fragmentRun{node: n, queryID: f.QueryID, fragmentID: int32(f.FragmentID), partition: int32(f.Partition),
		schema: op.Schema(), mem: mem, parent: ctx, op: op, outer: files.BytesCounter(ctx), released: make(chan struct{})}
	r.runCtx, r.cancel = context.WithCancelCause(ctx)
	// The fragment's scans count into its own counter (the outer one gets the total at the end).
	r.runCtx = files.WithBytesCounter(r.runCtx, &r.bytes)
	r.stopClose = context.AfterFunc(r.runCtx, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.release()
	})
	return r
}

func (r *fragmentRun) Schema() *arrow.Schema { return r.schema }

// callCtx is the context an Open or Next runs under: runCtx, joined with ctx when the
// caller passes another context than Run's.
func (r *fragmentRun) callCtx(ctx context.Context) (context.Context, func()) {
	if ctx == r.parent {
		return r.runCtx, func() {}
	}
	c, cancel := context.WithCancelCause(r.runCtx)
	stop := context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })
	return c, func() { stop(); cancel(nil) }
}

// stopped is the error of a call on a run whose operators were closed by its context's end.
func (r *fragmentRun) stopped() error {
	if c := context.Cause(r.runCtx); c != nil {
		return c
	}
	return ErrCancelled
}

// why reports a failed call's error: the cause of the run's end when the run was stopped
// (e.g. ErrCancelled, a statement timeout's cause), else err.
func why(c context.Context, err error) error {
	if c.Err() != nil {
		if cause := context.Cause(c); cause != nil {
			return cause
		}
	}
	return err
}

func (r *fragmentRun) Open(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.life.OpenOnce(ctx, r.open)
}

func (r *fragmentRun) open(ctx context.Context) error {
	if r.op == nil {
		return r.stopped()
	}
	r.startNanos.Store(time.Now().UnixNano())
	c, done := r.callCtx(ctx)
	defer done()
	if err := r.op.Open(c); err != nil {
		r.end()
		return why(c, err)
	}
	return nil
}

func (r *fragmentRun) Next(ctx context.Context) (arrow.RecordBatch, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.life.BeforeNext(ctx, r.open); err != nil {
		return nil, err
	}
	if r.op == nil {
		return nil, r.stopped()
	}
	c, done := r.callCtx(ctx)
	defer done()
	b, err := r.op.Next(c)
	if err != nil {
		r.end()
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		err = why(c, err)
		if r.runCtx.Err() != nil {
			r.release() // now rather than when the close-on-cancel gets the lock
		}
		return nil, err
	}
	r.rows.Add(b.NumRows())
	r.batches.Add(1)
	return b, nil
}

func (r *fragmentRun) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.life.CloseOnce(r.release)
}

// end records the elapsed time once the stream has ended and credits the caller's bytes
// counter, once (callers read it at the end of the stream, before or after Close).
func (r *fragmentRun) end() {
	if s := r.startNanos.Load(); s != 0 && r.elapsed.Load() == 0 {
		r.elapsed.Store(max(time.Now().UnixNano()-s, 1))
	}
	if r.outer != nil && !r.credited {
		r.credited = true
		r.outer.Add(r.bytes.Load())
	}
}

// release closes the operators (once), credits the caller's bytes counter and unregisters
// the run. Under mu.
func (r *fragmentRun) release() error {
	if r.op == nil {
		return nil
	}
	r.end()
	err := r.op.Close()
	r.op = nil
	r.stopClose()
	r.cancel(context.Canceled) // frees runCtx; no-op when it already ended
	r.node.unregister(r)
	close(r.released)
	return err
}

func (r *fragmentRun) FragmentStats() *planpb.FragmentStats {
	el := r.elapsed.Load()
	if s := r.startNanos.Load(); el == 0 && s != 0 {
		el = time.Now().UnixNano() - s
	}
	return &planpb.FragmentStats{
		QueryId:      r.queryID,
		FragmentId:   r.fragmentID,
		Partition:    r.partition,
		Rows:         r.rows.Load(),
		Batches:      r.batches.Load(),
		BytesScanned: r.bytes.Load(),
		PeakMemory:   r.mem.Peak(),
		ElapsedNanos: el,
		Cancelled:    r.cancelled.Load(),
	}
}
