package optimizer

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/functions"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
)

// FoldConstants evaluates expressions whose inputs are constants (every function of the
// registry and every cast, through the executor's own kernel: package functions), simplifies
// boolean logic with three-valued rules and CASE arms with constant conditions, and removes
// filters that are always true. Anything that would fail (overflow, division by zero, bad
// input) is left for the executor so the error surfaces at run time as PostgreSQL raises it.
type FoldConstants struct{}

func (FoldConstants) Name() string { return "fold_constants" }

func (FoldConstants) Apply(c *Context, n logical.Node) (logical.Node, bool, error) {
	return transformUp(c, n, func(x logical.Node) (logical.Node, bool, error) {
		changed := false
		y := logical.MapExprs(x, func(e logical.Expr) logical.Expr {
			f, ch := foldCancellable(c, e)
			changed = changed || ch
			return f
		})
		if err := c.Err(); err != nil {
			return nil, false, err
		}
		if !changed {
			y = x
		}
		if fl, ok := y.(*logical.Filter); ok {
			if l, ok := fl.Cond.(*logical.Literal); ok && l.Value == true {
				return fl.Input, true, nil
			}
		}
		return y, changed, nil
	})
}

// Fold folds constants in e.
func Fold(e logical.Expr) logical.Expr {
	return logical.Transform(e, foldOne)
}

// foldCancellable is Fold that also reports whether anything folded (foldOne returns its
// input when nothing folds, so comparing pointers is exact and, unlike comparing the
// strings, costs nothing for a million-item IN list), and that stops folding (leaving the
// rest as it is) once c's request is cancelled.
func foldCancellable(c *Context, e logical.Expr) (logical.Expr, bool) {
	n, stop, changed := 0, false, false
	out := logical.Transform(e, func(x logical.Expr) logical.Expr {
		if n++; n&255 == 0 && !stop {
			stop = c.Err() != nil
		}
		if stop {
			return x
		}
		y := foldOne(x)
		changed = changed || y != x
		return y
	})
	return out, changed
}

func lit(e logical.Expr) (*logical.Literal, bool) {
	l, ok := e.(*logical.Literal)
	return l, ok
}

func foldOne(e logical.Expr) logical.Expr {
	switch x := e.(type) {
	case *logical.Cast:
		if l, ok := lit(x.Input); ok {
			if v, ok := EvalCast(l, x.To); ok {
				return &logical.Literal{Typ: x.To, Value: v}
			}
		}
	case *logical.Case:
		return foldCase(x)
	case *logical.Call:
		switch x.Fn {
		case proto.FnAnd, proto.FnOr:
			return foldLogic(x)
		case proto.FnIsNull, proto.FnIsNotNull:
			if !x.Args[0].Nullable() {
				return &logical.Literal{Typ: catalog.Bool, Value: x.Fn == proto.FnIsNotNull}
			}
		}
		f, ok := functions.ByID(x.Fn)
		if !ok || f.NoFold {
			return x
		}
		args := make([]*logical.Literal, len(x.Args))
		for i, a := range x.Args {
			l, isLit := lit(a)
			if isLit && l.Value == nil && f.Strict() {
				return &logical.Literal{Typ: x.Typ}
			}
			args[i] = l
		}
		for _, l := range args {
			if l == nil {
				return x
			}
		}
		if v, ok := EvalCall(f, x.Typ, args); ok {
			return &logical.Literal{Typ: x.Typ, Value: v}
		}
	}
	return e
}

// EvalCall evaluates function f over constant arguments with the executor's kernel (the
// registry's folding evaluator). ok is false when the kernel fails (the error is the
// executor's to raise at run time) or answers another type than the planner's out.
func EvalCall(f *functions.Func, out catalog.Type, args []*logical.Literal) (any, bool) {
	ss := make([]scalar.Scalar, len(args))
	for i, a := range args {
		s, ok := logical.ValueScalar(a.Typ, a.Value)
		if !ok {
			return nil, false
		}
		ss[i] = s
	}
	r, err := f.Eval(context.Background(), ss, out.Arrow())
	if err != nil {
		return nil, false
	}
	return logical.ScalarValue(out, r)
}

// EvalCast casts a constant as the executor does (logical.CastValue: input functions for
// text, the executor's cast kernel for the rest). ok as EvalCall's.
func EvalCast(l *logical.Literal, to catalog.Type) (any, bool) {
	v, err := logical.CastValue(l.Value, l.Typ, to)
	return v, err == nil
}

func foldLogic(x *logical.Call) logical.Expr {
	and := x.Fn == proto.FnAnd
	var keep []logical.Expr
	for _, a := range x.Args {
		if l, ok := lit(a); ok && l.Value != nil {
			v, isBool := l.Value.(bool)
			if !isBool {
				keep = append(keep, a)
				continue
			}
			if v == and {
				continue // neutral element
			}
			return &logical.Literal{Typ: catalog.Bool, Value: !and} // absorbing element
		}
		keep = append(keep, a)
	}
	switch len(keep) {
	case 0:
		return &logical.Literal{Typ: catalog.Bool, Value: and}
	case 1:
		return keep[0]
	}
	if len(keep) == len(x.Args) {
		return x
	}
	c := *x
	c.Args = keep
	return &c
}

func foldCase(x *logical.Case) logical.Expr {
	var whens []logical.When
	for _, w := range x.Whens {
		if l, ok := lit(w.Cond); ok {
			if l.Value == true {
				if len(whens) == 0 {
					return w.Result
				}
				c := *x
				c.Whens = whens
				c.Else = w.Result
				return &c
			}
			continue // false or NULL: never taken
		}
		whens = append(whens, w)
	}
	if len(whens) == 0 {
		if x.Else == nil {
			return &logical.Literal{Typ: x.Typ}
		}
		return x.Else
	}
	if len(whens) == len(x.Whens) {
		return x
	}
	c := *x
	c.Whens = whens
	return &c
}
