package flightnodes

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/functions"
	"github.com/tern-db/tern/proto/errs"
)

// expr converts a Substrait expression over a relation with schema in.
func (c *compiler) expr(e *substraitpb.Expression, in *arrow.Schema) (exec.Expr, error) {
	if e == nil || e.GetRexType() == nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "missing expression")
	}
	switch x := e.GetRexType().(type) {
	case *substraitpb.Expression_Literal_:
		s, err := literalScalar(x.Literal)
		if err != nil {
			return nil, err
		}
		return exec.NewLiteral(s)
	case *substraitpb.Expression_Selection:
		i, err := fieldIndex(x.Selection, in.NumFields())
		if err != nil {
			return nil, err
		}
		return exec.NewColumnRef(i, in.Field(i).Type), nil
	case *substraitpb.Expression_ScalarFunction_:
		return c.scalarFunction(x.ScalarFunction, in)
	case *substraitpb.Expression_IfThen_:
		var whens, thens []exec.Expr
		for _, clause := range x.IfThen.GetIfs() {
			w, err := c.expr(clause.GetIf(), in)
			if err != nil {
				return nil, err
			}
			t, err := c.expr(clause.GetThen(), in)
			if err != nil {
				return nil, err
			}
			whens, thens = append(whens, w), append(thens, t)
		}
		var els exec.Expr
		if x.IfThen.GetElse() != nil {
			var err error
			if els, err = c.expr(x.IfThen.GetElse(), in); err != nil {
				return nil, err
			}
		}
		var out arrow.DataType
		for _, t := range append(append([]exec.Expr(nil), thens...), els) {
			if t != nil && t.Type().ID() != arrow.NULL {
				out = t.Type()
				break
			}
		}
		if out == nil {
			out = arrow.Null
		}
		return exec.NewCase(whens, thens, els, out)
	case *substraitpb.Expression_Cast_:
		to, err := arrowType(x.Cast.GetType())
		if err != nil {
			return nil, err
		}
		v, err := c.expr(x.Cast.GetInput(), in)
		if err != nil {
			return nil, err
		}
		return exec.NewCast(v, to)
	case *substraitpb.Expression_SingularOrList_:
		v, err := c.expr(x.SingularOrList.GetValue(), in)
		if err != nil {
			return nil, err
		}
		opts, err := c.exprs(x.SingularOrList.GetOptions(), in)
		if err != nil {
			return nil, err
		}
		return exec.NewInList(v, opts)
	}
	return nil, errs.Errorf(errs.ErrNotSupported, "Substrait expression %s", exprKindName(e))
}

func exprKindName(e *substraitpb.Expression) string {
	s := fmt.Sprintf("%T", e.GetRexType())
	if len(s) > len("*substraitpb.Expression_") {
		s = s[len("*substraitpb.Expression_"):]
	}
	if len(s) > 0 && s[len(s)-1] == '_' {
		s = s[:len(s)-1]
	}
	return s
}

func (c *compiler) exprs(es []*substraitpb.Expression, in *arrow.Schema) ([]exec.Expr, error) {
	out := make([]exec.Expr, len(es))
	for i, e := range es {
		x, err := c.expr(e, in)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

func (c *compiler) scalarFunction(f *substraitpb.Expression_ScalarFunction, in *arrow.Schema) (exec.Expr, error) {
	name, err := c.funcName(f.GetFunctionReference())
	if err != nil {
		return nil, err
	}
	var args []exec.Expr
	if len(f.GetArguments()) > 0 {
		for i, a := range f.GetArguments() {
			v := a.GetValue()
			if v == nil {
				return nil, errs.Errorf(errs.ErrNotSupported, "argument %d of %s is not a value", i, name)
			}
			x, err := c.expr(v, in)
			if err != nil {
				return nil, err
			}
			args = append(args, x)
		}
	} else {
		if args, err = c.exprs(f.GetArgs(), in); err != nil {
			return nil, err
		}
	}
	var out arrow.DataType
	if f.GetOutputType() != nil {
		if out, err = arrowType(f.GetOutputType()); err != nil {
			return nil, err
		}
	}
	// The kernel is chosen here, once per plan, from the declared URN and name.
	fn, ok := functions.Lookup(c.urns[f.GetFunctionReference()], name)
	if !ok {
		return nil, errs.Errorf(errs.ErrNotSupported, "scalar function %q", name)
	}
	x, err := fn.Build(args, out)
	if err != nil {
		return nil, fmt.Errorf("function %s: %w", name, err)
	}
	return x, nil
}

// fieldIndex reads a direct struct-field reference from the root.
func fieldIndex(r *substraitpb.Expression_FieldReference, n int) (int, error) {
	if r == nil {
		return 0, errs.Errorf(errs.ErrInvalidArgument, "missing field reference")
	}
	if r.GetOuterReference() != nil || r.GetLambdaParameterReference() != nil || r.GetExpression() != nil {
		return 0, errs.Errorf(errs.ErrNotSupported, "field references other than from the root")
	}
	seg := r.GetDirectReference()
	sf := seg.GetStructField()
	if sf == nil {
		return 0, errs.Errorf(errs.ErrNotSupported, "field reference that is not a struct field")
	}
	if sf.GetChild() != nil {
		return 0, errs.Errorf(errs.ErrNotSupported, "nested field references")
	}
	i := int(sf.GetField())
	if i < 0 || i >= n {
		return 0, errs.Errorf(errs.ErrInvalidArgument, "field reference %d out of range (input has %d fields)", i, n)
	}
	return i, nil
}

// fieldRefOf reports whether e is a plain field reference, and which.
func fieldRefOf(e *substraitpb.Expression, n int) (int, bool) {
	sel := e.GetSelection()
	if sel == nil {
		return 0, false
	}
	i, err := fieldIndex(sel, n)
	return i, err == nil
}

// evalConst evaluates an expression without inputs (one row) and returns its value.
func evalConst(c *compiler, x exec.Expr) (any, bool, error) {
	one := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
	defer one.Release()
	a, err := x.Eval(c.ctx, one, defaultAlloc)
	if err != nil {
		return nil, false, err
	}
	defer a.Release()
	if a.Len() != 1 {
		return nil, false, errs.Errorf(errs.ErrInternal, "constant evaluated to %d rows", a.Len())
	}
	if a.IsNull(0) {
		return nil, true, nil
	}
	if i, ok := a.(*array.Int64); ok {
		return i.Value(0), false, nil
	}
	return a.GetOneForMarshal(0), false, nil
}
