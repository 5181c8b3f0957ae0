package planner

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/functions"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// bindSetFunc binds a set-returning function call (functions.SetFunc) in the select list;
// buildSets then evaluates it in a ProjectSet below the projection.
func (b *binder) bindSetFunc(fn *functions.SetFunc, name string, fc *pg.FuncCall, c exprCtx) (logical.Expr, error) {
	switch {
	case c.inAgg:
		return nil, b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument, "aggregate function calls cannot contain set-returning function calls"))
	case c.clause != "SELECT":
		return nil, b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument, "set-returning functions are not allowed in %s", c.clause))
	case fc.AggStar || fc.AggDistinct || fc.AggFilter != nil || len(fc.AggOrder) > 0:
		return nil, b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument, "%s is not an aggregate function", name))
	}
	args := make([]logical.Expr, len(fc.Args))
	for i, a := range fc.Args {
		var err error
		if args[i], err = b.bindExpr(a, c); err != nil {
			return nil, err
		}
	}
	return b.setCall(fn, name, args, fc.Location)
}

// setCall picks fn's signature for args (an exact match first, then the first the arguments
// implicitly cast to) and coerces the arguments to it.
func (b *binder) setCall(fn *functions.SetFunc, name string, args []logical.Expr, loc int32) (*logical.SetCall, error) {
	for _, a := range args {
		nested := false
		logical.Walk(a, func(x logical.Expr) bool {
			_, ok := x.(*logical.SetCall)
			nested = nested || ok
			return !nested
		})
		if nested {
			return nil, b.errAt(loc, notSupported("set-returning functions in the arguments of set-returning functions are not supported yet"))
		}
	}
	match := func(exact bool) (*functions.SetSig, bool) {
		for i := range fn.Sigs {
			sig := &fn.Sigs[i]
			if len(sig.Args) != len(args) {
				continue
			}
			ok, known := true, false
			for j, a := range args {
				t, want := a.Type(), sig.Args[j]
				if isUnknown(t) {
					continue
				}
				known = true
				same := t.Kind == want.Kind
				if exact {
					ok = ok && same
				} else {
					ok = ok && (same || canImplicit(t, want))
				}
			}
			if ok && (known || !exact) {
				return sig, true
			}
		}
		return nil, false
	}
	if fn.Resolve != nil {
		// polymorphic (unnest(anyarray)): the function resolves its own types
		ts := make([]catalog.Type, len(args))
		for i, a := range args {
			ts[i] = a.Type()
		}
		params, out, ok := fn.Resolve(ts)
		if !ok {
			if len(args) == 1 && isUnknown(ts[0]) {
				return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "function %s(unknown) is not unique", name))
			}
			tn := make([]string, len(args))
			for i, t := range ts {
				tn[i] = opTypeName(t)
			}
			return nil, b.errAt(loc, logical.Errorf(errs.ErrNotFound, "function %s(%s) does not exist", name, strings.Join(tn, ", ")))
		}
		call := &logical.SetCall{Fn: fn.ID, Typ: out}
		for j, a := range args {
			e, err := b.coerce(a, params[j])
			if err != nil {
				return nil, b.errAt(loc, err)
			}
			call.Args = append(call.Args, e)
		}
		return call, nil
	}
	sig, ok := match(true)
	if !ok {
		sig, ok = match(false)
	}
	if !ok {
		ts := make([]string, len(args))
		for i, a := range args {
			ts[i] = opTypeName(a.Type())
		}
		return nil, b.errAt(loc, logical.Errorf(errs.ErrNotFound, "function %s(%s) does not exist", name, strings.Join(ts, ", ")))
	}
	out := sig.Out
	if out.Kind == catalog.TypeNumeric {
		// the arguments' common numeric type, so every argument shares the result's scale
		var num []logical.Expr
		for j, a := range args {
			if sig.Args[j].Kind == catalog.TypeNumeric {
				num = append(num, a)
			}
		}
		t, err := b.commonOf(num, name, loc)
		if err != nil {
			return nil, err
		}
		if t.Kind != catalog.TypeNumeric {
			t = catalog.Type{Kind: catalog.TypeNumeric}
		}
		out = t
	}
	call := &logical.SetCall{Fn: fn.ID, Typ: out}
	for j, a := range args {
		to := sig.Args[j]
		if to.Kind == catalog.TypeNumeric {
			to = out
		}
		e, err := b.coerce(a, to)
		if err != nil {
			return nil, b.errAt(loc, err)
		}
		call.Args = append(call.Args, e)
	}
	return call, nil
}

// setFuncOf is rf's first call when every function of rf (one, or ROWS FROM's list) is a
// set-returning function of the registry.
func setFuncOf(rf *pg.RangeFunction) *pg.FuncCall {
	calls := setFuncCalls(rf)
	if len(calls) == 0 {
		return nil
	}
	return calls[0]
}

func setFuncCalls(rf *pg.RangeFunction) []*pg.FuncCall {
	var out []*pg.FuncCall
	for _, f := range rf.Functions {
		l := f.GetList()
		if l == nil || len(l.Items) == 0 {
			return nil
		}
		fc := l.Items[0].GetFuncCall()
		if fc == nil {
			return nil
		}
		if _, ok := functions.SetFuncBySQL(lowerName(fc.Funcname)); !ok {
			return nil
		}
		if len(l.Items) > 1 && l.Items[1] != nil && l.Items[1].GetList() != nil && len(l.Items[1].GetList().Items) > 0 {
			return nil // a column definition list
		}
		out = append(out, fc)
	}
	return out
}

// bindSetFuncFrom binds set-returning functions in FROM: fn(...) or ROWS FROM (f(...),
// g(...)) [WITH ORDINALITY] [AS alias(columns)], as a ProjectSet over one row whose calls run
// in lockstep (the shorter padded with NULLs). unnest(a, b, ...) is ROWS FROM (unnest(a),
// unnest(b), ...), as in PostgreSQL. Each column is named after its function; a single
// column after the alias when there is one.
func (b *binder) bindSetFuncFrom(_ *functions.SetFunc, _ string, _ *pg.FuncCall, rf *pg.RangeFunction) (logical.Node, *scope, error) {
	var calls []logical.Expr
	var cols []string
	for _, fc := range setFuncCalls(rf) {
		name := lowerName(fc.Funcname)
		fn, _ := functions.SetFuncBySQL(name)
		if fc.AggStar || fc.AggDistinct || fc.AggFilter != nil || len(fc.AggOrder) > 0 || fc.Over != nil {
			return nil, nil, b.errAt(fc.Location, notSupported("this function in FROM is not supported"))
		}
		args := make([]logical.Expr, len(fc.Args))
		for i, a := range fc.Args {
			var err error
			if args[i], err = b.bindExpr(a, exprCtx{scope: &scope{}, clause: "functions in FROM"}); err != nil {
				return nil, nil, err
			}
		}
		if fn.ID == proto.SetUnnest && len(args) > 1 && !rf.IsRowsfrom {
			for _, a := range args {
				call, err := b.setCall(fn, name, []logical.Expr{a}, fc.Location)
				if err != nil {
					return nil, nil, err
				}
				calls, cols = append(calls, call), append(cols, setFuncColumn(name))
			}
			continue
		}
		call, err := b.setCall(fn, name, args, fc.Location)
		if err != nil {
			return nil, nil, err
		}
		calls, cols = append(calls, call), append(cols, setFuncColumn(name))
	}
	qual := lowerName(setFuncCalls(rf)[0].Funcname)
	if rf.Alias != nil {
		qual = rf.Alias.Aliasname
		if len(cols) == 1 {
			cols[0] = rf.Alias.Aliasname
		}
	}
	var one logical.Node = &logical.Values{Rows: [][]logical.Expr{{}}}
	node, exprs := buildSets(one, calls, rf.Ordinality)
	ps := node.Schema()
	outs := exprs
	names := cols
	if rf.Ordinality {
		f := ps[len(ps)-1]
		outs = append(outs, &logical.Column{Index: len(ps) - 1, Name: f.Name, Typ: f.Type, Null: f.Nullable})
		names = append(names, "ordinality")
	}
	p := &logical.Project{Input: node, Exprs: outs, Names: names, Quals: make([]string, len(outs))}
	return b.aliased(p, qual, rf.Alias)
}

// buildSets evaluates the set-returning calls of exprs over from: a projection adds their
// arguments as columns, one ProjectSet runs every call in lockstep, and each call is
// replaced by its output column.
func buildSets(from logical.Node, exprs []logical.Expr, ordinality bool) (logical.Node, []logical.Expr) {
	var calls []*logical.SetCall
	for _, e := range exprs {
		logical.Walk(e, func(x logical.Expr) bool {
			if c, ok := x.(*logical.SetCall); ok {
				calls = append(calls, c)
				return false
			}
			return true
		})
	}
	if len(calls) == 0 {
		return from, exprs
	}
	sch := from.Schema()
	var proj []logical.Expr
	var names []string
	for i, f := range sch {
		proj = append(proj, &logical.Column{Index: i, Name: f.Name, Typ: f.Type, Null: f.Nullable})
		names = append(names, f.Name)
	}
	ps := &logical.ProjectSet{Ordinality: ordinality}
	for _, c := range calls {
		nc := &logical.SetCall{Fn: c.Fn, Typ: c.Typ}
		for _, a := range c.Args {
			nc.Args = append(nc.Args, &logical.Column{Index: len(proj), Name: "arg", Typ: a.Type(), Null: a.Nullable()})
			proj = append(proj, a)
			names = append(names, "arg")
		}
		ps.Calls = append(ps.Calls, nc)
		ps.Names = append(ps.Names, c.Fn)
	}
	ps.Input = &logical.Project{Input: from, Exprs: proj, Names: names, Quals: make([]string, len(proj))}
	base := len(proj)
	out := make([]logical.Expr, len(exprs))
	next := 0 // calls are not nested, so Transform meets them in Walk's order
	for k, e := range exprs {
		out[k] = logical.Transform(e, func(x logical.Expr) logical.Expr {
			if c, ok := x.(*logical.SetCall); ok {
				next++
				return &logical.Column{Index: base + next - 1, Name: c.Fn, Typ: c.Typ, Null: true}
			}
			return x
		})
	}
	return ps, out
}
