package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Project evaluates one expression per output column over each input batch. Empty input
// batches are skipped.
type Project struct {
	env    Env
	input  Operator
	exprs  []Expr
	schema *arrow.Schema
	stats  OperatorStats
	Lifecycle
}

var _ Operator = (*Project)(nil)

// NewProject returns the projection of input onto exprs, named names (names may be nil:
// columns are then named col0, col1, ...; a ColumnRef keeps its input field's name).
func NewProject(env Env, input Operator, exprs []Expr, names []string) (*Project, error) {
	if names != nil && len(names) != len(exprs) {
		return nil, invalidf("projection has %d expressions and %d names", len(exprs), len(names))
	}
	in := input.Schema()
	fields := make([]arrow.Field, len(exprs))
	for i, e := range exprs {
		var name string
		switch {
		case names != nil:
			name = names[i]
		default:
			if c, ok := e.(*ColumnRef); ok && c.Index < in.NumFields() {
				name = in.Field(c.Index).Name
			} else {
				name = "col" + itoa(i)
			}
		}
		nullable := true
		if c, ok := e.(*ColumnRef); ok && c.Index < in.NumFields() {
			nullable = in.Field(c.Index).Nullable
		}
		fields[i] = arrow.Field{Name: name, Type: e.Type(), Nullable: nullable}
	}
	return &Project{env: env, input: input, exprs: exprs, schema: arrow.NewSchema(fields, nil)}, nil
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func (p *Project) Schema() *arrow.Schema          { return p.schema }
func (p *Project) Open(ctx context.Context) error { return p.OpenOnce(ctx, p.input.Open) }
func (p *Project) Close() error                   { return p.CloseOnce(p.input.Close) }
func (p *Project) Stats() OperatorStats           { return p.stats }

func (p *Project) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := p.BeforeNext(ctx, p.input.Open); err != nil {
		return nil, err
	}
	mem := allocOf(p.env)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, err := p.input.Next(ctx)
		if err != nil {
			return nil, err
		}
		if b.NumRows() == 0 {
			b.Release()
			continue
		}
		out, err := ProjectBatch(ctx, p.schema, p.exprs, b, mem)
		b.Release()
		if err != nil {
			return nil, err
		}
		p.stats.Rows += out.NumRows()
		p.stats.Batches++
		return out, nil
	}
}

// ProjectBatch evaluates exprs over b into a batch of schema.
func ProjectBatch(ctx context.Context, schema *arrow.Schema, exprs []Expr, b arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, 0, len(exprs))
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	for _, e := range exprs {
		c, err := e.Eval(ctx, b, mem)
		if err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return array.NewRecordBatch(schema, cols, b.NumRows()), nil
}

// Describe names the operator for EXPLAIN ANALYZE.
func (p *Project) Describe() string { return "Project" }

// Input returns the projected operator.
func (p *Project) Input() Operator { return p.input }
