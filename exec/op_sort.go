package exec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/proto/errs"
)

// sortOp reads its whole input, concatenates it (memory from env.Alloc), computes the sorted
// permutation (sort_keys.go) and emits gathered batches of env.Size() rows.
type sortOp struct {
	env    Env
	input  Operator
	keys   []SortKey
	schema *arrow.Schema

	cols   []arrow.Array
	perm   vec[int32]
	n, pos int
	Lifecycle
	sorted bool
	stats  OperatorStats
}

var _ Operator = (*sortOp)(nil)

// NewSort sorts input by keys (stable with respect to input order for ties). NULLs go first
// or last as each key says; floats order NaN above every number and -0 equal to 0; strings
// compare bytewise.
func NewSort(env Env, input Operator, keys []SortKey) (Operator, error) {
	if env.Alloc == nil {
		env.Alloc = memory.DefaultAllocator
	}
	s := input.Schema()
	for _, k := range keys {
		if k.Col < 0 || k.Col >= s.NumFields() {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "sort: key column %d out of range", k.Col)
		}
		if !sortKeyOK(s.Field(k.Col).Type) {
			return nil, errs.Errorf(errs.ErrNotSupported, "sort key of type %s", s.Field(k.Col).Type)
		}
	}
	return &sortOp{env: env, input: input, keys: keys, schema: s}, nil
}

func (s *sortOp) Schema() *arrow.Schema { return s.schema }
func (s *sortOp) Stats() OperatorStats  { return s.stats }

func (s *sortOp) Open(ctx context.Context) error { return s.OpenOnce(ctx, s.open) }

// open opens the inputs and sets up the operator's state (once, through Lifecycle).
func (s *sortOp) open(ctx context.Context) error {
	return s.input.Open(ctx)
}

func (s *sortOp) load(ctx context.Context) error {
	batches, n, err := collect(ctx, s.input)
	if err != nil {
		return err
	}
	s.n = n
	if s.n == 0 {
		return nil
	}
	s.cols, err = concatBatches(s.env.Alloc, s.schema, batches)
	releaseBatches(batches)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(s.keys) == 0 {
		s.perm = newVec[int32](s.env.Alloc)
		s.perm.resize(s.n)
		for i := range s.perm.s {
			s.perm.s[i] = int32(i)
		}
		return nil
	}
	perm, err := sortPermutation(s.env.Alloc, s.cols, s.keys, s.n)
	s.perm = perm
	return err
}

func (s *sortOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := s.BeforeNext(ctx, s.open); err != nil {
		return nil, err
	}
	if !s.sorted {
		if err := s.load(ctx); err != nil {
			return nil, err
		}
		s.sorted = true
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.pos >= s.n {
		return nil, io.EOF
	}
	end := min(s.pos+s.env.Size(), s.n)
	idx := s.perm.s[s.pos:end]
	cols, err := gatherColumns(s.env.Alloc, s.cols, idx, make([]arrow.Array, 0, len(s.cols)))
	if err != nil {
		return nil, err
	}
	rec := array.NewRecordBatch(s.schema, cols, int64(end-s.pos))
	releaseArrays(cols)
	s.stats.Rows += int64(end - s.pos)
	s.stats.Batches++
	s.pos = end
	if s.pos >= s.n {
		// Everything is out: give the memory back before the caller closes us.
		releaseArrays(s.cols)
		s.cols = nil
		s.perm.release()
	}
	return rec, nil
}

func (s *sortOp) Close() error { return s.CloseOnce(s.release) }

// release frees what the operator holds and closes its inputs (once, opened or not).
func (s *sortOp) release() error {
	releaseArrays(s.cols)
	s.cols = nil
	s.perm.release()
	return s.input.Close()
}

// Describe names the operator for EXPLAIN ANALYZE.
func (s *sortOp) Describe() string { return "Sort" }
