package exec

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// expand evaluates several projections over every input batch and emits one batch per
// projection (GROUPING SETS: one projection per set, the absent grouping columns NULL). The
// projections have the same types; output fields are nullable.
type expand struct {
	env    Env
	input  Operator
	projs  [][]Expr
	schema *arrow.Schema
	cur    arrow.RecordBatch
	next   int
	stats  OperatorStats
	Lifecycle
}

var _ Operator = (*expand)(nil)

// NewExpand returns the operator emitting, for each input batch, projs[0](batch),
// projs[1](batch), ...
func NewExpand(env Env, input Operator, projs [][]Expr, names []string) (Operator, error) {
	if len(projs) == 0 {
		return nil, invalidf("expand without projections")
	}
	fields := make([]arrow.Field, len(projs[0]))
	for i, e := range projs[0] {
		name := fmt.Sprintf("col%d", i)
		if i < len(names) {
			name = names[i]
		}
		fields[i] = arrow.Field{Name: name, Type: e.Type(), Nullable: true}
	}
	for _, p := range projs[1:] {
		if len(p) != len(fields) {
			return nil, invalidf("expand projections of different widths")
		}
		for i, e := range p {
			if !arrow.TypeEqual(e.Type(), fields[i].Type) {
				return nil, invalidf("expand column %d has types %s and %s", i, fields[i].Type, e.Type())
			}
		}
	}
	return &expand{env: env, input: input, projs: projs, schema: arrow.NewSchema(fields, nil)}, nil
}

func (e *expand) Schema() *arrow.Schema          { return e.schema }
func (e *expand) Open(ctx context.Context) error { return e.OpenOnce(ctx, e.input.Open) }
func (e *expand) Stats() OperatorStats           { return e.stats }
func (e *expand) Describe() string               { return fmt.Sprintf("Expand[%d]", len(e.projs)) }
func (e *expand) Inputs() []Operator             { return []Operator{e.input} }

func (e *expand) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := e.BeforeNext(ctx, e.input.Open); err != nil {
		return nil, err
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if e.cur == nil {
			b, err := e.input.Next(ctx)
			if err != nil {
				return nil, err
			}
			if b.NumRows() == 0 {
				b.Release()
				continue
			}
			e.cur, e.next = b, 0
		}
		out, err := ProjectBatch(ctx, e.schema, e.projs[e.next], e.cur, allocOf(e.env))
		e.next++
		if e.next == len(e.projs) {
			e.cur.Release()
			e.cur = nil
		}
		if err != nil {
			return nil, err
		}
		e.stats.Rows += out.NumRows()
		e.stats.Batches++
		return out, nil
	}
}

func (e *expand) Close() error { return e.CloseOnce(e.release) }

func (e *expand) release() error {
	if e.cur != nil {
		e.cur.Release()
		e.cur = nil
	}
	return e.input.Close()
}
