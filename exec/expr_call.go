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

// NewCall builds the scalar function name (a name from package proto, the part before ':'
// of a Substrait compound name) over args, producing values of type out. out may be nil for
// functions whose result type is fixed (comparisons, boolean logic). Unknown functions and
// unsupported argument types are errs.ErrNotSupported.
func NewCall(name string, args []Expr, out arrow.DataType) (Expr, error) {
	var k kernel
	var err error
	switch name {
	case "add", "subtract", "multiply", "divide", "modulus":
		if len(args) != 2 {
			return nil, invalidf("function %s takes 2 arguments, got %d", name, len(args))
		}
		k, out, err = arithKernel(name, args[0].Type(), args[1].Type(), out)
	case "negate":
		if len(args) != 1 {
			return nil, invalidf("function %s takes 1 argument, got %d", name, len(args))
		}
		k, out, err = negateKernel(args[0].Type(), out)
	case "equal", "not_equal", "lt", "lte", "gt", "gte", "is_distinct_from", "is_not_distinct_from":
		if len(args) != 2 {
			return nil, invalidf("function %s takes 2 arguments, got %d", name, len(args))
		}
		k, err = compareKernel(name, args[0].Type(), args[1].Type())
		out = arrow.FixedWidthTypes.Boolean
	case "is_null", "is_not_null":
		if len(args) != 1 {
			return nil, invalidf("function %s takes 1 argument, got %d", name, len(args))
		}
		k = nullTestKernel(name == "is_null")
		out = arrow.FixedWidthTypes.Boolean
	case "and", "or", "not":
		for _, a := range args {
			if a.Type().ID() != arrow.BOOL && a.Type().ID() != arrow.NULL {
				return nil, invalidf("argument of %s must be boolean, not %s", strings.ToUpper(name), a.Type())
			}
		}
		if name == "not" {
			if len(args) != 1 {
				return nil, invalidf("function not takes 1 argument, got %d", len(args))
			}
			k = notKernel
		} else {
			if len(args) == 0 {
				return nil, invalidf("function %s needs arguments", name)
			}
			k = kleeneKernel(name == "and")
		}
		out = arrow.FixedWidthTypes.Boolean
	case "concat", "like", "ilike", "lower", "upper", "char_length", "substring":
		k, out, err = stringKernel(name, args, out)
	case "extract", "date_part":
		k, out, err = extractKernel(name, args, out)
	case "date_trunc":
		k, out, err = dateTruncKernel(args, out)
	case "age":
		k, out, err = ageKernel(args, out)
	case "justify_hours", "justify_days", "justify_interval":
		k, out, err = justifyKernel(name, args)
	case FnCheckConstraint: // expr_check.go
		k, err = checkConstraintKernel(args)
		out = arrow.FixedWidthTypes.Boolean
	default:
		// Each family reports ok=false (and no type) for names it does not know: the
		// planner's output type must reach the next one unchanged.
		var ok bool
		var got arrow.DataType
		if k, got, ok, err = strFuncKernel(name, args, out); !ok {
			k, got, ok, err = mathKernel(name, args, out)
		}
		if !ok {
			return nil, notSupportedf("scalar function %q", name)
		}
		out = got
	}
	if err != nil {
		return nil, err
	}
	return &Call{name: name, args: args, out: out, k: k}, nil
}
