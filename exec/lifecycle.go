package exec

import (
	"context"

	"github.com/tern-db/tern/proto/errs"
)

// ErrClosed is what Open and Next return once an operator has been closed: a caller bug
// (the stream is gone and its buffers released), never a normal end of stream.
var ErrClosed = errs.Errorf(errs.ErrInternal, "operator used after Close")

// Lifecycle keeps the state rules of the Operator contract in one place, so that an operator
// only writes what it does when it opens and when it closes. Embed it (or hold it in a field)
// and route the three calls through it:
//
//	func (o *op) Open(ctx context.Context) error { return o.OpenOnce(ctx, o.open) }
//	func (o *op) Next(ctx context.Context) (arrow.RecordBatch, error) {
//		if err := o.BeforeNext(ctx, o.open); err != nil {
//			return nil, err
//		}
//		...
//	}
//	func (o *op) Close() error { return o.CloseOnce(o.release) }
//
// open opens the operator's inputs and prepares its state; it runs once, on the first Open
// or on a Next that comes without Open. release closes the inputs and frees every buffer;
// it runs once, whether or not the operator was opened, so it must cope with an unopened
// operator. The zero value is an unopened operator.
type Lifecycle struct {
	opened, closed bool
	openErr        error
}

// OpenOnce runs open the first time it is called and returns its error then and on every
// later call; after Close it returns ErrClosed.
func (l *Lifecycle) OpenOnce(ctx context.Context, open func(context.Context) error) error {
	if l.closed {
		return ErrClosed
	}
	if !l.opened {
		l.opened = true
		l.openErr = open(ctx)
	}
	return l.openErr
}

// BeforeNext guards Next: ErrClosed after Close, ctx's error once it is cancelled, and the
// operator opened (through open) when Next comes first.
func (l *Lifecycle) BeforeNext(ctx context.Context, open func(context.Context) error) error {
	if l.closed {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return l.OpenOnce(ctx, open)
}

// CloseOnce runs release the first time it is called (opened or not) and returns nil on
// every later call.
func (l *Lifecycle) CloseOnce(release func() error) error {
	if l.closed {
		return nil
	}
	l.closed = true
	return release()
}

// Opened reports whether Open ran (or Next opened the operator); Closed whether Close did.
func (l *Lifecycle) Opened() bool { return l.opened }
func (l *Lifecycle) Closed() bool { return l.closed }
