package optimizer

import (
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

// FoldConstants evaluates expressions whose inputs are constants (casts of literals,
// arithmetic on integers and floats, comparisons, boolean logic with three-valued
// simplification, CASE arms with constant conditions) and removes filters that are always
// true. Anything that would fail (overflow, division by zero) is left for the executor so
// the error surfaces at run time as PostgreSQL raises it.
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

var strict = map[string]bool{
	"add": true, "subtract": true, "multiply": true, "divide": true, "modulus": true, "negate": true,
	"equal": true, "not_equal": true, "lt": true, "lte": true, "gt": true, "gte": true,
	"concat": true, "like": true, "ilike": true, "lower": true, "upper": true, "char_length": true, "substring": true,
}

func foldOne(e logical.Expr) logical.Expr {
	switch x := e.(type) {
	case *logical.Cast:
		if l, ok := lit(x.Input); ok {
			v, err := logical.CastValue(l.Value, l.Typ, x.To)
			if err == nil {
				return &logical.Literal{Typ: x.To, Value: v}
			}
		}
	case *logical.Case:
		return foldCase(x)
	case *logical.Call:
		switch x.Fn {
		case "and", "or":
			return foldLogic(x)
		case "not":
			if l, ok := lit(x.Args[0]); ok {
				if l.Value == nil {
					return &logical.Literal{Typ: catalog.Bool}
				}
				if v, ok := l.Value.(bool); ok {
					return &logical.Literal{Typ: catalog.Bool, Value: !v}
				}
			}
			return x
		case "is_null", "is_not_null":
			if l, ok := lit(x.Args[0]); ok {
				return &logical.Literal{Typ: catalog.Bool, Value: (l.Value == nil) == (x.Fn == "is_null")}
			}
			if !x.Args[0].Nullable() {
				return &logical.Literal{Typ: catalog.Bool, Value: x.Fn == "is_not_null"}
			}
			return x
		}
		if strict[x.Fn] {
			for _, a := range x.Args {
				if l, ok := lit(a); ok && l.Value == nil {
					return &logical.Literal{Typ: x.Typ}
				}
			}
		}
		args := make([]*logical.Literal, len(x.Args))
		for i, a := range x.Args {
			l, ok := lit(a)
			if !ok {
				return x
			}
			args[i] = l
		}
		if strict[x.Fn] {
			for _, a := range args {
				if a.Value == nil {
					return &logical.Literal{Typ: x.Typ}
				}
			}
		}
		if v, ok := evalCall(x.Fn, x.Typ, args); ok {
			return &logical.Literal{Typ: x.Typ, Value: v}
		}
	}
	return e
}

func foldLogic(x *logical.Call) logical.Expr {
	and := x.Fn == "and"
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

func intFits(t catalog.Type, v int64) bool {
	switch t.Kind {
	case catalog.TypeInt16:
		return v >= math.MinInt16 && v <= math.MaxInt16
	case catalog.TypeInt32:
		return v >= math.MinInt32 && v <= math.MaxInt32
	}
	return true
}

func evalCall(fn string, out catalog.Type, a []*logical.Literal) (any, bool) {
	switch fn {
	case "add", "subtract", "multiply", "divide", "modulus":
		if d, ok := a[0].Value.(int32); ok && len(a) == 2 && out.Kind == catalog.TypeDate {
			if n, ok := a[1].Value.(int64); ok && (fn == "add" || fn == "subtract") {
				if fn == "subtract" {
					n = -n
				}
				r := int64(d) + n
				if r < math.MinInt32 || r > math.MaxInt32 {
					return nil, false
				}
				return int32(r), true
			}
		}
		// Only arithmetic whose result has its operands' type folds here: timestamp -
		// timestamp (an interval of int64 operands) and the like are left to the engine.
		if len(a) != 2 || !logical.TypesEqual(a[0].Typ, a[1].Typ) || out.Kind != a[0].Typ.Kind {
			return nil, false
		}
		switch x := a[0].Value.(type) {
		case int64:
			y, ok := a[1].Value.(int64)
			if !ok {
				return nil, false
			}
			var r int64
			switch fn {
			case "add":
				r = x + y
				if (r > x) != (y > 0) {
					return nil, false
				}
			case "subtract":
				r = x - y
				if (r < x) != (y > 0) {
					return nil, false
				}
			case "multiply":
				if x != 0 && y != 0 {
					r = x * y
					if r/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) {
						return nil, false
					}
				}
			case "divide":
				if y == 0 || (x == math.MinInt64 && y == -1) {
					return nil, false
				}
				r = x / y
			case "modulus":
				if y == 0 {
					return nil, false
				}
				if y == -1 {
					r = 0
				} else {
					r = x % y
				}
			}
			if !intFits(out, r) {
				return nil, false
			}
			return r, true
		case float64:
			y, ok := a[1].Value.(float64)
			if !ok {
				return nil, false
			}
			switch fn {
			case "add":
				return x + y, true
			case "subtract":
				return x - y, true
			case "multiply":
				return x * y, true
			case "divide":
				if y == 0 {
					return nil, false
				}
				return x / y, true
			}
		}
	case "negate":
		switch x := a[0].Value.(type) {
		case int64:
			if x == math.MinInt64 || !intFits(out, -x) {
				return nil, false
			}
			return -x, true
		case float64:
			return -x, true
		}
	case "equal", "not_equal", "lt", "lte", "gt", "gte":
		c, ok := compare(a[0], a[1])
		if !ok {
			return nil, false
		}
		switch fn {
		case "equal":
			return c == 0, true
		case "not_equal":
			return c != 0, true
		case "lt":
			return c < 0, true
		case "lte":
			return c <= 0, true
		case "gt":
			return c > 0, true
		case "gte":
			return c >= 0, true
		}
	case "concat":
		var b strings.Builder
		for _, x := range a {
			s, ok := x.Value.(string)
			if !ok {
				return nil, false
			}
			b.WriteString(s)
		}
		return b.String(), true
	case logical.FnConcatFunc: // concat(): NULLs skipped
		var b strings.Builder
		for _, x := range a {
			if x.Value == nil {
				continue
			}
			s, ok := x.Value.(string)
			if !ok {
				return nil, false
			}
			b.WriteString(s)
		}
		return b.String(), true
	case "lower", "upper":
		s, ok := a[0].Value.(string)
		if !ok {
			return nil, false
		}
		if fn == "lower" {
			return strings.ToLower(s), true
		}
		return strings.ToUpper(s), true
	}
	return nil, false
}

// compare orders two non-NULL literals of comparable types.
func compare(a, b *logical.Literal) (int, bool) {
	if a.Typ.Kind == catalog.TypeNumeric && b.Typ.Kind == catalog.TypeNumeric {
		x, ok1 := a.Value.(decimal128.Num)
		y, ok2 := b.Value.(decimal128.Num)
		if !ok1 || !ok2 {
			return 0, false
		}
		return logical.DecimalToRat(x, a.Typ.Scale).Cmp(logical.DecimalToRat(y, b.Typ.Scale)), true
	}
	if !logical.TypesEqual(a.Typ, b.Typ) {
		return 0, false
	}
	switch x := a.Value.(type) {
	case int64:
		y, ok := b.Value.(int64)
		if !ok {
			return 0, false
		}
		return cmp3(x < y, x > y), true
	case float64:
		y, ok := b.Value.(float64)
		if !ok {
			return 0, false
		}
		if math.IsNaN(x) || math.IsNaN(y) {
			return 0, false
		}
		return cmp3(x < y, x > y), true
	case string:
		if a.Typ.Kind != catalog.TypeText {
			return 0, false
		}
		// byte order (C collation)
		y, ok := b.Value.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(x, y), true
	case bool:
		y, ok := b.Value.(bool)
		if !ok {
			return 0, false
		}
		return cmp3(!x && y, x && !y), true
	case int32:
		y, ok := b.Value.(int32)
		if !ok {
			return 0, false
		}
		return cmp3(x < y, x > y), true
	}
	return 0, false
}

func cmp3(lt, gt bool) int {
	if lt {
		return -1
	}
	if gt {
		return 1
	}
	return 0
}
