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

// Ordered aggregates and WITHIN GROUP.
//
// Any aggregate may carry its own ORDER BY (string_agg(x, ',' ORDER BY y DESC)): the keys are
// bound in the aggregate's argument context and kept in logical.AggCall.Order, which the
// producer writes as Substrait's AggregateFunction.sorts and the executor honours for every
// aggregate, so an aggregate declared later (array_agg, json_agg) is ordered with no work of
// its own. With DISTINCT, PostgreSQL's rule holds: every ORDER BY expression must be one of
// the arguments.
//
// Ordered-set aggregates (functions/aggregates_ordered.go) are called
// f(direct args) WITHIN GROUP (ORDER BY values): the direct arguments must be constants here
// (PostgreSQL also accepts grouped columns) and land in AggCall.Extra, the ordering in
// AggCall.Order, and Arg is the first ordered value.

// aggOrderKeys binds an aggregate's ORDER BY list in the aggregate's argument context.
func (b *binder) aggOrderKeys(items []*pg.Node, ac exprCtx) ([]logical.SortKey, []int32, error) {
	var keys []logical.SortKey
	var locs []int32
	for _, o := range items {
		sb := o.GetSortBy()
		if sb == nil {
			continue
		}
		if sb.SortbyDir == pg.SortByDir_SORTBY_USING {
			return nil, nil, b.errAt(sb.Location, notSupported("ORDER BY USING is not supported"))
		}
		e, err := b.bindExpr(sb.Node, ac)
		if err != nil {
			return nil, nil, err
		}
		keys = append(keys, sortKey(b.resolveUnknown(e), sb))
		locs = append(locs, nodeLoc(sb.Node))
	}
	return keys, locs, nil
}

// orderAgg adds fc's ORDER BY to the plain aggregate call a (checking DISTINCT's rule).
func (b *binder) orderAgg(a *logical.AggCall, fc *pg.FuncCall, ac exprCtx) error {
	if len(fc.AggOrder) == 0 {
		return nil
	}
	keys, locs, err := b.aggOrderKeys(fc.AggOrder, ac)
	if err != nil {
		return err
	}
	if a.Distinct {
		args := map[string]bool{}
		if a.Arg != nil {
			args[a.Arg.String()] = true
		}
		for _, x := range a.Extra {
			args[x.String()] = true
		}
		for i, k := range keys {
			if !args[k.Expr.String()] {
				return b.errAt(locs[i], logical.Errorf(errs.ErrInvalidArgument,
					"in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list"))
			}
		}
	}
	a.Order = keys
	return nil
}

// withinGroupCheck applies PostgreSQL's errors for WITHIN GROUP on aggregate ag called as
// name: PostgreSQL resolves the call with the direct and the ordered arguments together, so a
// plain aggregate with WITHIN GROUP, or an ordered-set one without it, is mostly a function
// that does not exist.
func (b *binder) withinGroupCheck(ag *functions.Agg, name string, fc *pg.FuncCall, c exprCtx) error {
	switch {
	case fc.AggWithinGroup && fc.AggDistinct:
		return b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument, "cannot use DISTINCT with WITHIN GROUP"))
	case fc.AggWithinGroup && !ag.OrderedSet && fc.AggStar:
		return b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument,
			"%s is not an ordered-set aggregate, so it cannot have WITHIN GROUP", name))
	case fc.AggWithinGroup && !ag.OrderedSet:
		return b.undefinedCall(name, fc, c)
	case !fc.AggWithinGroup && ag.OrderedSet && (ag.Hypothetical() || len(fc.Args) == ag.Args+1):
		return b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument,
			"WITHIN GROUP is required for ordered-set aggregate %s", name))
	case !fc.AggWithinGroup && ag.OrderedSet:
		return b.undefinedCall(name, fc, c)
	}
	return nil
}

// undefinedCall is PostgreSQL's "function f(types) does not exist" for fc's arguments
// (direct, then ordered).
func (b *binder) undefinedCall(name string, fc *pg.FuncCall, c exprCtx) error {
	ac := c
	ac.inAgg, ac.aggOK = true, true
	var ts []string
	for _, a := range fc.Args {
		e, err := b.bindExpr(a, ac)
		if err != nil {
			return err
		}
		ts = append(ts, opTypeName(e.Type()))
	}
	for _, o := range fc.AggOrder {
		if sb := o.GetSortBy(); sb != nil {
			e, err := b.bindExpr(sb.Node, ac)
			if err != nil {
				return err
			}
			ts = append(ts, opTypeName(e.Type()))
		}
	}
	return b.errAt(fc.Location, logical.Errorf(errs.ErrNotFound, "function %s(%s) does not exist", name, strings.Join(ts, ", ")))
}

// bindOrderedSet binds name(direct) WITHIN GROUP (ORDER BY ...) of ordered-set aggregate ag.
func (b *binder) bindOrderedSet(ag *functions.Agg, name string, fc *pg.FuncCall, ac exprCtx, filter logical.Expr) (logical.Expr, error) {
	// direct arguments: evaluated once per group; constants here
	direct := make([]logical.Expr, len(fc.Args))
	for i, a := range fc.Args {
		e, err := b.bindExpr(a, ac)
		if err != nil {
			return nil, err
		}
		direct[i] = e
	}
	keys, _, err := b.aggOrderKeys(fc.AggOrder, ac)
	if err != nil {
		return nil, err
	}
	ts := make([]string, 0, len(direct)+len(keys))
	for _, d := range direct {
		ts = append(ts, opTypeName(d.Type()))
	}
	for _, k := range keys {
		ts = append(ts, opTypeName(k.Expr.Type()))
	}
	undefined := func() error {
		return b.errAt(fc.Location, logical.Errorf(errs.ErrNotFound, "function %s(%s) does not exist", name, strings.Join(ts, ", ")))
	}
	if (ag.Hypothetical() && len(direct) != len(keys)) || (!ag.Hypothetical() && (len(direct) != ag.Args || len(keys) != 1)) {
		return nil, undefined()
	}
	for i, d := range direct {
		if readsColumns(d) {
			return nil, b.errAt(nodeLoc(fc.Args[i]), notSupported("direct arguments of ordered-set aggregate %s must be constants", name))
		}
	}
	coerce := func(e logical.Expr, t catalog.Type) (logical.Expr, error) {
		if !canImplicit(e.Type(), t) && !isUnknown(e.Type()) {
			return nil, undefined()
		}
		out, err := b.coerce(e, t)
		if err != nil {
			return nil, b.errAt(fc.Location, err)
		}
		return out, nil
	}
	var out catalog.Type
	if ag.Hypothetical() {
		if len(direct) != len(keys) {
			return nil, undefined()
		}
		for i := range keys {
			t, ok := commonType(direct[i].Type(), keys[i].Expr.Type())
			if !ok {
				return nil, undefined()
			}
			if isUnknown(t) {
				t = catalog.Text
			}
			if direct[i], err = coerce(direct[i], t); err != nil {
				return nil, err
			}
			if keys[i].Expr, err = coerce(keys[i].Expr, t); err != nil {
				return nil, err
			}
		}
		out = catalog.Int64
		if ag.ID == proto.AggHypPercentRank || ag.ID == proto.AggHypCumeDist {
			out = catalog.Float64
		}
	} else {
		if len(direct) != ag.Args || len(keys) != 1 {
			return nil, undefined()
		}
		for i := range direct {
			if direct[i], err = coerce(direct[i], catalog.Float64); err != nil {
				return nil, err
			}
		}
		v := keys[0].Expr
		switch {
		case ag.ID == proto.AggPercentileCont && v.Type().Kind == catalog.TypeInterval:
			out = v.Type()
		case ag.ID == proto.AggPercentileCont:
			if keys[0].Expr, err = coerce(v, catalog.Float64); err != nil {
				return nil, err
			}
			out = catalog.Float64
		default:
			if isUnknown(v.Type()) {
				return nil, b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument, "could not determine polymorphic type because input has type unknown"))
			}
			out = v.Type()
		}
	}
	return &logical.AggCall{Fn: ag.ID, Arg: keys[0].Expr, Extra: direct, Order: keys, WithinGroup: true, Typ: out, Filter: filter}, nil
}

// readsColumns reports whether e reads a column of its own query level.
func readsColumns(e logical.Expr) bool {
	found := false
	logical.Walk(e, func(x logical.Expr) bool {
		if _, ok := x.(*logical.Column); ok {
			found = true
		}
		return !found
	})
	return found
}
