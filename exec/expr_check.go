package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/proto/errs"
)

// FnCheckConstraint ("tern_check_constraint"; the planner's proto.FnCheckConstraint) is how a
// CHECK constraint is enforced inside the write's own plan: tern_check_constraint(cond, message)
// is TRUE for every row where cond is TRUE or NULL (SQL CHECK semantics) and fails the
// statement with message (errs.ErrInvalidArgument, PostgreSQL's 23514) at the first row where
// cond is FALSE.
const FnCheckConstraint = "tern_check_constraint"

func checkConstraintKernel(args []Expr) (kernel, error) {
	if len(args) != 2 || args[0].Type().ID() != arrow.BOOL || args[1].Type().ID() != arrow.STRING {
		return nil, invalidf("function %s takes (boolean, text)", FnCheckConstraint)
	}
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		cond := ops[0]
		msgs, _ := ops[1].arr.(*array.String)
		for i := 0; i < n; i++ {
			j := i * cond.stride()
			if cond.arr.IsValid(j) && !cond.arr.(*array.Boolean).Value(j) {
				msg := "new row violates a check constraint"
				if msgs != nil && msgs.Len() > 0 {
					msg = msgs.Value(i * ops[1].stride())
				}
				return nil, errs.Errorf(errs.ErrInvalidArgument, "%s", msg)
			}
		}
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		b.Reserve(n)
		for i := 0; i < n; i++ {
			b.UnsafeAppend(true)
		}
		return b.NewArray(), nil
	}, nil
}
