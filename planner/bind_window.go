package planner

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/functions"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/planner/optimizer"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// PostgreSQL's WindowDef.frameOptions bits.
const (
	frameNonDefault     = 0x00001
	frameRange          = 0x00002
	frameRows           = 0x00004
	frameGroups         = 0x00008
	frameStartUnbPrec   = 0x00020
	frameEndUnbFoll     = 0x00100
	frameStartCurrent   = 0x00200
	frameEndCurrent     = 0x00400
	frameStartOffPrec   = 0x00800
	frameEndOffPrec     = 0x01000
	frameStartOffFoll   = 0x02000
	frameEndOffFoll     = 0x04000
	frameExcludeCurrent = 0x08000
	frameExcludeGroup   = 0x10000
	frameExcludeTies    = 0x20000
	frameEndUnbPrec     = 0x00040
	frameStartUnbFollow = 0x00080
)

var rankingFuncs = map[string]catalog.Type{"row_number": catalog.Int64, "rank": catalog.Int64, "dense_rank": catalog.Int64,
	"percent_rank": catalog.Float64, "cume_dist": catalog.Float64}

// bindWindowFunc binds fn(...) OVER (...) into a WindowCall.
func (b *binder) bindWindowFunc(name string, fc *pg.FuncCall, c exprCtx) (logical.Expr, error) {
	if !c.aggOK || c.inAgg || (c.clause != "SELECT" && c.clause != "ORDER BY") {
		where := c.clause
		if c.inAgg {
			return nil, b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument, "aggregate function calls cannot contain window function calls"))
		}
		return nil, b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument, "window functions are not allowed in %s", where))
	}
	if fc.AggDistinct {
		return nil, b.errAt(fc.Location, logical.Errorf(errs.ErrNotSupported, "DISTINCT is not implemented for window functions"))
	}
	if fc.AggWithinGroup {
		return nil, b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument, "OVER is not supported for ordered-set aggregate %s", name))
	}
	if len(fc.AggOrder) > 0 {
		return nil, b.errAt(fc.Location, logical.Errorf(errs.ErrNotSupported, "aggregate ORDER BY is not implemented for window functions"))
	}
	wd, err := b.windowDef(fc.Over, fc.Location)
	if err != nil {
		return nil, err
	}
	args := make([]logical.Expr, len(fc.Args))
	for i, a := range fc.Args {
		if args[i], err = b.bindExpr(a, c); err != nil {
			return nil, err
		}
	}
	wc := &logical.WindowCall{}
	for _, p := range wd.PartitionClause {
		e, err := b.bindExpr(p, c)
		if err != nil {
			return nil, err
		}
		wc.Partition = append(wc.Partition, b.resolveUnknown(e))
	}
	for _, o := range wd.OrderClause {
		sb := o.GetSortBy()
		if sb == nil {
			continue
		}
		e, err := b.bindExpr(sb.Node, c)
		if err != nil {
			return nil, err
		}
		wc.Order = append(wc.Order, sortKey(b.resolveUnknown(e), sb))
	}
	frame, err := b.frame(wd, wc.Order, c)
	if err != nil {
		return nil, err
	}
	wf, err := b.windowFunc(name, args, fc.AggStar, frame, fc.Location)
	if err != nil {
		return nil, err
	}
	if fc.AggFilter != nil {
		if !wf.Agg {
			return nil, b.errAt(fc.Location, notSupported("FILTER is not implemented for non-aggregate window functions"))
		}
		if err := b.windowFilter(wf, fc.AggFilter, c); err != nil {
			return nil, err
		}
	}
	wc.Func = wf
	return wc, nil
}

// windowFilter applies agg(x) FILTER (WHERE cond) as agg(CASE WHEN cond THEN x END) (count(*)
// counting CASE WHEN cond THEN 1 END): every declared aggregate ignores NULL inputs, so the
// rows the filter rejects drop out exactly, and the plan needs no filter field Substrait's
// window functions lack.
func (b *binder) windowFilter(wf *logical.WindowFunc, filter *pg.Node, c exprCtx) error {
	e, err := b.bindExpr(filter, exprCtx{scope: c.scope, clause: "FILTER", inAgg: true})
	if err != nil {
		return err
	}
	cond, err := b.toBool(e, "FILTER", nodeLoc(filter))
	if err != nil {
		return err
	}
	if len(wf.Args) == 0 {
		wf.Args = []logical.Expr{&logical.Case{Whens: []logical.When{{Cond: cond, Result: &logical.Literal{Typ: catalog.Int32, Value: int64(1)}}}, Typ: catalog.Int32}}
		return nil
	}
	wf.Args[0] = &logical.Case{Whens: []logical.When{{Cond: cond, Result: wf.Args[0]}}, Typ: wf.Args[0].Type()}
	return nil
}

// windowFunc checks a window function's bound arguments and types it with PostgreSQL's rules
// (star: count(*)). Client Substrait window relations share it.
func (b *binder) windowFunc(name string, args []logical.Expr, star bool, frame logical.Frame, loc int32) (*logical.WindowFunc, error) {
	var err error
	wf := &logical.WindowFunc{Fn: name, Frame: frame}
	undefined := func() error {
		return b.errAt(loc, logical.Errorf(errs.ErrNotFound, "function %s does not exist", name))
	}
	switch name {
	case "row_number", "rank", "dense_rank", "percent_rank", "cume_dist":
		if len(args) != 0 {
			return nil, undefined()
		}
		wf.Typ = rankingFuncs[name]
	case "ntile":
		if len(args) != 1 {
			return nil, undefined()
		}
		if args[0], err = b.coerce(args[0], catalog.Int32); err != nil || !isInt(args[0].Type()) {
			return nil, undefined()
		}
		wf.Typ = catalog.Int32
	case "lag", "lead":
		if len(args) < 1 || len(args) > 3 {
			return nil, undefined()
		}
		args[0] = b.resolveUnknown(args[0])
		wf.Typ = args[0].Type()
		if len(args) >= 2 {
			if args[1], err = b.coerce(args[1], catalog.Int32); err != nil || !isInt(args[1].Type()) {
				return nil, undefined()
			}
		}
		if len(args) == 3 {
			t, err := b.commonOf([]logical.Expr{args[0], args[2]}, "lag", loc)
			if err != nil {
				return nil, err
			}
			for i := range []int{0, 2} {
				j := []int{0, 2}[i]
				if args[j], err = b.coerce(args[j], t); err != nil {
					return nil, b.errAt(loc, err)
				}
			}
			wf.Typ = t
		}
	case "first_value", "last_value":
		if len(args) != 1 {
			return nil, undefined()
		}
		args[0] = b.resolveUnknown(args[0])
		wf.Typ = args[0].Type()
	case "nth_value":
		if len(args) != 2 {
			return nil, undefined()
		}
		args[0] = b.resolveUnknown(args[0])
		if args[1], err = b.coerce(args[1], catalog.Int32); err != nil || !isInt(args[1].Type()) {
			return nil, undefined()
		}
		wf.Typ = args[0].Type()
	default:
		fn, ok := aggFuncOf(name)
		if !ok {
			return nil, undefined()
		}
		if ag, _ := functions.AggByID(fn); ag.OrderedSet { // no window function
			ts := make([]string, len(args))
			for i, a := range args {
				ts[i] = opTypeName(a.Type())
			}
			return nil, b.errAt(loc, logical.Errorf(errs.ErrNotFound, "function %s(%s) does not exist", name, strings.Join(ts, ", ")))
		}
		wf.Agg, wf.Fn = true, fn
		if star {
			if fn != proto.AggCount {
				return nil, undefined()
			}
			wf.Typ = catalog.Int64
			break
		}
		arg, extra, out, err := b.aggArgs(fn, args, loc)
		if err != nil {
			return nil, err
		}
		args = append([]logical.Expr{arg}, extra...)
		wf.Typ = out
	}
	wf.Args = args
	return wf, nil
}

// windowDef resolves OVER w / OVER (w ...) against the WINDOW clause.
func (b *binder) windowDef(wd *pg.WindowDef, loc int32) (*pg.WindowDef, error) {
	find := func(name string) (*pg.WindowDef, error) {
		for _, w := range b.windows {
			if d := w.GetWindowDef(); d != nil && d.Name == name {
				return d, nil
			}
		}
		return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "window \"%s\" does not exist", name))
	}
	if wd.Name != "" && len(wd.PartitionClause) == 0 && len(wd.OrderClause) == 0 && wd.Refname == "" {
		return find(wd.Name)
	}
	if wd.Refname != "" {
		base, err := b.windowDef(&pg.WindowDef{Name: wd.Refname}, loc)
		if err != nil {
			return nil, err
		}
		out := pg.WindowDef{Name: wd.Name, Refname: wd.Refname, PartitionClause: wd.PartitionClause, OrderClause: wd.OrderClause,
			FrameOptions: wd.FrameOptions, StartOffset: wd.StartOffset, EndOffset: wd.EndOffset, Location: wd.Location}
		out.PartitionClause = base.PartitionClause
		if len(out.OrderClause) == 0 {
			out.OrderClause = base.OrderClause
		}
		if out.FrameOptions&frameNonDefault == 0 {
			out.FrameOptions, out.StartOffset, out.EndOffset = base.FrameOptions, base.StartOffset, base.EndOffset
		}
		return &out, nil
	}
	return wd, nil
}

// frame binds a window's frame clause. Offsets are constant expressions (no column
// references); ROWS and GROUPS offsets are bigint, RANGE offsets take the type PostgreSQL's
// in_range functions pair with the single order key: integers for integer keys, numbers for
// float and numeric keys, intervals for date, timestamp and timestamptz keys.
func (b *binder) frame(wd *pg.WindowDef, order []logical.SortKey, c exprCtx) (logical.Frame, error) {
	o := wd.FrameOptions
	ordered := len(order) > 0
	if o&frameNonDefault == 0 {
		if ordered {
			return logical.Frame{Start: logical.Bound{Kind: logical.UnboundedPreceding}, End: logical.Bound{Kind: logical.CurrentRow}}, nil
		}
		return logical.Frame{Start: logical.Bound{Kind: logical.UnboundedPreceding}, End: logical.Bound{Kind: logical.UnboundedFollowing}}, nil
	}
	f := logical.Frame{Rows: o&frameRows != 0, Groups: o&frameGroups != 0}
	switch {
	case o&frameExcludeCurrent != 0:
		f.Exclude = logical.ExcludeCurrentRow
	case o&frameExcludeGroup != 0:
		f.Exclude = logical.ExcludeGroup
	case o&frameExcludeTies != 0:
		f.Exclude = logical.ExcludeTies
	}
	mode := "RANGE"
	switch {
	case f.Rows:
		mode = "ROWS"
	case f.Groups:
		mode = "GROUPS"
	}
	offset := func(n *pg.Node, which string) (logical.Bound, error) {
		var bd logical.Bound
		loc := nodeLoc(n)
		if f.Groups && !ordered {
			return bd, b.errAt(wd.Location, logical.Errorf(errs.ErrInvalidArgument, "GROUPS mode requires an ORDER BY clause"))
		}
		var key catalog.Type
		if !f.Rows && !f.Groups {
			if len(order) != 1 {
				return bd, b.errAt(wd.Location, logical.Errorf(errs.ErrInvalidArgument, "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column"))
			}
			key = order[0].Expr.Type()
		}
		e, err := b.bindExpr(n, exprCtx{scope: c.scope, clause: "window frame"})
		if err != nil {
			return bd, err
		}
		vars := false
		logical.Walk(e, func(x logical.Expr) bool {
			if _, ok := x.(*logical.Column); ok {
				vars = true
			}
			return !vars
		})
		if vars {
			return bd, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "argument of %s must not contain variables", mode))
		}
		var to catalog.Type
		switch {
		case f.Rows || f.Groups:
			to = catalog.Int64
		case isInt(key):
			to = catalog.Int64
			if !isUnknown(e.Type()) && !isInt(e.Type()) {
				to = catalog.Type{}
			}
		case isFloat(key) || key.Kind == catalog.TypeNumeric:
			to = catalog.Float64
			if !isUnknown(e.Type()) && !isNumber(e.Type()) {
				to = catalog.Type{}
			}
		case isDatetime(key):
			to = catalog.Interval
			if !isUnknown(e.Type()) && e.Type().Kind != catalog.TypeInterval {
				to = catalog.Type{}
			}
		default:
			return bd, b.errAt(loc, notSupported("RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s", opTypeName(key)))
		}
		if to.Kind == catalog.TypeUnknown {
			return bd, b.errAt(loc, notSupported("RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s and offset type %s", opTypeName(key), opTypeName(e.Type())))
		}
		if e, err = b.coerce(e, to); err != nil {
			if f.Rows || f.Groups {
				return bd, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "argument of %s must be type bigint, not type %s", mode, opTypeName(e.Type())))
			}
			return bd, b.errAt(loc, err)
		}
		l, ok := optimizer.Fold(e).(*logical.Literal)
		if !ok {
			return bd, b.errAt(loc, notSupported("window frame offsets must be constants"))
		}
		if l.Value == nil {
			return bd, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "frame %s offset must not be null", which))
		}
		negative := false
		switch v := l.Value.(type) {
		case int64:
			bd.Offset, negative = v, v < 0
		case float64:
			bd.Num, bd.NumOffset, negative = v, true, v < 0 || v != v
		case logical.Interval:
			bd.Span = &v
			negative = int64(v.Months)*30*86400e6+int64(v.Days)*86400e6+v.Micros < 0
		default:
			return bd, b.errAt(loc, notSupported("window frame offset of type %s", opTypeName(l.Typ)))
		}
		if negative {
			if f.Rows || f.Groups {
				return bd, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "frame %s offset must not be negative", which))
			}
			return bd, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "invalid preceding or following size in window function"))
		}
		return bd, nil
	}
	var err error
	switch {
	case o&frameStartUnbPrec != 0:
		f.Start.Kind = logical.UnboundedPreceding
	case o&frameStartCurrent != 0:
		f.Start.Kind = logical.CurrentRow
	case o&frameStartOffPrec != 0:
		f.Start, err = offset(wd.StartOffset, "starting")
		f.Start.Kind = logical.Preceding
	case o&frameStartOffFoll != 0:
		f.Start, err = offset(wd.StartOffset, "starting")
		f.Start.Kind = logical.Following
	case o&frameStartUnbFollow != 0:
		return f, b.errAt(wd.Location, logical.Errorf(errs.ErrInvalidArgument, "frame start cannot be UNBOUNDED FOLLOWING"))
	}
	if err != nil {
		return f, err
	}
	switch {
	case o&frameEndUnbFoll != 0:
		f.End.Kind = logical.UnboundedFollowing
	case o&frameEndOffPrec != 0:
		f.End, err = offset(wd.EndOffset, "ending")
		f.End.Kind = logical.Preceding
	case o&frameEndOffFoll != 0:
		f.End, err = offset(wd.EndOffset, "ending")
		f.End.Kind = logical.Following
	case o&frameEndUnbPrec != 0:
		return f, b.errAt(wd.Location, logical.Errorf(errs.ErrInvalidArgument, "frame end cannot be UNBOUNDED PRECEDING"))
	default:
		f.End.Kind = logical.CurrentRow
	}
	if err != nil {
		return f, err
	}
	return f, nil
}

// buildWindows computes the window calls of exprs over from: one Window node per distinct
// partitioning and ordering, stacked; every call is replaced by its output column.
func buildWindows(from logical.Node, exprs []logical.Expr) (logical.Node, []logical.Expr) {
	var calls []*logical.WindowCall
	seen := map[string]bool{}
	for _, e := range exprs {
		logical.Walk(e, func(x logical.Expr) bool {
			if w, ok := x.(*logical.WindowCall); ok && !seen[w.String()] {
				seen[w.String()] = true
				calls = append(calls, w)
			}
			return true
		})
	}
	if len(calls) == 0 {
		return from, exprs
	}
	col := map[string]int{}
	var specs []string
	bySpec := map[string][]*logical.WindowCall{}
	for _, w := range calls {
		if _, ok := bySpec[w.Spec()]; !ok {
			specs = append(specs, w.Spec())
		}
		bySpec[w.Spec()] = append(bySpec[w.Spec()], w)
	}
	node := from
	for _, sp := range specs {
		ws := bySpec[sp]
		win := &logical.Window{Input: node, Partition: ws[0].Partition, Order: ws[0].Order}
		base := len(node.Schema())
		for i, w := range ws {
			win.Funcs = append(win.Funcs, w.Func)
			win.Names = append(win.Names, w.Func.Fn)
			col[w.String()] = base + i
		}
		node = win
	}
	sch := node.Schema()
	out := make([]logical.Expr, len(exprs))
	for i, e := range exprs {
		out[i] = logical.Transform(e, func(x logical.Expr) logical.Expr {
			if w, ok := x.(*logical.WindowCall); ok {
				j := col[w.String()]
				return &logical.Column{Index: j, Name: sch[j].Name, Typ: sch[j].Type, Null: sch[j].Nullable}
			}
			return x
		})
	}
	return node, out
}
