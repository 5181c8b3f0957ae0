package flightnodes

import (
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/errs"
)

// setRel: UNION [ALL], INTERSECT [ALL], EXCEPT [ALL] over inputs of identical column types
// (the planner casts). NULLs compare equal.
func (c *compiler) setRel(r *substraitpb.SetRel) (exec.Operator, error) {
	var kind exec.SetOpKind
	switch r.GetOp() {
	case substraitpb.SetRel_SET_OP_UNION_ALL:
		kind = exec.UnionAll
	case substraitpb.SetRel_SET_OP_UNION_DISTINCT:
		kind = exec.UnionDistinct
	case substraitpb.SetRel_SET_OP_INTERSECTION_PRIMARY:
		kind = exec.IntersectDistinct
	case substraitpb.SetRel_SET_OP_INTERSECTION_MULTISET_ALL:
		kind = exec.IntersectAll
	case substraitpb.SetRel_SET_OP_MINUS_PRIMARY:
		kind = exec.ExceptDistinct
	case substraitpb.SetRel_SET_OP_MINUS_PRIMARY_ALL:
		kind = exec.ExceptAll
	case substraitpb.SetRel_SET_OP_UNSPECIFIED:
		return nil, errs.Errorf(errs.ErrInvalidArgument, "set relation without an operation")
	default:
		return nil, errs.Errorf(errs.ErrNotSupported, "set operation %s", r.GetOp())
	}
	if len(r.GetInputs()) < 2 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "set relation with %d inputs", len(r.GetInputs()))
	}
	var ins []exec.Operator
	for _, in := range r.GetInputs() {
		op, err := c.rel(in)
		if err != nil {
			return nil, err
		}
		ins = append(ins, op)
	}
	op, err := exec.NewSetOp(c.env, ins, kind)
	if err != nil {
		return nil, err
	}
	return c.track(op), nil
}
