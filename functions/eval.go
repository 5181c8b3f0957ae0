package functions

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/errs"
)

func notDeclared(id string) error {
	return errs.Errorf(errs.ErrNotSupported, "function %q is not declared in the function registry", id)
}

// Eval is the constant-folding evaluator: it runs f's kernel, the one the executor runs,
// over one-row arrays of the constant arguments and returns the one value. An error is the
// error the executor would raise for the same values (overflow, division by zero, ...).
func (f *Func) Eval(ctx context.Context, args []scalar.Scalar, out arrow.DataType) (scalar.Scalar, error) {
	xs := make([]exec.Expr, len(args))
	for i, a := range args {
		l, err := exec.NewLiteral(a)
		if err != nil {
			return nil, err
		}
		xs[i] = l
	}
	e, err := f.Build(xs, out)
	if err != nil {
		return nil, err
	}
	return evalOne(ctx, e)
}

// EvalCast is the folding evaluator of casts: exec's cast kernel over one row.
func EvalCast(ctx context.Context, v scalar.Scalar, to arrow.DataType) (scalar.Scalar, error) {
	l, err := exec.NewLiteral(v)
	if err != nil {
		return nil, err
	}
	e, err := exec.NewCast(l, to)
	if err != nil {
		return nil, err
	}
	return evalOne(ctx, e)
}

func evalOne(ctx context.Context, e exec.Expr) (scalar.Scalar, error) {
	one := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
	defer one.Release()
	a, err := e.Eval(ctx, one, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	if a.Len() != 1 {
		return nil, errs.Errorf(errs.ErrInternal, "constant evaluated to %d rows", a.Len())
	}
	return scalar.GetScalar(a, 0)
}

// FormatInterval renders an interval as the executor's interval -> text cast does
// (PostgreSQL's default output style); the planner's EXPLAIN and literal text use it.
func FormatInterval(months, days int32, micros int64) string {
	return string(exec.AppendInterval(nil, months, days, micros))
}

// ParseInterval reads interval text as the executor's text -> interval cast does
// (exec.ParseInterval); the planner's literals use it.
func ParseInterval(s, field string) (months, days int32, micros int64, err error) {
	return exec.ParseInterval(s, field)
}
