package planner

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/planner/substrait"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// bind_substrait.go: a client's Substrait plan bound into the logical plan by the SQL binder's
// own rules, so that it meets the optimizer, pruning and the producer exactly as SQL does.
// Named tables resolve as SQL names (the session's temporary schema first, then the current
// schema of search_path; views expanded; other sessions' temporary schemas invisible);
// functions are found by their standard extension names and bound as the SQL operator or
// function that means the same, with the binder's type rules; types come from the binder,
// not from the plan's output_type fields. What Tern cannot run is ErrNotSupported naming the
// relation, expression or function; a plan that contradicts itself is ErrInvalidArgument.

// substraitBinder binds one client plan.
type substraitBinder struct {
	b     *binder
	funcs substrait.Functions
	depth int // nesting of relations and expressions
}

// noLoc: Substrait has no text positions.
const noLoc int32 = -1

func badPlan(format string, args ...any) error {
	return logical.Errorf(errs.ErrInvalidArgument, "Substrait plan: "+format, args...)
}

func unsupportedPlan(format string, args ...any) error {
	return logical.Errorf(errs.ErrNotSupported, "Substrait plan: "+format, args...)
}

func (c *substraitBinder) enter() error {
	c.depth++
	if c.depth > maxBindDepth {
		return badPlan("nested too deeply")
	}
	return c.b.checkCancel()
}

// rel binds a relation and applies its RelCommon (emit).
func (c *substraitBinder) rel(r *pb.Rel) (logical.Node, error) {
	if err := c.enter(); err != nil {
		return nil, err
	}
	defer func() { c.depth-- }()
	var n logical.Node
	var common *pb.RelCommon
	var err error
	switch x := r.GetRelType().(type) {
	case *pb.Rel_Read:
		common = x.Read.GetCommon()
		n, err = c.read(x.Read)
	case *pb.Rel_Filter:
		common = x.Filter.GetCommon()
		n, err = c.filter(x.Filter)
	case *pb.Rel_Project:
		common = x.Project.GetCommon()
		n, err = c.project(x.Project)
	case *pb.Rel_Fetch:
		common = x.Fetch.GetCommon()
		n, err = c.fetch(x.Fetch)
	case *pb.Rel_Sort:
		common = x.Sort.GetCommon()
		n, err = c.sort(x.Sort)
	case *pb.Rel_Aggregate:
		common = x.Aggregate.GetCommon()
		n, err = c.aggregate(x.Aggregate)
	case *pb.Rel_Join:
		common = x.Join.GetCommon()
		n, err = c.join(x.Join.GetLeft(), x.Join.GetRight(), x.Join.GetType().String(), x.Join.GetExpression(), nil, nil, x.Join.GetPostJoinFilter())
	case *pb.Rel_HashJoin:
		hj := x.HashJoin
		common = hj.GetCommon()
		n, err = c.join(hj.GetLeft(), hj.GetRight(), hj.GetType().String(), nil, joinKeys(hj.GetKeys(), hj.GetLeftKeys(), hj.GetRightKeys()), hj.GetPostJoinFilter(), nil)
	case *pb.Rel_MergeJoin:
		mj := x.MergeJoin
		common = mj.GetCommon()
		n, err = c.join(mj.GetLeft(), mj.GetRight(), mj.GetType().String(), nil, joinKeys(mj.GetKeys(), mj.GetLeftKeys(), mj.GetRightKeys()), mj.GetPostJoinFilter(), nil)
	case *pb.Rel_NestedLoopJoin:
		nj := x.NestedLoopJoin
		common = nj.GetCommon()
		n, err = c.join(nj.GetLeft(), nj.GetRight(), nj.GetType().String(), nj.GetExpression(), nil, nil, nil)
	case *pb.Rel_Cross:
		common = x.Cross.GetCommon()
		n, err = c.join(x.Cross.GetLeft(), x.Cross.GetRight(), "JOIN_TYPE_INNER", nil, nil, nil, nil)
	case *pb.Rel_Set:
		common = x.Set.GetCommon()
		n, err = c.set(x.Set)
	case *pb.Rel_Window:
		common = x.Window.GetCommon()
		n, err = c.window(x.Window)
	case nil:
		return nil, badPlan("a relation is empty")
	default:
		return nil, unsupportedPlan("%s relations are not supported", substrait.KindOf(r.GetRelType()))
	}
	if err != nil {
		return nil, err
	}
	return c.emit(n, common)
}

// emit applies RelCommon: Emit picks and orders output columns.
func (c *substraitBinder) emit(n logical.Node, common *pb.RelCommon) (logical.Node, error) {
	if common.GetAdvancedExtension().GetEnhancement() != nil {
		return nil, unsupportedPlan("relation enhancements (advanced extensions) are not supported")
	}
	em := common.GetEmit()
	if em == nil {
		return n, nil
	}
	sch := n.Schema()
	exprs := make([]logical.Expr, len(em.GetOutputMapping()))
	for i, m := range em.GetOutputMapping() {
		if m < 0 || int(m) >= len(sch) {
			return nil, badPlan("emit refers to column %d of a relation of %d columns", m, len(sch))
		}
		exprs[i] = colOf(sch, int(m))
	}
	return projectOf(n, exprs), nil
}

func colOf(sch logical.Schema, i int) *logical.Column {
	return &logical.Column{Index: i, Name: sch[i].Name, Typ: sch[i].Type, Null: sch[i].Nullable}
}

// projectOf projects exprs over n; column references keep their names and qualifiers.
func projectOf(n logical.Node, exprs []logical.Expr) logical.Node {
	sch := n.Schema()
	names := make([]string, len(exprs))
	quals := make([]string, len(exprs))
	for i, e := range exprs {
		names[i] = "?column?"
		if col, ok := e.(*logical.Column); ok {
			names[i], quals[i] = sch[col.Index].Name, sch[col.Index].Qualifier
		}
	}
	return &logical.Project{Input: n, Exprs: exprs, Names: names, Quals: quals}
}

// ---- reads

func (c *substraitBinder) read(rr *pb.ReadRel) (logical.Node, error) {
	var n logical.Node
	var err error
	switch rt := rr.GetReadType().(type) {
	case *pb.ReadRel_NamedTable_:
		n, err = c.namedTable(rr, rt.NamedTable.GetNames())
	case *pb.ReadRel_VirtualTable_:
		n, err = c.virtualTable(rr, rt.VirtualTable)
	case *pb.ReadRel_LocalFiles_, *pb.ReadRel_ExtensionTable_, *pb.ReadRel_IcebergTable_:
		return nil, logical.Errorf(errs.ErrPermissionDenied, "Substrait plans may not read files or extension tables; name tables instead")
	case nil:
		return nil, badPlan("a read relation names no table")
	default:
		return nil, unsupportedPlan("%s reads are not supported", substrait.KindOf(rt))
	}
	if err != nil {
		return nil, err
	}
	// filter and best_effort_filter are over the base schema, before the projection
	for _, f := range []*pb.Expression{rr.GetFilter(), rr.GetBestEffortFilter()} {
		if f == nil {
			continue
		}
		if n, err = c.filterOf(n, f, "read filter"); err != nil {
			return nil, err
		}
	}
	if rr.GetProjection() != nil {
		sch := n.Schema()
		items := rr.GetProjection().GetSelect().GetStructItems()
		exprs := make([]logical.Expr, len(items))
		for i, it := range items {
			if it.GetChild() != nil {
				return nil, unsupportedPlan("projections into nested fields are not supported")
			}
			if it.GetField() < 0 || int(it.GetField()) >= len(sch) {
				return nil, badPlan("the read's projection selects column %d of %d", it.GetField(), len(sch))
			}
			exprs[i] = colOf(sch, int(it.GetField()))
		}
		n = projectOf(n, exprs)
	}
	return n, nil
}

// namedTable resolves names as SQL resolves a table name in FROM.
func (c *substraitBinder) namedTable(rr *pb.ReadRel, names []string) (logical.Node, error) {
	rv := &pg.RangeVar{Location: noLoc}
	switch len(names) {
	case 1:
		rv.Relname = names[0]
	case 2:
		rv.Schemaname, rv.Relname = names[0], names[1]
	case 3:
		rv.Catalogname, rv.Schemaname, rv.Relname = names[0], names[1], names[2]
	default:
		return nil, badPlan("a named table has 1 to 3 names, got %d", len(names))
	}
	if rv.Relname == "" {
		return nil, badPlan("a named table has an empty name")
	}
	n, _, err := c.b.bindTable(rv)
	if err != nil {
		return nil, err
	}
	return n, checkBaseSchema(rr.GetBaseSchema(), n.Schema(), strings.Join(names, "."))
}

// checkBaseSchema compares the columns a plan expects of a table with the table's.
func checkBaseSchema(base *pb.NamedStruct, sch logical.Schema, table string) error {
	got := base.GetNames()
	if len(got) == 0 {
		return nil
	}
	if len(got) != len(sch) {
		return badPlan("the plan reads %d columns of %s, which has %d", len(got), table, len(sch))
	}
	types := base.GetStruct().GetTypes()
	for i, name := range got {
		if !strings.EqualFold(name, sch[i].Name) {
			return badPlan("the plan's column %d of %s is %q, the table's is %q", i+1, table, name, sch[i].Name)
		}
		if i < len(types) {
			t, _, err := substrait.FromType(types[i])
			if err != nil {
				return err
			}
			if t.Kind != sch[i].Type.Kind && !(isUnknown(sch[i].Type) && t.Kind == catalog.TypeText) {
				return badPlan("the plan reads column %q of %s as %s, it is %s", name, table, opTypeName(t), opTypeName(sch[i].Type))
			}
		}
	}
	return nil
}

func (c *substraitBinder) virtualTable(rr *pb.ReadRel, vt *pb.ReadRel_VirtualTable) (logical.Node, error) {
	base := rr.GetBaseSchema()
	names := base.GetNames()
	types := base.GetStruct().GetTypes()
	if len(names) != len(types) {
		return nil, badPlan("a virtual table's schema has %d names for %d types", len(names), len(types))
	}
	width := len(names)
	var rows [][]logical.Expr
	addRow := func(n int, bind func(i int) (logical.Expr, error)) error {
		if n != width {
			return badPlan("a virtual table row has %d values for %d columns", n, width)
		}
		row := make([]logical.Expr, n)
		for i := range row {
			e, err := bind(i)
			if err != nil {
				return err
			}
			row[i] = e
		}
		rows = append(rows, row)
		return nil
	}
	for _, st := range vt.GetValues() { // deprecated literal rows
		fs := st.GetFields()
		if err := addRow(len(fs), func(i int) (logical.Expr, error) { return substrait.FromLiteral(fs[i]) }); err != nil {
			return nil, err
		}
	}
	for _, st := range vt.GetExpressions() {
		fs := st.GetFields()
		if err := addRow(len(fs), func(i int) (logical.Expr, error) { return c.expr(fs[i], nil) }); err != nil {
			return nil, err
		}
	}
	fields := make(logical.Schema, width)
	for col := range fields {
		t, _, err := substrait.FromType(types[col])
		if err != nil {
			return nil, err
		}
		null := false
		for r := range rows {
			v := rows[r][col]
			if !canAssign(v.Type(), t) {
				return nil, badPlan("virtual table column %q is %s, a value is %s", names[col], opTypeName(t), opTypeName(v.Type()))
			}
			if rows[r][col], err = c.b.coerce(v, t); err != nil {
				return nil, err
			}
			null = null || rows[r][col].Nullable()
		}
		fields[col] = logical.Field{Name: names[col], Type: t, Nullable: null}
	}
	return &logical.Values{Fields: fields, Rows: rows}, nil
}

// ---- relations over inputs

func (c *substraitBinder) input(r *pb.Rel, what string) (logical.Node, error) {
	if r == nil {
		return nil, badPlan("%s relation has no input", what)
	}
	return c.rel(r)
}

func (c *substraitBinder) filterOf(n logical.Node, cond *pb.Expression, what string) (logical.Node, error) {
	e, err := c.expr(cond, n.Schema())
	if err != nil {
		return nil, err
	}
	if e, err = c.b.toBool(e, what, noLoc); err != nil {
		return nil, err
	}
	return &logical.Filter{Input: n, Cond: e}, nil
}

func (c *substraitBinder) filter(f *pb.FilterRel) (logical.Node, error) {
	in, err := c.input(f.GetInput(), "a filter")
	if err != nil {
		return nil, err
	}
	if f.GetCondition() == nil {
		return nil, badPlan("a filter relation has no condition")
	}
	return c.filterOf(in, f.GetCondition(), "a filter")
}

func (c *substraitBinder) project(p *pb.ProjectRel) (logical.Node, error) {
	in, err := c.input(p.GetInput(), "a project")
	if err != nil {
		return nil, err
	}
	sch := in.Schema()
	exprs := make([]logical.Expr, 0, len(sch)+len(p.GetExpressions()))
	for i := range sch {
		exprs = append(exprs, colOf(sch, i))
	}
	for _, pe := range p.GetExpressions() {
		e, err := c.expr(pe, sch)
		if err != nil {
			return nil, err
		}
		exprs = append(exprs, c.b.resolveUnknown(e))
	}
	return projectOf(in, exprs), nil
}

func (c *substraitBinder) fetch(f *pb.FetchRel) (logical.Node, error) {
	in, err := c.input(f.GetInput(), "a fetch")
	if err != nil {
		return nil, err
	}
	lim := &logical.Limit{Input: in}
	switch m := f.GetCountMode().(type) {
	case *pb.FetchRel_Count:
		switch {
		case m.Count == -1: // ALL
		case m.Count < 0:
			return nil, badPlan("fetch count %d is negative", m.Count)
		default:
			lim.Count = &logical.Literal{Typ: catalog.Int64, Value: m.Count}
		}
	case *pb.FetchRel_CountExpr:
		if lim.Count, err = c.limitExpr(m.CountExpr, "LIMIT"); err != nil {
			return nil, err
		}
	}
	switch m := f.GetOffsetMode().(type) {
	case *pb.FetchRel_Offset:
		if m.Offset < 0 {
			return nil, badPlan("fetch offset %d is negative", m.Offset)
		}
		if m.Offset > 0 {
			lim.Offset = &logical.Literal{Typ: catalog.Int64, Value: m.Offset}
		}
	case *pb.FetchRel_OffsetExpr:
		if lim.Offset, err = c.limitExpr(m.OffsetExpr, "OFFSET"); err != nil {
			return nil, err
		}
	}
	if lim.Count == nil && lim.Offset == nil {
		return in, nil
	}
	return lim, nil
}

// limitExpr binds a fetch count or offset expression as LIMIT/OFFSET are bound.
func (c *substraitBinder) limitExpr(pe *pb.Expression, what string) (logical.Expr, error) {
	e, err := c.expr(pe, nil)
	if err != nil {
		return nil, err
	}
	if !logical.IsConstant(e) {
		return nil, unsupportedPlan("%s must be a constant", what)
	}
	t := e.Type()
	if !isInt(t) && !canImplicit(t, catalog.Int64) {
		return nil, badPlan("argument of %s must be type bigint, not type %s", what, opTypeName(t))
	}
	out, err := c.b.coerce(e, catalog.Int64)
	if err != nil {
		return nil, err
	}
	if l, ok := out.(*logical.Literal); ok {
		if l.Value == nil {
			return nil, nil // NULL: ALL / no offset
		}
		if v, ok := l.Value.(int64); ok && v < 0 {
			return nil, badPlan("%s must not be negative", what)
		}
	}
	return out, nil
}

func (c *substraitBinder) sort(s *pb.SortRel) (logical.Node, error) {
	in, err := c.input(s.GetInput(), "a sort")
	if err != nil {
		return nil, err
	}
	keys, err := c.sortKeys(s.GetSorts(), in.Schema())
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return in, nil
	}
	return &logical.Sort{Input: in, Keys: keys}, nil
}

// sortKeys binds sort fields over an input of schema sch.
func (c *substraitBinder) sortKeys(sorts []*pb.SortField, sch logical.Schema) ([]logical.SortKey, error) {
	keys := make([]logical.SortKey, 0, len(sorts))
	for _, sf := range sorts {
		e, err := c.expr(sf.GetExpr(), sch)
		if err != nil {
			return nil, err
		}
		k := logical.SortKey{Expr: c.b.resolveUnknown(e)}
		switch sf.GetDirection() {
		case pb.SortField_SORT_DIRECTION_ASC_NULLS_LAST, pb.SortField_SORT_DIRECTION_UNSPECIFIED:
		case pb.SortField_SORT_DIRECTION_ASC_NULLS_FIRST:
			k.NullsFirst = true
		case pb.SortField_SORT_DIRECTION_DESC_NULLS_FIRST:
			k.Desc, k.NullsFirst = true, true
		case pb.SortField_SORT_DIRECTION_DESC_NULLS_LAST:
			k.Desc = true
		default:
			return nil, unsupportedPlan("sort direction %s is not supported", sf.GetDirection())
		}
		if _, ok := sf.GetSortKind().(*pb.SortField_ComparisonFunctionReference); ok {
			return nil, unsupportedPlan("sorts by comparison function are not supported")
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func (c *substraitBinder) aggregate(a *pb.AggregateRel) (logical.Node, error) {
	in, err := c.input(a.GetInput(), "an aggregate")
	if err != nil {
		return nil, err
	}
	sch := in.Schema()
	bindAll := func(es []*pb.Expression) ([]logical.Expr, error) {
		out := make([]logical.Expr, len(es))
		for i, pe := range es {
			e, err := c.expr(pe, sch)
			if err != nil {
				return nil, err
			}
			out[i] = c.b.resolveUnknown(e)
		}
		return out, nil
	}
	// Groups are the distinct grouping expressions (the plan's list, or the union of the
	// groupings' own in order of appearance); each grouping is a set of indexes into them.
	var groups []logical.Expr
	var sets [][]int
	if len(a.GetGroupingExpressions()) > 0 {
		if groups, err = bindAll(a.GetGroupingExpressions()); err != nil {
			return nil, err
		}
		for _, g := range a.GetGroupings() {
			set := make([]int, 0, len(g.GetExpressionReferences()))
			for _, r := range g.GetExpressionReferences() {
				if int(r) >= len(groups) {
					return nil, badPlan("a grouping refers to grouping expression %d of %d", r, len(groups))
				}
				set = append(set, int(r))
			}
			sets = append(sets, set)
		}
	} else {
		keys := map[string]int{}
		for _, g := range a.GetGroupings() {
			es, err := bindAll(g.GetGroupingExpressions())
			if err != nil {
				return nil, err
			}
			set := make([]int, 0, len(es))
			for _, e := range es {
				i, ok := keys[e.String()]
				if !ok {
					i = len(groups)
					keys[e.String()] = i
					groups = append(groups, e)
				}
				set = append(set, i)
			}
			sets = append(sets, set)
		}
	}
	if len(sets) == 1 {
		// one grouping: group by its expressions, in its order
		one := make([]logical.Expr, len(sets[0]))
		for i, g := range sets[0] {
			one[i] = groups[g]
		}
		groups, sets = one, nil
	} else if len(sets) == 0 && len(groups) > 0 {
		return nil, badPlan("an aggregate has grouping expressions but no grouping")
	}
	if len(groups) == 0 && len(a.GetMeasures()) == 0 {
		return nil, badPlan("an aggregate has neither groupings nor measures")
	}
	agg := &logical.Aggregate{Input: in, Groups: groups}
	for _, g := range groups {
		name := "?column?"
		if col, ok := g.(*logical.Column); ok {
			name = col.Name
		}
		agg.Names = append(agg.Names, name)
	}
	for _, m := range a.GetMeasures() {
		ac, err := c.measure(m, sch)
		if err != nil {
			return nil, err
		}
		agg.Aggs = append(agg.Aggs, ac)
		agg.Names = append(agg.Names, ac.Fn)
	}
	if len(sets) > 1 {
		agg.GroupingSets = sets
		agg.Names = append(agg.Names, "grouping_id")
	}
	return agg, nil
}

// substraitAggs maps standard aggregate function names to Tern's.
var substraitAggs = map[string]string{"count": proto.AggCount, "sum": proto.AggSum, "avg": proto.AggAvg,
	"min": proto.AggMin, "max": proto.AggMax, "bool_and": proto.AggBoolAnd, "bool_or": proto.AggBoolOr, "string_agg": proto.AggStringAgg}

func (c *substraitBinder) measure(m *pb.AggregateRel_Measure, sch logical.Schema) (*logical.AggCall, error) {
	af := m.GetMeasure()
	if af == nil {
		return nil, badPlan("an aggregate measure has no function")
	}
	f, err := c.function(af.GetFunctionReference())
	if err != nil {
		return nil, err
	}
	var fn string
	var ok bool
	if f.URN == proto.URNTern {
		fn, ok = aggFuncOf(f.Name)
	} else if standardURN(f.URN) {
		fn, ok = substraitAggs[f.Name]
	}
	if !ok {
		return nil, unsupportedPlan("aggregate function %s of %s is not supported", f.Name, f.URN)
	}
	switch af.GetPhase() {
	case pb.AggregationPhase_AGGREGATION_PHASE_UNSPECIFIED, pb.AggregationPhase_AGGREGATION_PHASE_INITIAL_TO_RESULT:
	default:
		return nil, unsupportedPlan("aggregate phase %s is not supported", af.GetPhase())
	}
	args, err := c.args(af.GetArguments(), sch, f.Name)
	if err != nil {
		return nil, err
	}
	out := &logical.AggCall{Fn: fn, Distinct: af.GetInvocation() == pb.AggregateFunction_AGGREGATION_INVOCATION_DISTINCT}
	if len(args) == 0 && fn == proto.AggCount {
		out.Typ = catalog.Int64
	} else {
		arg, extra, t, err := c.b.aggArgs(fn, args, noLoc)
		if err != nil {
			return nil, err
		}
		out.Arg, out.Extra, out.Typ = arg, extra, t
	}
	if len(af.GetSorts()) > 0 { // the aggregate's own ORDER BY
		if out.Order, err = c.sortKeys(af.GetSorts(), sch); err != nil {
			return nil, err
		}
	}
	for _, a := range append([]logical.Expr{out.Arg}, out.Extra...) {
		if a != nil && containsAgg(a) {
			return nil, badPlan("aggregate function calls cannot be nested")
		}
	}
	if m.GetFilter() != nil {
		fe, err := c.expr(m.GetFilter(), sch)
		if err != nil {
			return nil, err
		}
		if out.Filter, err = c.b.toBool(fe, "FILTER", noLoc); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// window binds a ConsistentPartitionWindowRel: the input's columns, then one per function.
func (c *substraitBinder) window(w *pb.ConsistentPartitionWindowRel) (logical.Node, error) {
	if w.GetAdvancedExtension().GetEnhancement() != nil {
		// e.g. Tern's own planpb.WindowFrames (GROUPS, EXCLUDE, interval offsets): not admitted
		// from clients, and never silently ignored
		return nil, unsupportedPlan("window relation enhancements (advanced extensions) are not supported")
	}
	in, err := c.input(w.GetInput(), "a window")
	if err != nil {
		return nil, err
	}
	sch := in.Schema()
	out := &logical.Window{Input: in}
	for _, pe := range w.GetPartitionExpressions() {
		e, err := c.expr(pe, sch)
		if err != nil {
			return nil, err
		}
		out.Partition = append(out.Partition, c.b.resolveUnknown(e))
	}
	if out.Order, err = c.sortKeys(w.GetSorts(), sch); err != nil {
		return nil, err
	}
	if len(w.GetWindowFunctions()) == 0 {
		return nil, badPlan("a window relation has no function")
	}
	for _, wf := range w.GetWindowFunctions() {
		f, err := c.function(wf.GetFunctionReference())
		if err != nil {
			return nil, err
		}
		name := f.Name
		switch {
		case f.URN == proto.URNTern:
		case standardURN(f.URN):
			if agg, ok := substraitAggs[name]; ok {
				name = agg
			}
		default:
			return nil, unsupportedPlan("window function %s of %q is not supported", f.Name, f.URN)
		}
		if wf.GetInvocation() == pb.AggregateFunction_AGGREGATION_INVOCATION_DISTINCT {
			return nil, unsupportedPlan("DISTINCT window functions are not supported")
		}
		switch wf.GetPhase() {
		case pb.AggregationPhase_AGGREGATION_PHASE_UNSPECIFIED, pb.AggregationPhase_AGGREGATION_PHASE_INITIAL_TO_RESULT:
		default:
			return nil, unsupportedPlan("window function phase %s is not supported", wf.GetPhase())
		}
		frame, err := windowFrame(wf, len(out.Order) > 0)
		if err != nil {
			return nil, err
		}
		args, err := c.args(wf.GetArguments(), sch, f.Name)
		if err != nil {
			return nil, err
		}
		fn, err := c.b.windowFunc(name, args, name == proto.AggCount && len(args) == 0, frame, noLoc)
		if err != nil {
			return nil, err
		}
		out.Funcs = append(out.Funcs, fn)
		out.Names = append(out.Names, fn.Fn)
	}
	return out, nil
}

// windowFrame reads a window function's frame; without bounds it is PostgreSQL's default.
func windowFrame(wf *pb.ConsistentPartitionWindowRel_WindowRelFunction, ordered bool) (logical.Frame, error) {
	f := logical.Frame{Rows: wf.GetBoundsType() == pb.Expression_WindowFunction_BOUNDS_TYPE_ROWS,
		Start: logical.Bound{Kind: logical.UnboundedPreceding}, End: logical.Bound{Kind: logical.CurrentRow}}
	if !ordered {
		f.End.Kind = logical.UnboundedFollowing
	}
	read := func(b *pb.Expression_WindowFunction_Bound, into *logical.Bound, start bool) error {
		switch k := b.GetKind().(type) {
		case nil:
		case *pb.Expression_WindowFunction_Bound_CurrentRow_:
			*into = logical.Bound{Kind: logical.CurrentRow}
		case *pb.Expression_WindowFunction_Bound_Unbounded_:
			*into = logical.Bound{Kind: logical.UnboundedFollowing}
			if start {
				into.Kind = logical.UnboundedPreceding
			}
		case *pb.Expression_WindowFunction_Bound_Preceding_:
			*into = logical.Bound{Kind: logical.Preceding, Offset: k.Preceding.GetOffset()}
		case *pb.Expression_WindowFunction_Bound_Following_:
			*into = logical.Bound{Kind: logical.Following, Offset: k.Following.GetOffset()}
		}
		if into.Offset < 0 {
			return badPlan("window frame offsets must not be negative")
		}
		return nil
	}
	if err := read(wf.GetLowerBound(), &f.Start, true); err != nil {
		return f, err
	}
	if err := read(wf.GetUpperBound(), &f.End, false); err != nil {
		return f, err
	}
	if !f.Rows && !ordered && (f.Start.Kind == logical.Preceding || f.Start.Kind == logical.Following ||
		f.End.Kind == logical.Preceding || f.End.Kind == logical.Following) {
		return f, badPlan("RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column")
	}
	return f, nil
}

// joinKey is one equality of a hash or merge join: left column = right column.
type joinKey struct {
	left, right *pb.Expression_FieldReference
	notDistinct bool
}

func joinKeys(keys []*pb.ComparisonJoinKey, lk, rk []*pb.Expression_FieldReference) []joinKey {
	var out []joinKey
	if len(keys) > 0 {
		for _, k := range keys {
			nd := k.GetComparison().GetSimple() == pb.ComparisonJoinKey_SIMPLE_COMPARISON_TYPE_IS_NOT_DISTINCT_FROM
			out = append(out, joinKey{left: k.GetLeft(), right: k.GetRight(), notDistinct: nd})
		}
		return out
	}
	for i := range lk {
		var r *pb.Expression_FieldReference
		if i < len(rk) {
			r = rk[i]
		}
		out = append(out, joinKey{left: lk[i], right: r})
	}
	if len(rk) > len(lk) {
		out = append(out, joinKey{right: rk[len(lk)]}) // refused below: unpaired key
	}
	return out
}

// joinTypes maps the join type enums' names (the same in every join relation) to logical
// join types; swap: the inputs trade places (RIGHT SEMI/ANTI/MARK, which output one side, are
// LEFT ones the other way).
var joinTypes = map[string]struct {
	t    logical.JoinType
	swap bool
}{
	"JOIN_TYPE_INNER": {logical.JoinInner, false}, "JOIN_TYPE_OUTER": {logical.JoinFull, false},
	"JOIN_TYPE_LEFT": {logical.JoinLeft, false}, "JOIN_TYPE_RIGHT": {logical.JoinRight, false},
	"JOIN_TYPE_LEFT_SEMI": {logical.JoinSemi, false}, "JOIN_TYPE_LEFT_ANTI": {logical.JoinAnti, false},
	"JOIN_TYPE_RIGHT_SEMI": {logical.JoinSemi, true}, "JOIN_TYPE_RIGHT_ANTI": {logical.JoinAnti, true},
	// the joins decorrelated subqueries become (the producer's plans of them round-trip)
	"JOIN_TYPE_LEFT_SINGLE": {logical.JoinSingle, false}, "JOIN_TYPE_LEFT_MARK": {logical.JoinMark, false},
	"JOIN_TYPE_RIGHT_MARK": {logical.JoinMark, true},
}

// join binds any join relation: cond over left ++ right, or key equalities plus residual
// (hash and merge joins), and post, a filter over the join's output (JoinRel).
func (c *substraitBinder) join(lr, rr *pb.Rel, typ string, cond *pb.Expression, keys []joinKey, residual, post *pb.Expression) (logical.Node, error) {
	jt, ok := joinTypes[typ]
	if !ok {
		return nil, unsupportedPlan("join type %s is not supported", typ)
	}
	left, err := c.input(lr, "a join's left")
	if err != nil {
		return nil, err
	}
	right, err := c.input(rr, "a join's right")
	if err != nil {
		return nil, err
	}
	ls, rs := left.Schema(), right.Schema()
	both := append(append(logical.Schema{}, ls...), rs...)
	var conjuncts []logical.Expr
	for _, k := range keys {
		l, err := c.fieldRef(k.left, ls)
		if err != nil {
			return nil, err
		}
		r, err := c.fieldRef(k.right, rs)
		if err != nil {
			return nil, err
		}
		eq, err := c.b.binary("=", l, logical.ShiftColumns(r, len(ls)), noLoc)
		if err != nil {
			return nil, err
		}
		if k.notDistinct {
			eq = &logical.Call{Fn: proto.FnNotDistinct, Args: eq.(*logical.Call).Args, Typ: catalog.Bool}
		}
		conjuncts = append(conjuncts, eq)
	}
	for _, pe := range []*pb.Expression{cond, residual} {
		if pe == nil {
			continue
		}
		e, err := c.expr(pe, both)
		if err != nil {
			return nil, err
		}
		if e, err = c.b.toBool(e, "JOIN", noLoc); err != nil {
			return nil, err
		}
		conjuncts = append(conjuncts, e)
	}
	on := logical.And(conjuncts...)
	if jt.swap {
		// RIGHT SEMI/ANTI: the right input's rows, so it becomes the left one
		m := map[int]int{}
		for i := range ls {
			m[i] = len(rs) + i
		}
		for i := range rs {
			m[len(ls)+i] = i
		}
		if on != nil {
			on = logical.RemapColumns(on, m)
		}
		left, right = right, left
	}
	if on == nil && jt.t != logical.JoinInner {
		on = &logical.Literal{Typ: catalog.Bool, Value: true}
	}
	var n logical.Node = &logical.Join{Left: left, Right: right, Type: jt.t, Cond: on}
	if post != nil {
		return c.filterOf(n, post, "a post-join filter")
	}
	return n, nil
}

// setOps maps Substrait set operations to SQL's (applied left to right over the inputs).
var setOps = map[pb.SetRel_SetOp]struct {
	op  logical.SetOpKind
	all bool
}{
	pb.SetRel_SET_OP_UNION_ALL: {logical.SetUnion, true}, pb.SetRel_SET_OP_UNION_DISTINCT: {logical.SetUnion, false},
	pb.SetRel_SET_OP_INTERSECTION_MULTISET_ALL: {logical.SetIntersect, true},
	pb.SetRel_SET_OP_INTERSECTION_MULTISET:     {logical.SetIntersect, false},
	pb.SetRel_SET_OP_MINUS_PRIMARY_ALL:         {logical.SetExcept, true},
	pb.SetRel_SET_OP_MINUS_PRIMARY:             {logical.SetExcept, false},
}

func (c *substraitBinder) set(s *pb.SetRel) (logical.Node, error) {
	op, ok := setOps[s.GetOp()]
	if s.GetOp() == pb.SetRel_SET_OP_INTERSECTION_PRIMARY && len(s.GetInputs()) == 2 {
		op, ok = setOps[pb.SetRel_SET_OP_INTERSECTION_MULTISET], true // the same for two inputs
	}
	if !ok {
		return nil, unsupportedPlan("set operation %s is not supported", s.GetOp())
	}
	if len(s.GetInputs()) < 2 {
		return nil, badPlan("a set operation needs two inputs or more, got %d", len(s.GetInputs()))
	}
	inputs := make([]logical.Node, len(s.GetInputs()))
	for i, r := range s.GetInputs() {
		n, err := c.input(r, "a set operation's")
		if err != nil {
			return nil, err
		}
		inputs[i] = n
	}
	first := inputs[0].Schema()
	types := make([]catalog.Type, len(first))
	for i, f := range first {
		types[i] = f.Type
	}
	for _, in := range inputs[1:] {
		sch := in.Schema()
		if len(sch) != len(first) {
			return nil, badPlan("set operation inputs have %d and %d columns", len(first), len(sch))
		}
		for i := range types {
			t, ok := commonType(types[i], sch[i].Type)
			if !ok {
				return nil, badPlan("set operation column %d types %s and %s cannot be matched", i+1, opTypeName(types[i]), opTypeName(sch[i].Type))
			}
			types[i] = t
		}
	}
	for i := range types {
		if isUnknown(types[i]) {
			types[i] = catalog.Text
		}
	}
	names := make([]string, len(first))
	for i, f := range first {
		names[i] = f.Name
	}
	var out logical.Node
	for _, in := range inputs {
		in, err := c.b.castColumns(in, types)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = in
			continue
		}
		out = &logical.SetOp{Left: out, Right: in, Op: op.op, All: op.all, Names: names}
	}
	return out, nil
}
