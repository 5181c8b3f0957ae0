package exec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/proto/errs"
)

// topN is ORDER BY ... OFFSET o LIMIT c without sorting everything: it buffers input batches
// and, whenever more than max(2k, 8192) rows are held (k = o+c), sorts them (sort_keys.go)
// and keeps the first k. Memory stays O(k + batch); time is O(n log k) amortized. At the end
// the kept rows are sorted once more and rows o..o+c are emitted. Ties keep input order, so
// the result equals a stable sort followed by the limit.
type topN struct {
	env           Env
	input         Operator
	keys          []SortKey
	offset, count int64
	schema        *arrow.Schema

	held   []arrow.RecordBatch
	nheld  int
	cols   []arrow.Array // final kept rows, sorted
	perm   vec[int32]
	n, pos int
	Lifecycle
	loaded bool
	stats  OperatorStats
}

var _ Operator = (*topN)(nil)

// NewTopN returns the rows offset..offset+count of input sorted by keys (count >= 0).
func NewTopN(env Env, input Operator, keys []SortKey, offset, count int64) (Operator, error) {
	if env.Alloc == nil {
		env.Alloc = memory.DefaultAllocator
	}
	if offset < 0 || count < 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "top-n: negative offset or count")
	}
	s := input.Schema()
	for _, k := range keys {
		if k.Col < 0 || k.Col >= s.NumFields() {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "top-n: key column %d out of range", k.Col)
		}
		if !sortKeyOK(s.Field(k.Col).Type) {
			return nil, errs.Errorf(errs.ErrNotSupported, "sort key of type %s", s.Field(k.Col).Type)
		}
	}
	return &topN{env: env, input: input, keys: keys, offset: offset, count: count, schema: s}, nil
}

func (t *topN) Schema() *arrow.Schema { return t.schema }
func (t *topN) Stats() OperatorStats  { return t.stats }
func (t *topN) Describe() string      { return "TopN" }
func (t *topN) Inputs() []Operator    { return []Operator{t.input} }

func (t *topN) Open(ctx context.Context) error { return t.OpenOnce(ctx, t.open) }

// open opens the inputs and sets up the operator's state (once, through Lifecycle).
func (t *topN) open(ctx context.Context) error {
	return t.input.Open(ctx)
}

func (t *topN) k() int {
	k := t.offset + t.count
	if k > 1<<30 {
		k = 1 << 30
	}
	return int(k)
}

// compact sorts the held rows and keeps the first k of them as one batch.
func (t *topN) compact() error {
	cols, n, err := t.concat()
	if err != nil {
		return err
	}
	defer releaseArrays(cols)
	perm, err := sortPermutation(t.env.Alloc, cols, t.keys, n)
	if err != nil {
		perm.release()
		return err
	}
	defer perm.release()
	keep := min(n, t.k())
	kept, err := gatherColumns(t.env.Alloc, cols, perm.s[:keep], nil)
	if err != nil {
		return err
	}
	rec := array.NewRecordBatch(t.schema, kept, int64(keep))
	releaseArrays(kept)
	t.releaseHeld()
	t.held, t.nheld = append(t.held, rec), keep
	return nil
}

// concat concatenates the held batches column by column (the caller releases the columns).
func (t *topN) concat() ([]arrow.Array, int, error) {
	cols, err := concatBatches(t.env.Alloc, t.schema, t.held)
	if err != nil {
		return nil, 0, err
	}
	return cols, t.nheld, nil
}

func (t *topN) releaseHeld() {
	releaseBatches(t.held)
	t.held, t.nheld = nil, 0
}

func (t *topN) load(ctx context.Context) error {
	k := t.k()
	limit := max(2*k, 8192)
	for k > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := t.input.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if b.NumRows() == 0 {
			b.Release()
			continue
		}
		t.held = append(t.held, b)
		t.nheld += int(b.NumRows())
		if t.nheld > limit {
			if err := t.compact(); err != nil {
				return err
			}
		}
	}
	if t.nheld == 0 {
		return nil
	}
	if err := t.compact(); err != nil {
		return err
	}
	// held is now one sorted batch of at most k rows.
	b := t.held[0]
	t.n = int(b.NumRows())
	for _, c := range b.Columns() {
		c.Retain()
		t.cols = append(t.cols, c)
	}
	t.releaseHeld()
	t.pos = int(min(t.offset, int64(t.n)))
	return nil
}

func (t *topN) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := t.BeforeNext(ctx, t.open); err != nil {
		return nil, err
	}
	if !t.loaded {
		t.loaded = true
		if err := t.load(ctx); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if t.pos >= t.n {
		return nil, io.EOF
	}
	end := min(t.pos+t.env.Size(), t.n)
	cols := make([]arrow.Array, len(t.cols))
	for i, c := range t.cols {
		cols[i] = array.NewSlice(c, int64(t.pos), int64(end))
	}
	rec := array.NewRecordBatch(t.schema, cols, int64(end-t.pos))
	releaseArrays(cols)
	t.stats.Rows += int64(end - t.pos)
	t.stats.Batches++
	t.pos = end
	return rec, nil
}

func (t *topN) Close() error { return t.CloseOnce(t.release) }

// release frees what the operator holds and closes its inputs (once, opened or not).
func (t *topN) release() error {
	t.releaseHeld()
	releaseArrays(t.cols)
	t.cols = nil
	t.perm.release()
	return t.input.Close()
}
