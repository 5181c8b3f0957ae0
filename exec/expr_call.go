package exec

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// kernel computes a function over evaluated operands for n rows. Type dispatch happens once,
// when the kernel is chosen; the kernel itself loops over raw buffers.
type kernel func(ctx context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error)

// Call is a scalar function applied to argument expressions.
type Call struct {
	name string
	args []Expr
	out  arrow.DataType
	k    kernel
}

func (c *Call) Type() arrow.DataType { return c.out }
func (c *Call) Name() string         { return c.name }
func (c *Call) Args() []Expr         { return c.args }

func (c *Call) String() string {
	parts := make([]string, len(c.args))
	for i, a := range c.args {
		parts[i] = a.String()
	}
	return fmt.Sprintf("%s(%s)", c.name, strings.Join(parts, ", "))
}

func (c *Call) Eval(ctx context.Context, b arrow.RecordBatch, mem memory.Allocator) (arrow.Array, error) {
	ops, err := evalOperands(ctx, c.args, b, mem)
	if err != nil {
		return nil, err
	}
	defer releaseOperands(ops)
	return c.k(ctx, ops, int(b.NumRows()), mem)
}

// Builder constructs a scalar call over args producing values of type out. The argument
// types are known when the plan is compiled, so the kernel (the loop over raw buffers) is
// chosen once here, never per row. out may be nil where the kernel's result type is fixed
// (comparisons, boolean logic) or follows its arguments. Unsupported argument types are
// errs.ErrNotSupported.
//
// exec does not know SQL names: the function registry (package functions, above exec)
// declares each function once and points at one of the family constructors below.
type Builder func(args []Expr, out arrow.DataType) (Expr, error)

func arity(name string, args []Expr, n int) error {
	if len(args) != n {
		return invalidf("function %s takes %d argument(s), got %d", name, n, len(args))
	}
	return nil
}

// Arith builds the binary arithmetic op (add, subtract, multiply, divide, modulus) with
// PostgreSQL's overflow, division-by-zero and exact-decimal rules.
func Arith(op string) Builder {
	return func(args []Expr, out arrow.DataType) (Expr, error) {
		if err := arity(op, args, 2); err != nil {
			return nil, err
		}
		k, out, err := arithKernel(op, args[0].Type(), args[1].Type(), out)
		return newCall(op, args, out, k, err)
	}
}

// Negate builds unary minus.
func Negate(name string) Builder {
	return func(args []Expr, out arrow.DataType) (Expr, error) {
		if err := arity(name, args, 1); err != nil {
			return nil, err
		}
		k, out, err := negateKernel(args[0].Type(), out)
		return newCall(name, args, out, k, err)
	}
}

// Compare builds a comparison (equal, not_equal, lt, lte, gt, gte, is_distinct_from,
// is_not_distinct_from).
func Compare(op string) Builder {
	return func(args []Expr, _ arrow.DataType) (Expr, error) {
		if err := arity(op, args, 2); err != nil {
			return nil, err
		}
		k, err := compareKernel(op, args[0].Type(), args[1].Type())
		return newCall(op, args, arrow.FixedWidthTypes.Boolean, k, err)
	}
}

// NullTest builds IS NULL (isNull) or IS NOT NULL.
func NullTest(name string, isNull bool) Builder {
	return func(args []Expr, _ arrow.DataType) (Expr, error) {
		if err := arity(name, args, 1); err != nil {
			return nil, err
		}
		return newCall(name, args, arrow.FixedWidthTypes.Boolean, nullTestKernel(isNull), nil)
	}
}

func boolArgs(name string, args []Expr) error {
	for _, a := range args {
		if a.Type().ID() != arrow.BOOL && a.Type().ID() != arrow.NULL {
			return invalidf("argument of %s must be boolean, not %s", strings.ToUpper(name), a.Type())
		}
	}
	return nil
}

// Logic builds variadic AND (isAnd) or OR with Kleene three-valued logic.
func Logic(name string, isAnd bool) Builder {
	return func(args []Expr, _ arrow.DataType) (Expr, error) {
		if err := boolArgs(name, args); err != nil {
			return nil, err
		}
		if len(args) == 0 {
			return nil, invalidf("function %s needs arguments", name)
		}
		return newCall(name, args, arrow.FixedWidthTypes.Boolean, kleeneKernel(isAnd), nil)
	}
}

// Not builds boolean negation.
func Not(name string) Builder {
	return func(args []Expr, _ arrow.DataType) (Expr, error) {
		if err := boolArgs(name, args); err != nil {
			return nil, err
		}
		if err := arity(name, args, 1); err != nil {
			return nil, err
		}
		return newCall(name, args, arrow.FixedWidthTypes.Boolean, notKernel, nil)
	}
}

// String builds the SQL string operators and core functions (concat (||), like, ilike,
// lower, upper, char_length, substring).
func String(name string) Builder {
	return func(args []Expr, out arrow.DataType) (Expr, error) {
		k, out, err := stringKernel(name, args, out)
		return newCall(name, args, out, k, err)
	}
}

// StringFunc builds one of PostgreSQL's further string functions (expr_strfuncs.go).
func StringFunc(name string) Builder {
	return func(args []Expr, out arrow.DataType) (Expr, error) {
		k, out, ok, err := strFuncKernel(name, args, out)
		if !ok {
			return nil, notSupportedf("string function %q", name)
		}
		return newCall(name, args, out, k, err)
	}
}

// Math builds one of PostgreSQL's math functions (expr_math.go).
func Math(name string) Builder {
	return func(args []Expr, out arrow.DataType) (Expr, error) {
		k, out, ok, err := mathKernel(name, args, out)
		if !ok {
			return nil, notSupportedf("math function %q", name)
		}
		return newCall(name, args, out, k, err)
	}
}

// Extract builds extract (numeric result) or date_part (double).
func Extract(name string) Builder {
	return func(args []Expr, out arrow.DataType) (Expr, error) {
		k, out, err := extractKernel(name, args, out)
		return newCall(name, args, out, k, err)
	}
}

// DateTrunc builds date_trunc(field, value).
func DateTrunc(name string) Builder {
	return func(args []Expr, out arrow.DataType) (Expr, error) {
		k, out, err := dateTruncKernel(args, out)
		return newCall(name, args, out, k, err)
	}
}

// Age builds age(timestamp[, timestamp]).
func Age(name string) Builder {
	return func(args []Expr, out arrow.DataType) (Expr, error) {
		k, out, err := ageKernel(args, out)
		return newCall(name, args, out, k, err)
	}
}

// Justify builds justify_hours, justify_days or justify_interval.
func Justify(name string) Builder {
	return func(args []Expr, _ arrow.DataType) (Expr, error) {
		k, out, err := justifyKernel(name, args)
		return newCall(name, args, out, k, err)
	}
}

// CheckConstraint builds FnCheckConstraint (expr_check.go).
func CheckConstraint(name string) Builder {
	return func(args []Expr, _ arrow.DataType) (Expr, error) {
		k, err := checkConstraintKernel(args)
		return newCall(name, args, arrow.FixedWidthTypes.Boolean, k, err)
	}
}

func newCall(name string, args []Expr, out arrow.DataType, k kernel, err error) (Expr, error) {
	if err != nil {
		return nil, err
	}
	return &Call{name: name, args: args, out: out, k: k}, nil
}
