package exec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

// Source streams batches it was given (VALUES rows, test inputs, already-materialized data).
// It retains the batches at construction and releases whatever was not handed out on Close.
type Source struct {
	schema  *arrow.Schema
	batches []arrow.RecordBatch
	pos     int
	stats   OperatorStats
	Lifecycle
}

var _ Operator = (*Source)(nil)

// NewSource returns an operator that yields batches in order. It takes its own reference to
// each batch.
func NewSource(schema *arrow.Schema, batches ...arrow.RecordBatch) *Source {
	for _, b := range batches {
		b.Retain()
	}
	return &Source{schema: schema, batches: batches}
}

func (s *Source) Schema() *arrow.Schema          { return s.schema }
func (s *Source) Open(ctx context.Context) error { return s.OpenOnce(ctx, openNothing) }

func openNothing(context.Context) error { return nil }

func (s *Source) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := s.BeforeNext(ctx, openNothing); err != nil {
		return nil, err
	}
	for s.pos < len(s.batches) {
		b := s.batches[s.pos]
		s.batches[s.pos] = nil
		s.pos++
		if b.NumRows() == 0 {
			b.Release()
			continue
		}
		s.stats.Rows += b.NumRows()
		s.stats.Batches++
		return b, nil
	}
	return nil, io.EOF
}

func (s *Source) Close() error { return s.CloseOnce(s.release) }

func (s *Source) release() error {
	for i := s.pos; i < len(s.batches); i++ {
		if s.batches[i] != nil {
			s.batches[i].Release()
			s.batches[i] = nil
		}
	}
	s.pos = len(s.batches)
	return nil
}

func (s *Source) Stats() OperatorStats { return s.stats }

// Drain opens op, reads it to the end and returns every batch (the caller releases them),
// then closes op. On error it releases what it read.
func Drain(ctx context.Context, op Operator) ([]arrow.RecordBatch, error) {
	var out []arrow.RecordBatch
	release := func() {
		for _, b := range out {
			b.Release()
		}
	}
	if err := op.Open(ctx); err != nil {
		op.Close()
		return nil, err
	}
	for {
		b, err := op.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			release()
			op.Close()
			return nil, err
		}
		out = append(out, b)
	}
	return out, op.Close()
}
