package exec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/proto/errs"
)

// limitOp slices its input's batches (no copy) and stops pulling once count rows are out;
// its input is closed as soon as it is done, so upstream resources go early.
type limitOp struct {
	input         Operator
	offset, count int64
	skipped, out  int64
	Lifecycle
	done        bool
	inputClosed bool
	stats       OperatorStats
}

var _ Operator = (*limitOp)(nil)

// NewLimit skips offset rows then passes at most count rows (count < 0: no limit), and stops
// pulling its input once count rows are out.
func NewLimit(env Env, input Operator, offset, count int64) (Operator, error) {
	if offset < 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "OFFSET must not be negative")
	}
	return &limitOp{input: input, offset: offset, count: count}, nil
}

func (l *limitOp) Schema() *arrow.Schema { return l.input.Schema() }
func (l *limitOp) Stats() OperatorStats  { return l.stats }

func (l *limitOp) Open(ctx context.Context) error { return l.OpenOnce(ctx, l.open) }
func (l *limitOp) open(ctx context.Context) error { return l.input.Open(ctx) }

func (l *limitOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := l.BeforeNext(ctx, l.open); err != nil {
		return nil, err
	}
	if l.done {
		return nil, io.EOF
	}
	for {
		if l.count >= 0 && l.out >= l.count {
			l.finish()
			return nil, io.EOF
		}
		b, err := l.input.Next(ctx)
		if err == io.EOF {
			l.finish()
			return nil, io.EOF
		}
		if err != nil {
			return nil, err
		}
		n := b.NumRows()
		start := int64(0)
		if l.skipped < l.offset {
			skip := min(l.offset-l.skipped, n)
			l.skipped += skip
			start = skip
		}
		end := n
		if l.count >= 0 {
			end = min(n, start+l.count-l.out)
		}
		if end <= start {
			b.Release()
			continue
		}
		l.out += end - start
		l.stats.Rows += end - start
		l.stats.Batches++
		if start == 0 && end == n {
			return b, nil
		}
		s := b.NewSlice(start, end)
		b.Release()
		return s, nil
	}
}

// finish closes the input early once the limit is reached.
func (l *limitOp) finish() {
	l.done = true
	if !l.inputClosed {
		l.inputClosed = true
		l.input.Close()
	}
}

func (l *limitOp) Close() error { return l.CloseOnce(l.release) }

func (l *limitOp) release() error {
	if l.inputClosed {
		return nil
	}
	l.inputClosed = true
	return l.input.Close()
}

// Describe names the operator for EXPLAIN ANALYZE.
func (l *limitOp) Describe() string { return "Limit" }
