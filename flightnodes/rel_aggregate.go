package flightnodes

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/protobuf/proto"

	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/functions"
	"github.com/tern-db/tern/proto/errs"
)

// aggregateRel evaluates grouping expressions and measure arguments into columns (a
// projection, skipped when they are all plain columns), then runs a hash aggregate. Output:
// grouping columns then measures.
//
// GROUPING SETS (several groupings): an Expand operator emits every input batch once per set,
// with the grouping expressions absent from the set as NULL and the set's index as an extra
// i32 key; one hash aggregate groups by all of them; a projection puts the index last. Output
// (proto/doc.go): every grouping expression, the measures, the set index.
//
// Ordered aggregates (string_agg(x, ',' ORDER BY y), any aggregate with AggregateFunction.sorts)
// and WITHIN GROUP aggregates: each measure's sort expressions become input columns named in
// its AggSpec.Order; the hash aggregate orders each group's rows itself, so measures with
// different orderings share one aggregate (exec/hashagg_ordered.go). An ordered-set
// aggregate's arguments are its direct arguments, constants (AggSpec.Direct); its sorts
// are the ordered values.
func (c *compiler) aggregateRel(r *substraitpb.AggregateRel) (exec.Operator, error) {
	in, err := c.rel(r.GetInput())
	if err != nil {
		return nil, err
	}
	groupings := r.GetGroupings()
	// all grouping expressions, and each set as indices into them
	var all []*substraitpb.Expression
	var sets [][]int
	for _, g := range groupings {
		var set []int
		if len(g.GetExpressionReferences()) > 0 || len(g.GetGroupingExpressions()) == 0 {
			for _, ref := range g.GetExpressionReferences() {
				if int(ref) >= len(r.GetGroupingExpressions()) {
					return nil, errs.Errorf(errs.ErrInvalidArgument, "grouping expression reference %d out of range", ref)
				}
				set = append(set, int(ref))
			}
		} else {
			for _, ge := range g.GetGroupingExpressions() {
				idx := -1
				for k, e := range all {
					if proto.Equal(e, ge) {
						idx = k
					}
				}
				if idx < 0 {
					idx = len(all)
					all = append(all, ge)
				}
				set = append(set, idx)
			}
		}
		sets = append(sets, set)
	}
	if len(r.GetGroupingExpressions()) > 0 {
		if len(all) > 0 {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "aggregate mixes grouping expression references and inline expressions")
		}
		all = r.GetGroupingExpressions()
	}
	s := in.Schema()
	var cols []exec.Expr
	var names []string
	for i, ge := range all {
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
		spec, args, order, err := c.measure(m, s, i)
		if err != nil {
			return nil, err
		}
		if len(args) > 0 {
			spec.Arg = len(cols)
			cols, names = append(cols, args[0]), append(names, fmt.Sprintf("arg%d", i))
		}
		if len(args) > 1 {
			spec.Arg2 = len(cols)
			cols, names = append(cols, args[1]), append(names, fmt.Sprintf("arg%d_2", i))
		}
		for k, e := range order {
			if k == len(spec.Order) { // the filter of an ordered-set aggregate
				spec.FilterCol = len(cols)
				cols, names = append(cols, e), append(names, fmt.Sprintf("arg%d_filter", i))
				break
			}
			spec.Order[k].Col = len(cols)
			cols, names = append(cols, e), append(names, fmt.Sprintf("arg%d_order%d", i, k))
		}
		if spec.Func.OrderedSet() {
			spec.Arg = spec.Order[0].Col
		}
		aggs[i] = spec
	}
	if len(sets) > 1 {
		return c.groupingSets(in, cols, names, nGroups, sets, aggs)
	}
	if len(sets) == 1 && len(sets[0]) != nGroups {
		// one grouping using a subset (or a reordering) of the expressions
		var gc []exec.Expr
		var gn []string
		for _, k := range sets[0] {
			gc, gn = append(gc, cols[k]), append(gn, names[k])
		}
		for i := range aggs {
			if aggs[i].Func != exec.AggCountStar {
				shiftSpec(&aggs[i], func(c int) int { return c + len(sets[0]) - nGroups })
			}
		}
		cols, names = append(gc, cols[nGroups:]...), append(gn, names[nGroups:]...)
		nGroups = len(sets[0])
	}
	input := in
	groupCols := make([]int, nGroups)
	if allColumnRefs(cols) {
		for i := range groupCols {
			groupCols[i] = cols[i].(*exec.ColumnRef).Index
		}
		for i := range aggs {
			if aggs[i].Func != exec.AggCountStar {
				shiftSpec(&aggs[i], func(c int) int { return cols[c].(*exec.ColumnRef).Index })
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

// shiftSpec maps every input column an aggregate reads (argument, second argument, order
// keys) through f.
func shiftSpec(a *exec.AggSpec, f func(int) int) {
	a.Arg = f(a.Arg)
	if a.Func == exec.AggStringAgg {
		a.Arg2 = f(a.Arg2)
	}
	if a.Filter {
		a.FilterCol = f(a.FilterCol)
	}
	if len(a.Order) > 0 {
		o := make([]exec.SortKey, len(a.Order))
		for i, k := range a.Order {
			k.Col = f(k.Col)
			o[i] = k
		}
		a.Order = o
	}
}

// measure converts one measure: its spec (Arg/Arg2 and Order columns unset), argument
// expressions and order key expressions.
func (c *compiler) measure(m *substraitpb.AggregateRel_Measure, s *arrow.Schema, i int) (exec.AggSpec, []exec.Expr, []exec.Expr, error) {
	spec, args, err := c.measureArgs(m, s, i)
	if err != nil {
		return spec, nil, nil, err
	}
	var order []exec.Expr
	for _, sf := range m.GetMeasure().GetSorts() {
		e, err := c.expr(sf.GetExpr(), s)
		if err != nil {
			return spec, nil, nil, err
		}
		k, err := sortKeyOf(sf, 0)
		if err != nil {
			return spec, nil, nil, err
		}
		order = append(order, e)
		spec.Order = append(spec.Order, k)
	}
	if !spec.Func.OrderedSet() {
		return spec, args, order, nil
	}
	if fe := m.GetFilter(); fe != nil {
		// hypothetical-set aggregates count NULL rows, so FILTER cannot become a CASE on
		// the value: rows whose filter is not true are skipped (AggSpec.Filter)
		cond, err := c.expr(fe, s)
		if err != nil {
			return spec, nil, nil, err
		}
		order = append(order, cond)
		spec.Filter = true
	}
	// WITHIN GROUP: the arguments are the direct arguments, constants.
	if len(order) == 0 {
		return spec, nil, nil, errs.Errorf(errs.ErrInvalidArgument, "ordered-set aggregate without sorts")
	}
	for _, a := range args {
		l, ok := a.(*exec.Literal)
		if !ok {
			return spec, nil, nil, errs.Errorf(errs.ErrNotSupported, "direct arguments of an ordered-set aggregate must be constants")
		}
		sc, err := scalar.GetScalar(l.Value(), 0)
		if err != nil {
			return spec, nil, nil, err
		}
		spec.Direct = append(spec.Direct, sc)
	}
	return spec, nil, order, nil
}

// measureArgs converts one measure's function, arguments and filter.
func (c *compiler) measureArgs(m *substraitpb.AggregateRel_Measure, s *arrow.Schema, i int) (exec.AggSpec, []exec.Expr, error) {
	var spec exec.AggSpec
	f := m.GetMeasure()
	if f == nil {
		return spec, nil, errs.Errorf(errs.ErrInvalidArgument, "measure %d has no function", i)
	}
	name, err := c.funcName(f.GetFunctionReference())
	if err != nil {
		return spec, nil, err
	}
	if ph := f.GetPhase(); ph != substraitpb.AggregationPhase_AGGREGATION_PHASE_UNSPECIFIED &&
		ph != substraitpb.AggregationPhase_AGGREGATION_PHASE_INITIAL_TO_RESULT {
		return spec, nil, errs.Errorf(errs.ErrNotSupported, "aggregation phase %s", ph)
	}
	var argExprs []*substraitpb.Expression
	if len(f.GetArguments()) > 0 {
		for _, a := range f.GetArguments() {
			if a.GetValue() == nil {
				return spec, nil, errs.Errorf(errs.ErrNotSupported, "non-value argument of aggregate %s", name)
			}
			argExprs = append(argExprs, a.GetValue())
		}
	} else {
		argExprs = f.GetArgs()
	}
	spec = exec.AggSpec{Name: fmt.Sprintf("measure%d", i), Distinct: f.GetInvocation() == substraitpb.AggregateFunction_AGGREGATION_INVOCATION_DISTINCT}
	ag, ok := functions.LookupAgg(c.urns[f.GetFunctionReference()], name)
	if !ok {
		return spec, nil, errs.Errorf(errs.ErrNotSupported, "aggregate function %q", name)
	}
	nargs := ag.Args
	if len(argExprs) == 0 && ag.StarOK {
		nargs = 0
	}
	if ag.Hypothetical() {
		nargs = len(f.GetSorts())
	}
	spec.Func = ag.Func
	if !ag.OrderedSet {
		spec.Func, _ = ag.ExecFunc(nargs)
	}
	if len(argExprs) != nargs {
		return spec, nil, errs.Errorf(errs.ErrInvalidArgument, "aggregate %s with %d arguments", name, len(argExprs))
	}
	if f.GetOutputType() == nil {
		return spec, nil, errs.Errorf(errs.ErrInvalidArgument, "aggregate %s without output_type", name)
	}
	if spec.Out, err = arrowType(f.GetOutputType()); err != nil {
		return spec, nil, err
	}
	args, err := c.exprs(argExprs, s)
	if err != nil {
		return spec, nil, err
	}
	if m.GetFilter() != nil && !ag.OrderedSet {
		// agg(x) FILTER (WHERE f) = agg(CASE WHEN f THEN x END); count(*) counts TRUEs.
		// (Ordered-set aggregates take the filter as a column: measure.)
		cond, err := c.expr(m.GetFilter(), s)
		if err != nil {
			return spec, nil, err
		}
		if len(args) == 0 {
			spec.Func = exec.AggCount
			t, err := exec.NewLiteral(boolTrue)
			if err != nil {
				return spec, nil, err
			}
			args = []exec.Expr{t}
		}
		if args[0], err = exec.NewCase([]exec.Expr{cond}, []exec.Expr{args[0]}, nil, args[0].Type()); err != nil {
			return spec, nil, err
		}
	}
	return spec, args, nil
}

// groupingSets: cols are the grouping expressions (nGroups) then the measure arguments.
func (c *compiler) groupingSets(in exec.Operator, cols []exec.Expr, names []string, nGroups int, sets [][]int, aggs []exec.AggSpec) (exec.Operator, error) {
	projs := make([][]exec.Expr, len(sets))
	for si, set := range sets {
		p := make([]exec.Expr, 0, len(cols)+1)
		for k := 0; k < nGroups; k++ {
			in := false
			for _, x := range set {
				in = in || x == k
			}
			if in {
				p = append(p, cols[k])
				continue
			}
			null, err := exec.NewLiteral(scalar.MakeNullScalar(cols[k].Type()))
			if err != nil {
				return nil, err
			}
			p = append(p, null)
		}
		idx, err := exec.NewLiteral(scalar.NewInt32Scalar(int32(si)))
		if err != nil {
			return nil, err
		}
		p = append(p, idx)
		p = append(p, cols[nGroups:]...)
		projs[si] = p
	}
	enames := append(append(append([]string(nil), names[:nGroups]...), "grouping_set"), names[nGroups:]...)
	ex, err := exec.NewExpand(c.env, in, projs, enames)
	if err != nil {
		return nil, err
	}
	c.track(ex)
	groupCols := make([]int, nGroups+1)
	for i := range groupCols {
		groupCols[i] = i
	}
	for i := range aggs {
		shiftSpec(&aggs[i], func(c int) int { return c + 1 })
	}
	agg, err := exec.NewHashAggregate(c.env, ex, groupCols, aggs)
	if err != nil {
		return nil, err
	}
	c.track(agg)
	if agg, err = c.emptySetTotals(agg, ex.Schema(), nGroups, sets, aggs); err != nil {
		return nil, err
	}
	as := agg.Schema()
	var out []exec.Expr
	var onames []string
	for k := 0; k < nGroups; k++ {
		out, onames = append(out, exec.NewColumnRef(k, as.Field(k).Type)), append(onames, as.Field(k).Name)
	}
	for i := range aggs {
		k := nGroups + 1 + i
		out, onames = append(out, exec.NewColumnRef(k, as.Field(k).Type)), append(onames, as.Field(k).Name)
	}
	out, onames = append(out, exec.NewColumnRef(nGroups, as.Field(nGroups).Type)), append(onames, "grouping_set")
	return c.project(agg, out, onames)
}

// emptySetTotals makes agg (grouped by the nGroups keys and the set index) produce, on empty
// input, the grand-total row of every empty grouping set, as SQL does: the measures of no
// rows (a hash aggregate without keys over nothing), NULL keys, the set's index.
func (c *compiler) emptySetTotals(agg exec.Operator, expanded *arrow.Schema, nGroups int, sets [][]int, aggs []exec.AggSpec) (exec.Operator, error) {
	as := agg.Schema()
	var projs [][]exec.Expr
	for si, set := range sets {
		if len(set) != 0 {
			continue
		}
		p := make([]exec.Expr, 0, as.NumFields())
		for k := 0; k < nGroups; k++ {
			null, err := exec.NewLiteral(scalar.MakeNullScalar(as.Field(k).Type))
			if err != nil {
				return nil, err
			}
			p = append(p, null)
		}
		idx, err := exec.NewLiteral(scalar.NewInt32Scalar(int32(si)))
		if err != nil {
			return nil, err
		}
		projs = append(projs, append(p, idx))
	}
	if len(projs) == 0 {
		return agg, nil
	}
	total, err := exec.NewHashAggregate(c.env, exec.NewSource(expanded), nil, append([]exec.AggSpec(nil), aggs...))
	if err != nil {
		return nil, err
	}
	ts := total.Schema()
	for i := range projs {
		for m := 0; m < ts.NumFields(); m++ {
			projs[i] = append(projs[i], exec.NewColumnRef(m, ts.Field(m).Type))
		}
	}
	names := make([]string, as.NumFields())
	for i := range names {
		names[i] = as.Field(i).Name
	}
	fb, err := exec.NewExpand(c.env, total, projs, names)
	if err != nil {
		total.Close()
		return nil, err
	}
	out, err := exec.NewOnEmpty(agg, fb)
	if err != nil {
		fb.Close()
		return nil, err
	}
	return c.track(out), nil
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
