package flightnodes

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/errs"
)

var defaultAlloc memory.Allocator = memory.DefaultAllocator

func (c *compiler) filterRel(r *substraitpb.FilterRel) (exec.Operator, error) {
	in, err := c.rel(r.GetInput())
	if err != nil {
		return nil, err
	}
	pred, err := c.expr(r.GetCondition(), in.Schema())
	if err != nil {
		return nil, err
	}
	return c.filter(in, pred)
}

func (c *compiler) filter(in exec.Operator, pred exec.Expr) (exec.Operator, error) {
	f, err := exec.NewFilter(c.env, in, pred)
	if err != nil {
		return nil, err
	}
	return c.track(f), nil
}

// projectRel: output is the input fields followed by the expressions, then Emit selects.
// Only the selected outputs are evaluated.
func (c *compiler) projectRel(r *substraitpb.ProjectRel) (exec.Operator, error) {
	in, err := c.rel(r.GetInput())
	if err != nil {
		return nil, err
	}
	s := in.Schema()
	nIn := s.NumFields()
	exprs := r.GetExpressions()
	total := nIn + len(exprs)
	mapping := make([]int, total)
	for i := range mapping {
		mapping[i] = i
	}
	if em := r.GetCommon().GetEmit(); em != nil {
		mapping = mapping[:0]
		for _, m := range em.GetOutputMapping() {
			if m < 0 || int(m) >= total {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "emit maps field %d of a projection with %d fields", m, total)
			}
			mapping = append(mapping, int(m))
		}
	}
	out := make([]exec.Expr, len(mapping))
	names := make([]string, len(mapping))
	for i, m := range mapping {
		if m < nIn {
			out[i] = exec.NewColumnRef(m, s.Field(m).Type)
			names[i] = s.Field(m).Name
			continue
		}
		e, err := c.expr(exprs[m-nIn], s)
		if err != nil {
			return nil, err
		}
		out[i] = e
		names[i] = fmt.Sprintf("expr%d", m-nIn)
	}
	return c.project(in, out, names)
}

func (c *compiler) sortRel(r *substraitpb.SortRel) (exec.Operator, error) {
	return c.sortOrTopN(r, -1, -1)
}

// sortOrTopN builds a sort of r, or with count >= 0 a TopN keeping rows offset..offset+count.
// Sort keys that are not plain columns are computed by a projection below and dropped above.
func (c *compiler) sortOrTopN(r *substraitpb.SortRel, offset, count int64) (exec.Operator, error) {
	in, err := c.rel(r.GetInput())
	if err != nil {
		return nil, err
	}
	s := in.Schema()
	n := s.NumFields()
	var extra []exec.Expr
	keys := make([]exec.SortKey, len(r.GetSorts()))
	for i, sf := range r.GetSorts() {
		col, ok := fieldRefOf(sf.GetExpr(), n)
		if !ok {
			e, err := c.expr(sf.GetExpr(), s)
			if err != nil {
				return nil, err
			}
			col = n + len(extra)
			extra = append(extra, e)
		}
		k, err := sortKeyOf(sf, col)
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	if len(extra) > 0 {
		exprs := make([]exec.Expr, 0, n+len(extra))
		for i := 0; i < n; i++ {
			exprs = append(exprs, exec.NewColumnRef(i, s.Field(i).Type))
		}
		names := fieldNames(s)
		for i := range extra {
			names = append(names, fmt.Sprintf("sortkey%d", i))
		}
		if in, err = c.project(in, append(exprs, extra...), names); err != nil {
			return nil, err
		}
	}
	var op exec.Operator
	if count >= 0 {
		op, err = exec.NewTopN(c.env, in, keys, offset, count)
	} else {
		op, err = exec.NewSort(c.env, in, keys)
	}
	if err != nil {
		return nil, err
	}
	c.track(op)
	if len(extra) > 0 {
		exprs := make([]exec.Expr, n)
		for i := 0; i < n; i++ {
			exprs[i] = exec.NewColumnRef(i, s.Field(i).Type)
		}
		return c.project(op, exprs, fieldNames(s))
	}
	return op, nil
}

// sortKeyOf converts a SortField's direction.
func sortKeyOf(sf *substraitpb.SortField, col int) (exec.SortKey, error) {
	k := exec.SortKey{Col: col}
	switch d := sf.GetSortKind().(type) {
	case *substraitpb.SortField_Direction:
		switch d.Direction {
		case substraitpb.SortField_SORT_DIRECTION_ASC_NULLS_FIRST:
			k.NullsFirst = true
		case substraitpb.SortField_SORT_DIRECTION_ASC_NULLS_LAST, substraitpb.SortField_SORT_DIRECTION_UNSPECIFIED:
		case substraitpb.SortField_SORT_DIRECTION_DESC_NULLS_FIRST:
			k.Desc, k.NullsFirst = true, true
		case substraitpb.SortField_SORT_DIRECTION_DESC_NULLS_LAST:
			k.Desc = true
		default:
			return k, errs.Errorf(errs.ErrNotSupported, "sort direction %s", d.Direction)
		}
	case nil:
	default:
		return k, errs.Errorf(errs.ErrNotSupported, "sort with a comparison function")
	}
	return k, nil
}

func fieldNames(s *arrow.Schema) []string {
	names := make([]string, s.NumFields())
	for i := range names {
		names[i] = s.Field(i).Name
	}
	return names
}

func (c *compiler) fetchRel(r *substraitpb.FetchRel) (exec.Operator, error) {
	var offset, count int64 = 0, -1
	switch o := r.GetOffsetMode().(type) {
	case *substraitpb.FetchRel_Offset:
		offset = o.Offset
	case *substraitpb.FetchRel_OffsetExpr:
		v, null, err := c.constInt(o.OffsetExpr, "OFFSET")
		if err != nil {
			return nil, err
		}
		if !null {
			offset = v
		}
	}
	switch k := r.GetCountMode().(type) {
	case *substraitpb.FetchRel_Count:
		count = k.Count
	case *substraitpb.FetchRel_CountExpr:
		v, null, err := c.constInt(k.CountExpr, "LIMIT")
		if err != nil {
			return nil, err
		}
		if !null {
			count = v
		}
	}
	if offset < 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "OFFSET must not be negative")
	}
	if count < -1 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "LIMIT must not be negative")
	}
	// A SortRel directly under the fetch (without an emit of its own) runs as a TopN.
	if srt := r.GetInput().GetSort(); srt != nil && count >= 0 && srt.GetCommon().GetEmit() == nil {
		return c.sortOrTopN(srt, offset, count)
	}
	in, err := c.rel(r.GetInput())
	if err != nil {
		return nil, err
	}
	op, err := exec.NewLimit(c.env, in, offset, count)
	if err != nil {
		return nil, err
	}
	return c.track(op), nil
}

// constInt evaluates a constant integer expression (a literal or a cast of one).
func (c *compiler) constInt(e *substraitpb.Expression, what string) (int64, bool, error) {
	x, err := c.expr(e, arrow.NewSchema(nil, nil))
	if err != nil {
		return 0, false, err
	}
	if x.Type().ID() != arrow.INT64 {
		if x, err = exec.NewCast(x, arrow.PrimitiveTypes.Int64); err != nil {
			return 0, false, errs.Errorf(errs.ErrInvalidArgument, "%s must be an integer: %v", what, err)
		}
	}
	v, null, err := evalConst(c, x)
	if err != nil {
		return 0, false, err
	}
	if null {
		return 0, true, nil
	}
	return v.(int64), false, nil
}
