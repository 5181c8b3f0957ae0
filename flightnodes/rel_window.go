package flightnodes

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/functions"
	"github.com/tern-db/tern/proto/errs"
	"github.com/tern-db/tern/proto/planpb"
)

// windowRel: ConsistentPartitionWindowRel. Partition expressions, sort keys and function
// arguments that are not plain columns are computed by a projection below the window
// operator and dropped above it. Output: the input fields, then one column per function.
func (c *compiler) windowRel(r *substraitpb.ConsistentPartitionWindowRel) (exec.Operator, error) {
	in, err := c.rel(r.GetInput())
	if err != nil {
		return nil, err
	}
	s := in.Schema()
	n := s.NumFields()
	var extra []exec.Expr
	col := func(e *substraitpb.Expression) (int, error) {
		if i, ok := fieldRefOf(e, n); ok {
			return i, nil
		}
		x, err := c.expr(e, s)
		if err != nil {
			return 0, err
		}
		extra = append(extra, x)
		return n + len(extra) - 1, nil
	}
	var parts []int
	for _, pe := range r.GetPartitionExpressions() {
		i, err := col(pe)
		if err != nil {
			return nil, err
		}
		parts = append(parts, i)
	}
	var keys []exec.SortKey
	for _, sf := range r.GetSorts() {
		i, err := col(sf.GetExpr())
		if err != nil {
			return nil, err
		}
		k, err := sortKeyOf(sf, i)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	var funcs []exec.WindowFunc
	for fi, wf := range r.GetWindowFunctions() {
		name, err := c.funcName(wf.GetFunctionReference())
		if err != nil {
			return nil, err
		}
		f := exec.WindowFunc{Name: fmt.Sprintf("window%d", fi)}
		if wf.GetOutputType() == nil {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "window function %s without output_type", name)
		}
		if f.Out, err = arrowType(wf.GetOutputType()); err != nil {
			return nil, err
		}
		if wf.GetInvocation() == substraitpb.AggregateFunction_AGGREGATION_INVOCATION_DISTINCT {
			return nil, errs.Errorf(errs.ErrNotSupported, "DISTINCT is not implemented for window functions")
		}
		for _, a := range wf.GetArguments() {
			if a.GetValue() == nil {
				return nil, errs.Errorf(errs.ErrNotSupported, "non-value argument of window function %s", name)
			}
			i, err := col(a.GetValue())
			if err != nil {
				return nil, err
			}
			f.Args = append(f.Args, i)
		}
		if w, ok := functions.LookupWindow(name); ok {
			f.Kind = w.Kind
		} else if ag, ok := functions.LookupAgg(c.urns[wf.GetFunctionReference()], name); ok {
			f.Kind = exec.WinAgg
			if f.Agg, ok = ag.ExecFunc(len(f.Args)); !ok {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "window aggregate %s with %d arguments", name, len(f.Args))
			}
		} else {
			return nil, errs.Errorf(errs.ErrNotSupported, "window function %q", name)
		}
		if err := rankOutput(name, f); err != nil {
			return nil, err
		}
		if f.Frame, err = frameOf(wf, len(keys) > 0); err != nil {
			return nil, err
		}
		funcs = append(funcs, f)
	}
	if err := windowFrames(r, funcs); err != nil {
		return nil, err
	}
	input := in
	if len(extra) > 0 {
		exprs := make([]exec.Expr, 0, n+len(extra))
		for i := 0; i < n; i++ {
			exprs = append(exprs, exec.NewColumnRef(i, s.Field(i).Type))
		}
		names := fieldNames(s)
		for i := range extra {
			names = append(names, fmt.Sprintf("windowarg%d", i))
		}
		if input, err = c.project(in, append(exprs, extra...), names); err != nil {
			return nil, err
		}
	}
	op, err := exec.NewWindow(c.env, input, parts, keys, funcs)
	if err != nil {
		return nil, err
	}
	c.track(op)
	if len(extra) == 0 {
		return op, nil
	}
	ws := op.Schema()
	var out []exec.Expr
	var names []string
	for i := 0; i < ws.NumFields(); i++ {
		if i >= n && i < n+len(extra) {
			continue
		}
		out, names = append(out, exec.NewColumnRef(i, ws.Field(i).Type)), append(names, ws.Field(i).Name)
	}
	return c.project(op, out, names)
}

// frameOf reads a window function's bounds. Missing bounds are PostgreSQL's default: RANGE
// UNBOUNDED PRECEDING .. CURRENT ROW with an ORDER BY, the whole partition without.
func frameOf(wf *substraitpb.ConsistentPartitionWindowRel_WindowRelFunction, ordered bool) (exec.Frame, error) {
	f := exec.Frame{Rows: wf.GetBoundsType() == substraitpb.Expression_WindowFunction_BOUNDS_TYPE_ROWS}
	bound := func(b *substraitpb.Expression_WindowFunction_Bound, def exec.BoundKind) (exec.BoundKind, int64, error) {
		if b == nil || b.GetKind() == nil {
			return def, 0, nil
		}
		switch k := b.GetKind().(type) {
		case *substraitpb.Expression_WindowFunction_Bound_Unbounded_:
			return exec.BoundUnbounded, 0, nil
		case *substraitpb.Expression_WindowFunction_Bound_CurrentRow_:
			return exec.BoundCurrent, 0, nil
		case *substraitpb.Expression_WindowFunction_Bound_Preceding_:
			if k.Preceding.GetOffset() < 0 {
				return 0, 0, errs.Errorf(errs.ErrInvalidArgument, "frame starting offset must not be negative")
			}
			return exec.BoundPreceding, k.Preceding.GetOffset(), nil
		case *substraitpb.Expression_WindowFunction_Bound_Following_:
			if k.Following.GetOffset() < 0 {
				return 0, 0, errs.Errorf(errs.ErrInvalidArgument, "frame ending offset must not be negative")
			}
			return exec.BoundFollowing, k.Following.GetOffset(), nil
		}
		return 0, 0, errs.Errorf(errs.ErrNotSupported, "window bound %T", b.GetKind())
	}
	var err error
	if f.Start, f.StartOffset, err = bound(wf.GetLowerBound(), exec.BoundUnbounded); err != nil {
		return f, err
	}
	def := exec.BoundUnbounded
	if ordered {
		def = exec.BoundCurrent
	}
	if f.End, f.EndOff, err = bound(wf.GetUpperBound(), def); err != nil {
		return f, err
	}
	return f, nil
}

// windowFrames applies the relation's planpb.WindowFrames enhancement (GROUPS, EXCLUDE,
// non-integer RANGE distances; proto/planpb/window.proto) to its functions' frames.
func windowFrames(r *substraitpb.ConsistentPartitionWindowRel, funcs []exec.WindowFunc) error {
	detail := r.GetAdvancedExtension().GetEnhancement()
	if detail == nil {
		return nil
	}
	var wf planpb.WindowFrames
	if err := detail.UnmarshalTo(&wf); err != nil {
		return errs.Errorf(errs.ErrNotSupported, "window relation enhancement %s: %v", detail.GetTypeUrl(), err)
	}
	if len(wf.GetFunctions()) != len(funcs) {
		return errs.Errorf(errs.ErrInvalidArgument, "window frames for %d functions, relation has %d", len(wf.GetFunctions()), len(funcs))
	}
	for i, fr := range wf.GetFunctions() {
		f := &funcs[i].Frame
		if fr.GetGroups() {
			if f.Rows {
				return errs.Errorf(errs.ErrInvalidArgument, "window frame is both ROWS and GROUPS")
			}
			f.Groups = true
		}
		switch fr.GetExclude() {
		case planpb.FrameExclude_FRAME_EXCLUDE_NO_OTHERS:
		case planpb.FrameExclude_FRAME_EXCLUDE_CURRENT_ROW:
			f.Exclude = exec.ExcludeCurrentRow
		case planpb.FrameExclude_FRAME_EXCLUDE_GROUP:
			f.Exclude = exec.ExcludeGroup
		case planpb.FrameExclude_FRAME_EXCLUDE_TIES:
			f.Exclude = exec.ExcludeTies
		default:
			return errs.Errorf(errs.ErrInvalidArgument, "window frame exclusion %d", fr.GetExclude())
		}
		for _, side := range []struct {
			off  *planpb.RangeOffset
			kind exec.BoundKind
			num  *float64
			span **arrow.MonthDayNanoInterval
		}{{fr.GetLower(), f.Start, &f.StartNum, &f.StartSpan}, {fr.GetUpper(), f.End, &f.EndNum, &f.EndSpan}} {
			if side.off == nil {
				continue
			}
			if f.Rows || f.Groups || (side.kind != exec.BoundPreceding && side.kind != exec.BoundFollowing) {
				return errs.Errorf(errs.ErrInvalidArgument, "RANGE distance on a bound that is not a RANGE offset")
			}
			switch o := side.off.GetOffset().(type) {
			case *planpb.RangeOffset_Number:
				if o.Number < 0 || o.Number != o.Number {
					return errs.Errorf(errs.ErrInvalidArgument, "invalid preceding or following size in window function")
				}
				*side.num, f.NumOffset = o.Number, true
			case *planpb.RangeOffset_Interval:
				iv := &arrow.MonthDayNanoInterval{Months: o.Interval.GetMonths(), Days: o.Interval.GetDays(), Nanoseconds: o.Interval.GetMicros() * 1000}
				if int64(iv.Months)*30*86400e6+int64(iv.Days)*86400e6+o.Interval.GetMicros() < 0 {
					return errs.Errorf(errs.ErrInvalidArgument, "invalid preceding or following size in window function")
				}
				*side.span = iv
			default:
				return errs.Errorf(errs.ErrInvalidArgument, "empty RANGE distance")
			}
		}
		if f.NumOffset && ((f.Start == exec.BoundPreceding || f.Start == exec.BoundFollowing) && fr.GetLower() == nil ||
			(f.End == exec.BoundPreceding || f.End == exec.BoundFollowing) && fr.GetUpper() == nil) {
			// one bound numeric, the other integer: the integer one moves to the numeric form
			if fr.GetLower() == nil {
				f.StartNum = float64(f.StartOffset)
			}
			if fr.GetUpper() == nil {
				f.EndNum = float64(f.EndOff)
			}
		}
	}
	return nil
}

// rankOutput checks the output type a plan gives a ranking function: the executor writes
// ranks as integers, floats or decimals only (a client's plan may say anything).
func rankOutput(name string, f exec.WindowFunc) error {
	switch f.Kind {
	case exec.WinRowNumber, exec.WinRank, exec.WinDenseRank, exec.WinPercentRank, exec.WinCumeDist, exec.WinNtile:
		if !arrow.IsInteger(f.Out.ID()) && !arrow.IsFloating(f.Out.ID()) && f.Out.ID() != arrow.DECIMAL128 {
			return errs.Errorf(errs.ErrInvalidArgument, "window function %s cannot return %s", name, f.Out)
		}
	}
	return nil
}
