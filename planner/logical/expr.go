package logical

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/proto"
)

// Expr is a bound, typed scalar expression.
type Expr interface {
	Type() catalog.Type
	Nullable() bool
	// String renders the expression for EXPLAIN; it is also a structural key (two expressions
	// with the same String are the same expression).
	String() string
	exprNode()
}

// Column references column Index of the input's output.
type Column struct {
	Index int
	Name  string // for rendering only
	Typ   catalog.Type
	Null  bool
	Pos   int // 1-based position in the SQL text where it was written (0: unknown); not part of the key
}

// Literal is a constant. Value is nil for NULL, otherwise: bool; int64 for all integer
// types; float64 for floats; decimal128.Num (scaled by Typ.Scale) for numeric; string for
// text and unknown (untyped string literals); int32 days since epoch for date; int64
// microseconds since epoch (UTC) for timestamps.
type Literal struct {
	Typ   catalog.Type
	Value any
	Pos   int // 1-based position in the SQL text (0: unknown); not part of the key
}

// Param is a statement parameter $Index+1 (0-based Index) of the type inferred for it.
type Param struct {
	Index int
	Typ   catalog.Type
}

// FnConcatFunc is PostgreSQL's concat() function (NULL arguments skipped, never NULL), which
// the producer emits as "concat" under proto.URNTern; proto.FnConcat ("concat" under the
// standard string URN) is the || operator (NULL if any argument is NULL).
const FnConcatFunc = "concat()"

// Call is a scalar function call; Fn is a function name of package proto (e.g. "add").
type Call struct {
	Fn   string
	Args []Expr
	Typ  catalog.Type
	Null bool
}

// Cast converts Input to To (PostgreSQL cast semantics; failures are errors).
type Cast struct {
	Input Expr
	To    catalog.Type
}

// When is one WHEN ... THEN ... arm of a Case.
type When struct {
	Cond   Expr
	Result Expr
}

// Case is a searched CASE (simple CASE is bound into equality conditions). Else nil: NULL.
type Case struct {
	Whens []When
	Else  Expr
	Typ   catalog.Type
}

// AggCall is an aggregate function call. It appears only in Aggregate.Aggs (and, during
// binding, inside expressions before they are rewritten over the Aggregate's output).
type AggCall struct {
	Fn       string // proto.Agg* name, or a PostgreSQL aggregate name
	Arg      Expr   // nil for COUNT(*)
	Distinct bool
	Typ      catalog.Type
	Filter   Expr   // FILTER (WHERE ...): only rows where it is true count (nil: all)
	Extra    []Expr // further (constant) arguments, e.g. string_agg's delimiter
	// Order is the aggregate's own ORDER BY (string_agg(x, ',' ORDER BY y)): the rows of each
	// group reach the function in this order. For WITHIN GROUP (ordered-set) aggregates it is
	// the WITHIN GROUP ordering, Arg is its first expression and Extra the direct arguments.
	Order       []SortKey
	WithinGroup bool
}

func (*Column) exprNode()  {}
func (*Literal) exprNode() {}
func (*Param) exprNode()   {}
func (*Call) exprNode()    {}
func (*Cast) exprNode()    {}
func (*Case) exprNode()    {}
func (*AggCall) exprNode() {}

func (e *Column) Type() catalog.Type  { return e.Typ }
func (e *Literal) Type() catalog.Type { return e.Typ }
func (e *Param) Type() catalog.Type   { return e.Typ }
func (e *Call) Type() catalog.Type    { return e.Typ }
func (e *Cast) Type() catalog.Type    { return e.To }
func (e *Case) Type() catalog.Type    { return e.Typ }
func (e *AggCall) Type() catalog.Type { return e.Typ }

func (e *Column) Nullable() bool  { return e.Null }
func (e *Literal) Nullable() bool { return e.Value == nil }
func (e *Param) Nullable() bool   { return true }
func (e *Call) Nullable() bool    { return e.Null }
func (e *Cast) Nullable() bool    { return e.Input.Nullable() }
func (e *Case) Nullable() bool {
	if e.Else == nil || e.Else.Nullable() {
		return true
	}
	for _, w := range e.Whens {
		if w.Result.Nullable() && !guardsNotNull(w) {
			return true
		}
	}
	return false
}

// guardsNotNull reports a branch WHEN x IS NOT NULL THEN x (COALESCE, a FULL JOIN's USING
// column): its result is never NULL. x is the same expression node in both places.
func guardsNotNull(w When) bool {
	c, ok := w.Cond.(*Call)
	return ok && c.Fn == proto.FnIsNotNull && len(c.Args) == 1 && c.Args[0] == w.Result
}
func (e *AggCall) Nullable() bool { return e.Fn != proto.AggCount }

func (e *Column) String() string { return e.Name + "#" + strconv.Itoa(e.Index) }
func (e *Literal) String() string {
	return FormatValue(e.Typ, e.Value) + "::" + typeName(e.Typ)
}
func (e *Param) String() string { return fmt.Sprintf("$%d::%s", e.Index+1, typeName(e.Typ)) }
func (e *Call) String() string {
	args := make([]string, len(e.Args))
	for i, a := range e.Args {
		args[i] = a.String()
	}
	return e.Fn + "(" + strings.Join(args, ", ") + ")"
}
func (e *Cast) String() string { return "CAST(" + e.Input.String() + " AS " + typeName(e.To) + ")" }
func (e *Case) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, w := range e.Whens {
		b.WriteString(" WHEN " + w.Cond.String() + " THEN " + w.Result.String())
	}
	if e.Else != nil {
		b.WriteString(" ELSE " + e.Else.String())
	}
	b.WriteString(" END")
	return b.String()
}
func (e *AggCall) String() string {
	f := ""
	if e.Filter != nil {
		f = " FILTER (WHERE " + e.Filter.String() + ")"
	}
	if e.Arg == nil {
		return e.Fn + "(*)" + f
	}
	d := ""
	if e.Distinct {
		d = "DISTINCT "
	}
	x := ""
	for _, a := range e.Extra {
		x += ", " + a.String()
	}
	if len(e.Order) > 0 {
		if e.WithinGroup {
			return e.Fn + "(" + strings.TrimPrefix(x, ", ") + ") WITHIN GROUP (ORDER BY " + sortKeys(e.Order) + ")" + f
		}
		x += " ORDER BY " + sortKeys(e.Order)
	}
	return e.Fn + "(" + d + e.Arg.String() + x + ")" + f
}

func typeName(t catalog.Type) string {
	if t.Kind == catalog.TypeText && t.Precision == 0 && !t.IsChar() {
		return "text"
	}
	return t.String()
}

// Children returns the direct sub-expressions of e.
func Children(e Expr) []Expr {
	switch e := e.(type) {
	case *Call:
		return e.Args
	case *Cast:
		return []Expr{e.Input}
	case *Case:
		var out []Expr
		for _, w := range e.Whens {
			out = append(out, w.Cond, w.Result)
		}
		if e.Else != nil {
			out = append(out, e.Else)
		}
		return out
	case *SetCall:
		return append([]Expr{}, e.Args...)
	case *WindowCall:
		out := append([]Expr{}, e.Func.Args...)
		out = append(out, e.Partition...)
		for _, k := range e.Order {
			out = append(out, k.Expr)
		}
		return out
	case *AggCall:
		var out []Expr
		if e.Arg != nil {
			out = append(out, e.Arg)
		}
		out = append(out, e.Extra...)
		if e.Filter != nil {
			out = append(out, e.Filter)
		}
		for _, k := range e.Order {
			out = append(out, k.Expr)
		}
		return out
	}
	return nil
}

// Transform rewrites e bottom-up: children first, then f on the rebuilt node. f returns the
// replacement (or its argument unchanged). Nodes are copied, never mutated.
func Transform(e Expr, f func(Expr) Expr) Expr {
	if e == nil {
		return nil
	}
	switch x := e.(type) {
	case *Call:
		args := make([]Expr, len(x.Args))
		for i, a := range x.Args {
			args[i] = Transform(a, f)
		}
		c := *x
		c.Args = args
		return f(&c)
	case *Cast:
		c := *x
		c.Input = Transform(x.Input, f)
		return f(&c)
	case *Case:
		c := *x
		c.Whens = make([]When, len(x.Whens))
		for i, w := range x.Whens {
			c.Whens[i] = When{Cond: Transform(w.Cond, f), Result: Transform(w.Result, f)}
		}
		c.Else = Transform(x.Else, f)
		return f(&c)
	case *WindowCall, *SetCall:
		kids := Children(x)
		for i, k := range kids {
			kids[i] = Transform(k, f)
		}
		return f(WithChildren(x, kids))
	case *AggCall:
		c := *x
		c.Arg = Transform(x.Arg, f)
		c.Filter = Transform(x.Filter, f)
		if len(x.Extra) > 0 {
			c.Extra = make([]Expr, len(x.Extra))
			for i, a := range x.Extra {
				c.Extra[i] = Transform(a, f)
			}
		}
		c.Order = transformKeys(x.Order, func(e Expr) Expr { return Transform(e, f) })
		return f(&c)
	}
	return f(e)
}

// Walk calls f for e and every sub-expression (pre-order); f returning false skips children.
func Walk(e Expr, f func(Expr) bool) {
	if e == nil || !f(e) {
		return
	}
	for _, c := range Children(e) {
		Walk(c, f)
	}
}

// ColumnsUsed returns the set of input column indexes e references.
func ColumnsUsed(e Expr, into map[int]bool) map[int]bool {
	if into == nil {
		into = map[int]bool{}
	}
	Walk(e, func(x Expr) bool {
		if c, ok := x.(*Column); ok {
			into[c.Index] = true
		}
		return true
	})
	return into
}

// RemapColumns returns e with every column index i replaced by m[i] (which must exist).
func RemapColumns(e Expr, m map[int]int) Expr {
	return Transform(e, func(x Expr) Expr {
		if c, ok := x.(*Column); ok {
			n := *c
			n.Index = m[c.Index]
			return &n
		}
		return x
	})
}

// ShiftColumns adds delta to every column index of e.
func ShiftColumns(e Expr, delta int) Expr {
	return Transform(e, func(x Expr) Expr {
		if c, ok := x.(*Column); ok {
			n := *c
			n.Index += delta
			return &n
		}
		return x
	})
}

// Substitute replaces column i of e by exprs[i] (inlining a projection).
func Substitute(e Expr, exprs []Expr) Expr {
	return Transform(e, func(x Expr) Expr {
		if c, ok := x.(*Column); ok && c.Index < len(exprs) {
			return exprs[c.Index]
		}
		return x
	})
}

// Conjuncts splits an AND tree into its conjuncts.
func Conjuncts(e Expr) []Expr {
	if e == nil {
		return nil
	}
	if c, ok := e.(*Call); ok && c.Fn == proto.FnAnd {
		var out []Expr
		for _, a := range c.Args {
			out = append(out, Conjuncts(a)...)
		}
		return out
	}
	if l, ok := e.(*Literal); ok && l.Value == true {
		return nil
	}
	return []Expr{e}
}

// And combines conjuncts (nil for none).
func And(es ...Expr) Expr {
	var flat []Expr
	for _, e := range es {
		flat = append(flat, Conjuncts(e)...)
	}
	switch len(flat) {
	case 0:
		return nil
	case 1:
		return flat[0]
	}
	null := false
	for _, e := range flat {
		null = null || e.Nullable()
	}
	return &Call{Fn: proto.FnAnd, Args: flat, Typ: catalog.Bool, Null: null}
}

// IsConstant reports whether e references no column, parameter or aggregate.
func IsConstant(e Expr) bool {
	ok := true
	Walk(e, func(x Expr) bool {
		switch x.(type) {
		case *Column, *Param, *AggCall, *OuterColumn, *Subquery:
			ok = false
		}
		return ok
	})
	return ok
}

// WithChildren rebuilds e over new sub-expressions, in the order Children returns them.
func WithChildren(e Expr, kids []Expr) Expr {
	switch x := e.(type) {
	case *Call:
		c := *x
		c.Args = kids
		return &c
	case *Cast:
		c := *x
		c.Input = kids[0]
		return &c
	case *Case:
		c := *x
		c.Whens = make([]When, len(x.Whens))
		for i := range x.Whens {
			c.Whens[i] = When{Cond: kids[2*i], Result: kids[2*i+1]}
		}
		if x.Else != nil {
			c.Else = kids[len(kids)-1]
		}
		return &c
	case *SetCall:
		c := *x
		c.Args = append([]Expr{}, kids...)
		return &c
	case *WindowCall:
		c := *x
		fn := *x.Func
		na, np := len(x.Func.Args), len(x.Partition)
		fn.Args = append([]Expr{}, kids[:na]...)
		c.Func = &fn
		c.Partition = append([]Expr{}, kids[na:na+np]...)
		c.Order = make([]SortKey, len(x.Order))
		for i, k := range x.Order {
			k.Expr = kids[na+np+i]
			c.Order[i] = k
		}
		return &c
	case *AggCall:
		c := *x
		k := 0
		if x.Arg != nil {
			c.Arg = kids[k]
			k++
		}
		if len(x.Extra) > 0 {
			c.Extra = append([]Expr{}, kids[k:k+len(x.Extra)]...)
			k += len(x.Extra)
		}
		if x.Filter != nil {
			c.Filter = kids[k]
			k++
		}
		if len(x.Order) > 0 {
			c.Order = make([]SortKey, len(x.Order))
			for i, o := range x.Order {
				o.Expr = kids[k+i]
				c.Order[i] = o
			}
		}
		return &c
	}
	return e
}

// transformKeys returns keys with f applied to each expression (nil stays nil).
func transformKeys(keys []SortKey, f func(Expr) Expr) []SortKey {
	if keys == nil {
		return nil
	}
	out := make([]SortKey, len(keys))
	for i, k := range keys {
		k.Expr = f(k.Expr)
		out[i] = k
	}
	return out
}
