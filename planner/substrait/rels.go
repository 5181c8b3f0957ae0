package substrait

import (
	"fmt"

	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/functions"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/planner/physical"
	"github.com/tern-db/tern/proto/errs"
)

func (p *producer) rel(n physical.Node) (*pb.Rel, error) {
	switch x := n.(type) {
	case *physical.Scan:
		return p.scan(x.Logical)
	case *physical.Values:
		return p.values(x.Logical)
	case *physical.Filter:
		in, err := p.rel(x.Input)
		if err != nil {
			return nil, err
		}
		c, err := p.expr(x.Cond)
		if err != nil {
			return nil, err
		}
		return &pb.Rel{RelType: &pb.Rel_Filter{Filter: &pb.FilterRel{Input: in, Condition: c}}}, nil
	case *physical.Project:
		in, err := p.rel(x.Input)
		if err != nil {
			return nil, err
		}
		return p.project(in, len(x.Input.Schema()), x.Exprs)
	case *physical.HashJoin:
		return p.hashJoin(x)
	case *physical.NestedLoopJoin:
		return p.loopJoin(x)
	case *physical.SetOp:
		return p.setOp(x)
	case *physical.Window:
		return p.window(x)
	case *physical.ProjectSet:
		return p.projectSet(x)
	case *physical.RecursiveUnion:
		return p.recursiveUnion(x) // recursive.go
	case *physical.WorkTableScan:
		return p.workTableScan(x)
	case *physical.HashAggregate:
		return p.aggregate(x)
	case *physical.Sort:
		in, err := p.rel(x.Input)
		if err != nil {
			return nil, err
		}
		return p.sort(in, x.Keys)
	case *physical.TopN:
		// a SortRel directly under a FetchRel: the executor runs it as a top-N (proto/doc.go)
		in, err := p.rel(x.Input)
		if err != nil {
			return nil, err
		}
		sr, err := p.sort(in, x.Keys)
		if err != nil {
			return nil, err
		}
		return p.fetch(sr, x.Offset, x.Count)
	case *physical.Limit:
		in, err := p.rel(x.Input)
		if err != nil {
			return nil, err
		}
		return p.fetch(in, x.Offset, x.Count)
	case *physical.ExchangeSink:
		return p.exchangeSink(x)
	case *physical.RemoteSource:
		return p.remoteSource(x)
	}
	return nil, fmt.Errorf("physical node %s not supported by the producer", n.Describe())
}

func (p *producer) sort(in *pb.Rel, keys []logical.SortKey) (*pb.Rel, error) {
	sr := &pb.SortRel{Input: in}
	for _, k := range keys {
		sf, err := p.sortField(k)
		if err != nil {
			return nil, err
		}
		sr.Sorts = append(sr.Sorts, sf)
	}
	return &pb.Rel{RelType: &pb.Rel_Sort{Sort: sr}}, nil
}

func (p *producer) fetch(in *pb.Rel, offset, count logical.Expr) (*pb.Rel, error) {
	off, err := constInt(offset, 0)
	if err != nil {
		return nil, err
	}
	cnt, err := constInt(count, -1)
	if err != nil {
		return nil, err
	}
	return &pb.Rel{RelType: &pb.Rel_Fetch{Fetch: &pb.FetchRel{Input: in,
		OffsetMode: &pb.FetchRel_Offset{Offset: off}, CountMode: &pb.FetchRel_Count{Count: cnt}}}}, nil
}

func constInt(e logical.Expr, def int64) (int64, error) {
	if e == nil {
		return def, nil
	}
	l, ok := e.(*logical.Literal)
	if !ok {
		return 0, fmt.Errorf("LIMIT/OFFSET is not a constant: %s", e)
	}
	if l.Value == nil {
		return def, nil
	}
	v, ok := l.Value.(int64)
	if !ok {
		return 0, fmt.Errorf("LIMIT/OFFSET is not an integer: %s", e)
	}
	return v, nil
}

// project emits a ProjectRel computing exprs over in (width columns). Plain column
// references are emitted straight from the input through RelCommon.Emit.
func (p *producer) project(in *pb.Rel, width int, exprs []logical.Expr) (*pb.Rel, error) {
	pr := &pb.ProjectRel{Input: in}
	var mapping []int32
	for _, e := range exprs {
		if c, ok := e.(*logical.Column); ok {
			mapping = append(mapping, int32(c.Index))
			continue
		}
		pe, err := p.expr(e)
		if err != nil {
			return nil, err
		}
		mapping = append(mapping, int32(width+len(pr.Expressions)))
		pr.Expressions = append(pr.Expressions, pe)
	}
	pr.Common = &pb.RelCommon{EmitKind: &pb.RelCommon_Emit_{Emit: &pb.RelCommon_Emit{OutputMapping: mapping}}}
	return &pb.Rel{RelType: &pb.Rel_Project{Project: pr}}, nil
}

func (p *producer) values(x *logical.Values) (*pb.Rel, error) {
	base, err := namedStruct(x.Fields)
	if err != nil {
		return nil, err
	}
	vt := &pb.ReadRel_VirtualTable{}
	for _, r := range x.Rows {
		st := &pb.Expression_Nested_Struct{}
		for _, e := range r {
			pe, err := p.expr(e)
			if err != nil {
				return nil, err
			}
			st.Fields = append(st.Fields, pe)
		}
		vt.Expressions = append(vt.Expressions, st)
	}
	return &pb.Rel{RelType: &pb.Rel_Read{Read: &pb.ReadRel{BaseSchema: base, ReadType: &pb.ReadRel_VirtualTable_{VirtualTable: vt}}}}, nil
}

var hashJoinTypes = map[logical.JoinType]pb.HashJoinRel_JoinType{
	logical.JoinInner: pb.HashJoinRel_JOIN_TYPE_INNER, logical.JoinLeft: pb.HashJoinRel_JOIN_TYPE_LEFT,
	logical.JoinRight: pb.HashJoinRel_JOIN_TYPE_RIGHT, logical.JoinFull: pb.HashJoinRel_JOIN_TYPE_OUTER,
	logical.JoinSemi: pb.HashJoinRel_JOIN_TYPE_LEFT_SEMI, logical.JoinAnti: pb.HashJoinRel_JOIN_TYPE_LEFT_ANTI,
	logical.JoinSingle: pb.HashJoinRel_JOIN_TYPE_LEFT_SINGLE, logical.JoinMark: pb.HashJoinRel_JOIN_TYPE_LEFT_MARK,
}

var loopJoinTypes = map[logical.JoinType]pb.JoinRel_JoinType{
	logical.JoinInner: pb.JoinRel_JOIN_TYPE_INNER, logical.JoinLeft: pb.JoinRel_JOIN_TYPE_LEFT,
	logical.JoinRight: pb.JoinRel_JOIN_TYPE_RIGHT, logical.JoinFull: pb.JoinRel_JOIN_TYPE_OUTER,
	logical.JoinSemi: pb.JoinRel_JOIN_TYPE_LEFT_SEMI, logical.JoinAnti: pb.JoinRel_JOIN_TYPE_LEFT_ANTI,
	logical.JoinSingle: pb.JoinRel_JOIN_TYPE_LEFT_SINGLE, logical.JoinMark: pb.JoinRel_JOIN_TYPE_LEFT_MARK,
}

func (p *producer) loopJoin(x *physical.NestedLoopJoin) (*pb.Rel, error) {
	left, err := p.rel(x.Left)
	if err != nil {
		return nil, err
	}
	right, err := p.rel(x.Right)
	if err != nil {
		return nil, err
	}
	cond := x.Cond
	if cond == nil {
		cond = &logical.Literal{Typ: catalog.Bool, Value: true}
	}
	ce, err := p.expr(cond)
	if err != nil {
		return nil, err
	}
	return &pb.Rel{RelType: &pb.Rel_Join{Join: &pb.JoinRel{Left: left, Right: right, Expression: ce, Type: loopJoinTypes[x.Type]}}}, nil
}

func (p *producer) hashJoin(x *physical.HashJoin) (*pb.Rel, error) {
	if x.Build != physical.BuildRight {
		return nil, fmt.Errorf("hash join building its left input")
	}
	nl, nr := len(x.Left.Schema()), len(x.Right.Schema())
	lkeys := append([]logical.Expr(nil), x.LeftKeys...)
	rkeys := append([]logical.Expr(nil), x.RightKeys...)
	left, err := p.rel(x.Left)
	if err != nil {
		return nil, err
	}
	right, err := p.rel(x.Right)
	if err != nil {
		return nil, err
	}
	// key expressions that are not plain columns are computed by a projection below the join
	keyCols := func(in *pb.Rel, width int, keys []logical.Expr) (*pb.Rel, []int, int, error) {
		var extra []logical.Expr
		idx := make([]int, len(keys))
		for i, k := range keys {
			if c, ok := k.(*logical.Column); ok {
				idx[i] = c.Index
				continue
			}
			idx[i] = width + len(extra)
			extra = append(extra, k)
		}
		if len(extra) == 0 {
			return in, idx, 0, nil
		}
		all := make([]logical.Expr, 0, width+len(extra))
		for i := 0; i < width; i++ {
			all = append(all, &logical.Column{Index: i})
		}
		all = append(all, extra...)
		out, err := p.project(in, width, all)
		return out, idx, len(extra), err
	}
	// key pairs of different decimal types are compared as one common decimal type
	for i := range lkeys {
		lt, rt := lkeys[i].Type(), rkeys[i].Type()
		if lt.Kind == catalog.TypeNumeric && rt.Kind == catalog.TypeNumeric && !logical.TypesEqual(lt, rt) {
			s := max(lt.Scale, rt.Scale)
			p := min(38, max(lt.Precision-lt.Scale, rt.Precision-rt.Scale)+s)
			ct := catalog.Numeric(p, s)
			if !logical.TypesEqual(lt, ct) {
				lkeys[i] = &logical.Cast{Input: lkeys[i], To: ct}
			}
			if !logical.TypesEqual(rt, ct) {
				rkeys[i] = &logical.Cast{Input: rkeys[i], To: ct}
			}
		}
	}
	left, li, lextra, err := keyCols(left, nl, lkeys)
	if err != nil {
		return nil, err
	}
	right, ri, rextra, err := keyCols(right, nr, rkeys)
	if err != nil {
		return nil, err
	}
	hj := &pb.HashJoinRel{Left: left, Right: right, Type: hashJoinTypes[x.Type], BuildInput: pb.HashJoinRel_BUILD_INPUT_RIGHT}
	for i := range li {
		cmp := pb.ComparisonJoinKey_SIMPLE_COMPARISON_TYPE_EQ
		if x.NullEqual != nil && x.NullEqual[i] {
			cmp = pb.ComparisonJoinKey_SIMPLE_COMPARISON_TYPE_IS_NOT_DISTINCT_FROM
		}
		hj.Keys = append(hj.Keys, &pb.ComparisonJoinKey{Left: fieldRef(li[i]), Right: fieldRef(ri[i]),
			Comparison: &pb.ComparisonJoinKey_ComparisonType{InnerType: &pb.ComparisonJoinKey_ComparisonType_Simple{
				Simple: cmp}}})
		hj.LeftKeys = append(hj.LeftKeys, fieldRef(li[i]))
		hj.RightKeys = append(hj.RightKeys, fieldRef(ri[i]))
	}
	// post-join filter over the join's natural output (left incl. extras, then right)
	remap := map[int]int{}
	for i := 0; i < nl; i++ {
		remap[i] = i
	}
	for i := 0; i < nr; i++ {
		remap[nl+i] = nl + lextra + i
	}
	if x.Residual != nil {
		f, err := p.expr(logical.RemapColumns(x.Residual, remap))
		if err != nil {
			return nil, err
		}
		hj.PostJoinFilter = f
	}
	rel := &pb.Rel{RelType: &pb.Rel_HashJoin{HashJoin: hj}}
	if lextra == 0 && rextra == 0 {
		return rel, nil
	}
	// drop the computed key columns again
	switch x.Type {
	case logical.JoinSemi, logical.JoinAnti:
		outs := make([]logical.Expr, 0, nl)
		for i := 0; i < nl; i++ {
			outs = append(outs, &logical.Column{Index: i})
		}
		return p.project(rel, nl+lextra, outs)
	case logical.JoinMark:
		outs := make([]logical.Expr, 0, nl+1)
		for i := 0; i < nl; i++ {
			outs = append(outs, &logical.Column{Index: i})
		}
		outs = append(outs, &logical.Column{Index: nl + lextra})
		return p.project(rel, nl+lextra+1, outs)
	}
	outs := make([]logical.Expr, 0, nl+nr)
	for i := 0; i < nl+nr; i++ {
		outs = append(outs, &logical.Column{Index: remap[i]})
	}
	return p.project(rel, nl+lextra+nr+rextra, outs)
}

func (p *producer) aggregate(x *physical.HashAggregate) (*pb.Rel, error) {
	in, err := p.rel(x.Input)
	if err != nil {
		return nil, err
	}
	width := len(x.Input.Schema())
	// bring group keys and aggregate arguments to plain columns
	var pre []logical.Expr
	plain := true
	for _, g := range x.Groups {
		if _, ok := g.(*logical.Column); !ok {
			plain = false
		}
	}
	for _, a := range x.Aggs {
		if a.Arg != nil {
			if _, ok := a.Arg.(*logical.Column); !ok {
				plain = false
			}
		}
	}
	groups := x.Groups
	args := make([]logical.Expr, len(x.Aggs))
	filters := make([]logical.Expr, len(x.Aggs))
	for i, a := range x.Aggs {
		if !a.WithinGroup { // an ordered-set aggregate's values travel as its sorts
			args[i] = a.Arg
		}
		filters[i] = a.Filter
		if a.Filter != nil {
			if _, ok := a.Filter.(*logical.Column); !ok {
				plain = false
			}
		}
	}
	if !plain {
		for i := 0; i < width; i++ {
			pre = append(pre, &logical.Column{Index: i})
		}
		// Every group key, argument and filter becomes a plain column: computed ones are
		// appended to the projection below the aggregate.
		asColumns := func(es []logical.Expr) {
			for i, e := range es {
				if e == nil {
					continue
				}
				if _, ok := e.(*logical.Column); ok {
					continue
				}
				es[i] = &logical.Column{Index: len(pre), Typ: e.Type(), Null: e.Nullable()}
				pre = append(pre, e)
			}
		}
		groups = append([]logical.Expr(nil), x.Groups...)
		asColumns(groups)
		asColumns(args)
		asColumns(filters)
		if in, err = p.project(in, width, pre); err != nil {
			return nil, err
		}
	}
	ar := &pb.AggregateRel{Input: in}
	gexprs := make([]*pb.Expression, len(groups))
	for i, ge := range groups {
		e, err := p.expr(ge)
		if err != nil {
			return nil, err
		}
		gexprs[i] = e
	}
	ar.GroupingExpressions = gexprs
	switch {
	case len(x.GroupingSets) > 1:
		for _, set := range x.GroupingSets {
			g := &pb.AggregateRel_Grouping{}
			for _, i := range set {
				g.ExpressionReferences = append(g.ExpressionReferences, uint32(i))
				g.GroupingExpressions = append(g.GroupingExpressions, gexprs[i])
			}
			ar.Groupings = append(ar.Groupings, g)
		}
	case len(groups) > 0:
		g := &pb.AggregateRel_Grouping{}
		for i, e := range gexprs {
			g.ExpressionReferences = append(g.ExpressionReferences, uint32(i))
			g.GroupingExpressions = append(g.GroupingExpressions, e)
		}
		ar.Groupings = []*pb.AggregateRel_Grouping{g}
	}
	for i, a := range x.Aggs {
		out, err := Type(a.Typ, a.Nullable())
		if err != nil {
			return nil, err
		}
		af := &pb.AggregateFunction{OutputType: out, Phase: pb.AggregationPhase_AGGREGATION_PHASE_INITIAL_TO_RESULT,
			Invocation: pb.AggregateFunction_AGGREGATION_INVOCATION_ALL}
		if a.Distinct {
			af.Invocation = pb.AggregateFunction_AGGREGATION_INVOCATION_DISTINCT
		}
		var argTypes []catalog.Type
		var sigs []string
		if a.WithinGroup {
			// ordered-set aggregate: the direct arguments; the ordered values are the sorts
			for _, xa := range a.Extra {
				argTypes, sigs = append(argTypes, xa.Type()), append(sigs, sigName(xa.Type()))
				xe, err := p.expr(xa)
				if err != nil {
					return nil, err
				}
				af.Arguments = append(af.Arguments, &pb.FunctionArgument{ArgType: &pb.FunctionArgument_Value{Value: xe}})
			}
		} else if args[i] != nil {
			argTypes, sigs = []catalog.Type{args[i].Type()}, []string{sigName(args[i].Type())}
			ae, err := p.expr(args[i])
			if err != nil {
				return nil, err
			}
			af.Arguments = []*pb.FunctionArgument{{ArgType: &pb.FunctionArgument_Value{Value: ae}}}
			for _, xa := range a.Extra {
				xe, err := p.expr(xa)
				if err != nil {
					return nil, err
				}
				af.Arguments = append(af.Arguments, &pb.FunctionArgument{ArgType: &pb.FunctionArgument_Value{Value: xe}})
			}
		}
		urn, sig, err := aggregateFunction(a.Fn, argTypes, sigs)
		if err != nil {
			return nil, err
		}
		af.FunctionReference = p.fn(urn, sig)
		for _, k := range a.Order { // the aggregate's own ORDER BY / WITHIN GROUP
			sf, err := p.sortField(k)
			if err != nil {
				return nil, err
			}
			af.Sorts = append(af.Sorts, sf)
		}
		m := &pb.AggregateRel_Measure{Measure: af}
		if filters[i] != nil {
			if m.Filter, err = p.expr(filters[i]); err != nil {
				return nil, err
			}
		}
		ar.Measures = append(ar.Measures, m)
	}
	return &pb.Rel{RelType: &pb.Rel_Aggregate{Aggregate: ar}}, nil
}

// aggregateFunction returns the extension URN and compound name of aggregate fn over
// arguments of types args (signature names sigs; none for count(*)), both from the function
// registry's one declaration of fn.
func aggregateFunction(fn string, args []catalog.Type, sigs []string) (string, string, error) {
	a, ok := functions.AggByID(fn)
	if !ok {
		return "", "", fmt.Errorf("aggregate %s: %w", fn, errs.ErrNotSupported)
	}
	return a.URNOf(args), a.Compound(sigs), nil
}

// windowFunction is aggregateFunction for window calls: an aggregate used as a window
// function, or a window-only function.
func windowFunction(fn string, args []catalog.Type, sigs []string) (string, string, error) {
	if _, ok := functions.AggByID(fn); ok {
		return aggregateFunction(fn, args, sigs)
	}
	w, ok := functions.LookupWindow(fn)
	if !ok {
		return "", "", fmt.Errorf("window function %s: %w", fn, errs.ErrNotSupported)
	}
	return w.URN, w.Compound(sigs), nil
}

func (p *producer) setOp(x *physical.SetOp) (*pb.Rel, error) {
	l, err := p.rel(x.Left)
	if err != nil {
		return nil, err
	}
	r, err := p.rel(x.Right)
	if err != nil {
		return nil, err
	}
	var op pb.SetRel_SetOp
	switch {
	case x.Op == logical.SetUnion && x.All:
		op = pb.SetRel_SET_OP_UNION_ALL
	case x.Op == logical.SetUnion:
		op = pb.SetRel_SET_OP_UNION_DISTINCT
	case x.Op == logical.SetIntersect && x.All:
		op = pb.SetRel_SET_OP_INTERSECTION_MULTISET_ALL
	case x.Op == logical.SetIntersect:
		op = pb.SetRel_SET_OP_INTERSECTION_PRIMARY
	case x.Op == logical.SetExcept && x.All:
		op = pb.SetRel_SET_OP_MINUS_PRIMARY_ALL
	default:
		op = pb.SetRel_SET_OP_MINUS_PRIMARY
	}
	return &pb.Rel{RelType: &pb.Rel_Set{Set: &pb.SetRel{Inputs: []*pb.Rel{l, r}, Op: op}}}, nil
}

func bound(b logical.Bound) *pb.Expression_WindowFunction_Bound {
	switch b.Kind {
	case logical.Preceding:
		return &pb.Expression_WindowFunction_Bound{Kind: &pb.Expression_WindowFunction_Bound_Preceding_{
			Preceding: &pb.Expression_WindowFunction_Bound_Preceding{Offset: b.Offset}}}
	case logical.Following:
		return &pb.Expression_WindowFunction_Bound{Kind: &pb.Expression_WindowFunction_Bound_Following_{
			Following: &pb.Expression_WindowFunction_Bound_Following{Offset: b.Offset}}}
	case logical.CurrentRow:
		return &pb.Expression_WindowFunction_Bound{Kind: &pb.Expression_WindowFunction_Bound_CurrentRow_{
			CurrentRow: &pb.Expression_WindowFunction_Bound_CurrentRow{}}}
	}
	return &pb.Expression_WindowFunction_Bound{Kind: &pb.Expression_WindowFunction_Bound_Unbounded_{
		Unbounded: &pb.Expression_WindowFunction_Bound_Unbounded{}}}
}

func (p *producer) window(x *physical.Window) (*pb.Rel, error) {
	in, err := p.rel(x.Input)
	if err != nil {
		return nil, err
	}
	wr := &pb.ConsistentPartitionWindowRel{Input: in}
	for _, e := range x.Partition {
		pe, err := p.expr(e)
		if err != nil {
			return nil, err
		}
		wr.PartitionExpressions = append(wr.PartitionExpressions, pe)
	}
	for _, k := range x.Order {
		sf, err := p.sortField(k)
		if err != nil {
			return nil, err
		}
		wr.Sorts = append(wr.Sorts, sf)
	}
	for i, f := range x.Funcs {
		out, err := Type(f.Typ, x.Schema()[len(x.Input.Schema())+i].Nullable)
		if err != nil {
			return nil, err
		}
		wf := &pb.ConsistentPartitionWindowRel_WindowRelFunction{OutputType: out,
			Phase: pb.AggregationPhase_AGGREGATION_PHASE_INITIAL_TO_RESULT, Invocation: pb.AggregateFunction_AGGREGATION_INVOCATION_ALL,
			LowerBound: bound(f.Frame.Start), UpperBound: bound(f.Frame.End), BoundsType: pb.Expression_WindowFunction_BOUNDS_TYPE_RANGE}
		if f.Frame.Rows {
			wf.BoundsType = pb.Expression_WindowFunction_BOUNDS_TYPE_ROWS
		}
		parts := make([]string, len(f.Args))
		for j, a := range f.Args {
			ae, err := p.expr(a)
			if err != nil {
				return nil, err
			}
			wf.Arguments = append(wf.Arguments, &pb.FunctionArgument{ArgType: &pb.FunctionArgument_Value{Value: ae}})
			parts[j] = sigName(a.Type())
		}
		types := make([]catalog.Type, len(f.Args))
		for j, a := range f.Args {
			types[j] = a.Type()
		}
		urn, sig, err := windowFunction(f.Fn, types, parts)
		if err != nil {
			return nil, err
		}
		wf.FunctionReference = p.fn(urn, sig)
		wr.WindowFunctions = append(wr.WindowFunctions, wf)
	}
	if err := windowFrames(wr, x.Funcs); err != nil {
		return nil, err
	}
	return &pb.Rel{RelType: &pb.Rel_Window{Window: wr}}, nil
}

func (p *producer) sortField(k logical.SortKey) (*pb.SortField, error) {
	x := k.Expr
	if x.Type().Kind == catalog.TypeJSONB {
		// jsonb sorts in its btree order, which its text does not have (proto.URNJSON)
		x = &logical.Call{Fn: "jsonb_sortkey", Args: []logical.Expr{x}, Typ: catalog.Text, Null: x.Nullable()}
	}
	e, err := p.expr(x)
	if err != nil {
		return nil, err
	}
	var d pb.SortField_SortDirection
	switch {
	case !k.Desc && !k.NullsFirst:
		d = pb.SortField_SORT_DIRECTION_ASC_NULLS_LAST
	case !k.Desc && k.NullsFirst:
		d = pb.SortField_SORT_DIRECTION_ASC_NULLS_FIRST
	case k.Desc && k.NullsFirst:
		d = pb.SortField_SORT_DIRECTION_DESC_NULLS_FIRST
	default:
		d = pb.SortField_SORT_DIRECTION_DESC_NULLS_LAST
	}
	return &pb.SortField{Expr: e, SortKind: &pb.SortField_Direction{Direction: d}}, nil
}
