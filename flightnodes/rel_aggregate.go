package flightnodes

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/tern-db/tern/flightnodes/exec"
	"github.com/tern-db/tern/proto/errs"
)

// aggregateRel evaluates grouping expressions and measure arguments into columns (a
// projection, skipped when they are all plain columns), then runs a hash aggregate. Output:
// grouping columns then measures.
func (c *compiler) aggregateRel(r *substraitpb.AggregateRel) (exec.Operator, error) {
	in, err := c.rel(r.GetInput())
	if err != nil {
		return nil, err
	}
	s := in.Schema()
	groupings := r.GetGroupings()
	if len(groupings) > 1 {
		return nil, errs.Errorf(errs.ErrNotSupported, "grouping sets (%d groupings)", len(groupings))
	}
	var groupExprs []*substraitpb.Expression
	if len(groupings) == 1 {
		g := groupings[0]
		if len(g.GetExpressionReferences()) > 0 {
			all := r.GetGroupingExpressions()
			for _, ref := range g.GetExpressionReferences() {
				if int(ref) >= len(all) {
					return nil, errs.Errorf(errs.ErrInvalidArgument, "grouping expression reference %d out of range", ref)
				}
				groupExprs = append(groupExprs, all[ref])
			}
		} else {
			groupExprs = g.GetGroupingExpressions()
		}
	}
	var cols []exec.Expr
	var names []string
	for i, ge := range groupExprs {
		e, err := c.expr(ge, s)
		if err != nil {
			return nil, err
		}
		cols = append(cols, e)
		if ref, ok := e.(*exec.ColumnRef); ok {
			names = append(names, s.Field(ref.Index).Name)
		} else {
			names = append(names, fmt.Sprintf("group%d", i))
		}
	}
	nGroups := len(cols)
	aggs := make([]exec.AggSpec, len(r.GetMeasures()))
	for i, m := range r.GetMeasures() {
		f := m.GetMeasure()
		if f == nil {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "measure %d has no function", i)
		}
		name, err := c.funcName(f.GetFunctionReference())
		if err != nil {
			return nil, err
		}
		if len(f.GetSorts()) > 0 {
			return nil, errs.Errorf(errs.ErrNotSupported, "ordered aggregate %s", name)
		}
		if ph := f.GetPhase(); ph != substraitpb.AggregationPhase_AGGREGATION_PHASE_UNSPECIFIED &&
			ph != substraitpb.AggregationPhase_AGGREGATION_PHASE_INITIAL_TO_RESULT {
			return nil, errs.Errorf(errs.ErrNotSupported, "aggregation phase %s", ph)
		}
		var argExprs []*substraitpb.Expression
		if len(f.GetArguments()) > 0 {
			for _, a := range f.GetArguments() {
				if a.GetValue() == nil {
					return nil, errs.Errorf(errs.ErrNotSupported, "non-value argument of aggregate %s", name)
				}
				argExprs = append(argExprs, a.GetValue())
			}
		} else {
			argExprs = f.GetArgs()
		}
		spec := exec.AggSpec{Name: fmt.Sprintf("measure%d", i), Distinct: f.GetInvocation() == substraitpb.AggregateFunction_AGGREGATION_INVOCATION_DISTINCT}
		switch name {
		case "count":
			spec.Func = exec.AggCount
			if len(argExprs) == 0 {
				spec.Func = exec.AggCountStar
			}
		case "sum":
			spec.Func = exec.AggSum
		case "avg":
			spec.Func = exec.AggAvg
		case "min":
			spec.Func = exec.AggMin
		case "max":
			spec.Func = exec.AggMax
		default:
			return nil, errs.Errorf(errs.ErrNotSupported, "aggregate function %q", name)
		}
		if spec.Func == exec.AggCountStar && len(argExprs) > 0 || spec.Func != exec.AggCountStar && len(argExprs) != 1 {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "aggregate %s with %d arguments", name, len(argExprs))
		}
		if f.GetOutputType() == nil {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "aggregate %s without output_type", name)
		}
		if spec.Out, err = arrowType(f.GetOutputType()); err != nil {
			return nil, err
		}
		var arg exec.Expr
		if len(argExprs) == 1 {
			if arg, err = c.expr(argExprs[0], s); err != nil {
				return nil, err
			}
		}
		if m.GetFilter() != nil {
			// agg(x) FILTER (WHERE f) = agg(CASE WHEN f THEN x END); count(*) counts TRUEs.
			cond, err := c.expr(m.GetFilter(), s)
			if err != nil {
				return nil, err
			}
			if arg == nil {
				spec.Func = exec.AggCount
				if arg, err = exec.NewLiteral(boolTrue); err != nil {
					return nil, err
				}
			}
			if arg, err = exec.NewCase([]exec.Expr{cond}, []exec.Expr{arg}, nil, arg.Type()); err != nil {
				return nil, err
			}
		}
		if arg != nil {
			spec.Arg = len(cols)
			cols = append(cols, arg)
			names = append(names, fmt.Sprintf("arg%d", i))
		}
		aggs[i] = spec
	}
	input := in
	groupCols := make([]int, nGroups)
	if allColumnRefs(cols) {
		for i := range groupCols {
			groupCols[i] = cols[i].(*exec.ColumnRef).Index
		}
		for i := range aggs {
			if aggs[i].Func != exec.AggCountStar {
				aggs[i].Arg = cols[aggs[i].Arg].(*exec.ColumnRef).Index
			}
		}
	} else {
		for i := range groupCols {
			groupCols[i] = i
		}
		if input, err = c.project(in, cols, names); err != nil {
			return nil, err
		}
	}
	op, err := exec.NewHashAggregate(c.env, input, groupCols, aggs)
	if err != nil {
		return nil, err
	}
	return c.track(op), nil
}

func allColumnRefs(es []exec.Expr) bool {
	for _, e := range es {
		if _, ok := e.(*exec.ColumnRef); !ok {
			return false
		}
	}
	return true
}

var boolTrue = scalar.NewBooleanScalar(true)

var _ arrow.DataType
