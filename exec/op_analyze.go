package exec

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// EXPLAIN ANALYZE support: a counting allocator per operator and a decorator that counts
// what passes through Next and the time spent in it.

// CountingAllocator forwards to an allocator and keeps the bytes currently held through it and
// their peak. Buffers handed to a parent operator stay counted until released.
type CountingAllocator struct {
	memory.Allocator
	cur, peak atomic.Int64
}

// NewCountingAllocator wraps a (nil: the Go allocator).
func NewCountingAllocator(a memory.Allocator) *CountingAllocator {
	if a == nil {
		a = memory.DefaultAllocator
	}
	return &CountingAllocator{Allocator: a}
}

func (c *CountingAllocator) add(n int64) {
	v := c.cur.Add(n)
	for {
		p := c.peak.Load()
		if v <= p || c.peak.CompareAndSwap(p, v) {
			return
		}
	}
}

func (c *CountingAllocator) Allocate(size int) []byte {
	b := c.Allocator.Allocate(size)
	c.add(int64(len(b)))
	return b
}

func (c *CountingAllocator) Reallocate(size int, b []byte) []byte {
	old := len(b)
	nb := c.Allocator.Reallocate(size, b)
	c.add(int64(len(nb) - old))
	return nb
}

func (c *CountingAllocator) Free(b []byte) {
	c.add(-int64(len(b)))
	c.Allocator.Free(b)
}

// Current returns the bytes held now; Peak the most ever held at once.
func (c *CountingAllocator) Current() int64 { return c.cur.Load() }
func (c *CountingAllocator) Peak() int64    { return c.peak.Load() }

// Measured counts the rows and batches an operator returns and the wall time spent in its
// Open and Next calls, children included (inclusive time).
type Measured struct {
	Operator
	Rows, Batches int64
	Elapsed       time.Duration
}

// NewMeasured decorates op.
func NewMeasured(op Operator) *Measured { return &Measured{Operator: op} }

func (m *Measured) Open(ctx context.Context) error {
	t := time.Now()
	err := m.Operator.Open(ctx)
	m.Elapsed += time.Since(t)
	return err
}

func (m *Measured) Next(ctx context.Context) (arrow.RecordBatch, error) {
	t := time.Now()
	b, err := m.Operator.Next(ctx)
	m.Elapsed += time.Since(t)
	if b != nil {
		m.Rows += b.NumRows()
		m.Batches++
	}
	return b, err
}

// Stats reports the decorated operator's own figures when it has them (bytes scanned), with
// the counted rows and batches.
func (m *Measured) Stats() OperatorStats {
	var s OperatorStats
	if st, ok := m.Operator.(Stats); ok {
		s = st.Stats()
	}
	s.Rows, s.Batches = m.Rows, m.Batches
	return s
}

// Describer is an optional capability: a short name for EXPLAIN (e.g. "HashJoin[inner]").
type Describer interface {
	Describe() string
}
