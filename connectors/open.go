package connectors

import (
	"context"
	"errors"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/errs"
)

// open.go: the node side of a scan. OpenSplits opens every split of one scan with its
// connector and reads them one after the other.

// OpenSplits opens splits of the connector named name and returns one operator producing
// their rows in order, with the projected columns of base. No split: an empty source.
func (r *Registry) OpenSplits(ctx context.Context, env exec.Env, name string, splits [][]byte, base *arrow.Schema, projection []int) (exec.Operator, error) {
	c, err := r.Lookup(name)
	if err != nil {
		return nil, err
	}
	for _, p := range projection {
		if p < 0 || p >= base.NumFields() {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "scan projects column %d of %d", p, base.NumFields())
		}
	}
	if len(splits) == 0 {
		return exec.NewSource(projected(base, projection)), nil
	}
	ops := make([]exec.Operator, 0, len(splits))
	for _, sp := range splits {
		op, err := c.Open(ctx, env, sp, base, projection)
		if err != nil {
			for _, o := range ops {
				o.Close()
			}
			return nil, err
		}
		ops = append(ops, op)
	}
	if len(ops) == 1 {
		return ops[0], nil
	}
	return &splitsScan{ops: ops, schema: ops[0].Schema()}, nil
}

func projected(s *arrow.Schema, proj []int) *arrow.Schema {
	if proj == nil {
		return s
	}
	fields := make([]arrow.Field, len(proj))
	for i, p := range proj {
		fields[i] = s.Field(p)
	}
	return arrow.NewSchema(fields, nil)
}

// splitsScan reads its split operators in order; its stats are theirs summed (rows, bytes
// scanned), so EXPLAIN ANALYZE and the bytes counters see one scan.
type splitsScan struct {
	ops    []exec.Operator
	schema *arrow.Schema
	cur    int
	closed bool
}

var (
	_ exec.Operator = (*splitsScan)(nil)
	_ exec.Stats    = (*splitsScan)(nil)
)

func (s *splitsScan) Schema() *arrow.Schema { return s.schema }

func (s *splitsScan) Open(ctx context.Context) error {
	if s.closed || s.cur >= len(s.ops) {
		return nil
	}
	return s.ops[s.cur].Open(ctx)
}

func (s *splitsScan) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for !s.closed && s.cur < len(s.ops) {
		b, err := s.ops[s.cur].Next(ctx)
		if errors.Is(err, io.EOF) {
			if err := s.ops[s.cur].Close(); err != nil {
				return nil, err
			}
			s.cur++
			if s.cur < len(s.ops) {
				if err := s.ops[s.cur].Open(ctx); err != nil {
					return nil, err
				}
			}
			continue
		}
		return b, err
	}
	return nil, io.EOF
}

func (s *splitsScan) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	var first error
	for _, o := range s.ops {
		if err := o.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (s *splitsScan) Stats() exec.OperatorStats {
	var st exec.OperatorStats
	for _, o := range s.ops {
		if x, ok := o.(exec.Stats); ok {
			os := x.Stats()
			st.Rows += os.Rows
			st.Batches += os.Batches
			st.BytesScanned += os.BytesScanned
		}
	}
	return st
}
