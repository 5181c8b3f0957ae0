package exec

import (
	"context"
	"errors"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// onEmpty streams its input; if the input ends without a single row, it streams the fallback
// instead (relabelled with the input's schema). GROUPING SETS containing the empty set use it:
// on empty input the hash aggregate over the expanded rows has no groups at all, while SQL
// still wants one grand-total row per empty set (COUNT 0, other aggregates NULL).
type onEmpty struct {
	input, fallback Operator
	rows            int64
	inputDone       bool
	stats           OperatorStats
	Lifecycle
}

var _ Operator = (*onEmpty)(nil)

// NewOnEmpty returns the operator described at onEmpty. fallback must have the input's column
// types; it is opened only if needed and closed with the operator.
func NewOnEmpty(input, fallback Operator) (Operator, error) {
	in, fb := input.Schema(), fallback.Schema()
	if in.NumFields() != fb.NumFields() {
		return nil, invalidf("on-empty fallback has %d columns, input %d", fb.NumFields(), in.NumFields())
	}
	for i := range in.Fields() {
		if !arrow.TypeEqual(in.Field(i).Type, fb.Field(i).Type) {
			return nil, invalidf("on-empty fallback column %d is %s, input %s", i, fb.Field(i).Type, in.Field(i).Type)
		}
	}
	return &onEmpty{input: input, fallback: fallback}, nil
}

func (o *onEmpty) Schema() *arrow.Schema          { return o.input.Schema() }
func (o *onEmpty) Open(ctx context.Context) error { return o.OpenOnce(ctx, o.input.Open) }
func (o *onEmpty) Stats() OperatorStats           { return o.stats }
func (o *onEmpty) Describe() string               { return "OnEmpty" }
func (o *onEmpty) Inputs() []Operator             { return []Operator{o.input} }

func (o *onEmpty) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := o.BeforeNext(ctx, o.input.Open); err != nil {
		return nil, err
	}
	if !o.inputDone {
		b, err := o.input.Next(ctx)
		if err == nil {
			o.rows += b.NumRows()
			o.stats.Rows += b.NumRows()
			o.stats.Batches++
			return b, nil
		}
		if !errors.Is(err, io.EOF) {
			return nil, err
		}
		o.inputDone = true
		if o.rows > 0 {
			return nil, io.EOF
		}
		if err := o.fallback.Open(ctx); err != nil {
			return nil, err
		}
	}
	if o.rows > 0 {
		return nil, io.EOF
	}
	b, err := o.fallback.Next(ctx)
	if err != nil {
		return nil, err
	}
	defer b.Release()
	o.stats.Rows += b.NumRows()
	o.stats.Batches++
	return array.NewRecordBatch(o.input.Schema(), b.Columns(), b.NumRows()), nil
}

func (o *onEmpty) Close() error { return o.CloseOnce(o.release) }

func (o *onEmpty) release() error {
	err := o.input.Close()
	if ferr := o.fallback.Close(); err == nil {
		err = ferr
	}
	return err
}
