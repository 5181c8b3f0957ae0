package exec

import (
	"github.com/tern-db/tern/proto/errs"
)

// NewNestedLoopJoin joins left and right on an arbitrary condition (a boolean expression over
// left columns then right columns; nil: TRUE, a cross join). The right input is read whole;
// left batches stream through in blocks: a block of left rows times the build rows becomes one
// batch of candidate pairs over which the condition is evaluated at once. Every join type is
// supported; a NULL condition counts as "a comparison was NULL" for mark joins.
func NewNestedLoopJoin(env Env, left, right Operator, typ JoinType, cond Expr) (Operator, error) {
	if cond == nil && typ == JoinMark {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "mark join without a condition")
	}
	return NewJoin(env, left, right, JoinSpec{Type: typ, Filter: cond})
}

// fillLoop appends up to size candidate pairs: every build row for each left row from curRow
// on. Semi, anti and mark joins skip the rest of a left row once it matched.
func (j *joinOp) fillLoop(size int) {
	n := int(j.cur.NumRows())
	stopAtMatch := j.typ == JoinSemi || j.typ == JoinAnti || j.typ == JoinMark
	for j.curRow < n && len(j.li) < size {
		if stopAtMatch && j.lstate[j.curRow]&lsMatched != 0 {
			j.curRow++
			j.rpos = 0
			continue
		}
		r := int32(j.curRow)
		end := min(j.nbuild, j.rpos+size-len(j.li))
		for k := j.rpos; k < end; k++ {
			j.li = append(j.li, r)
			j.ri = append(j.ri, int32(k))
		}
		j.rpos = end
		if j.rpos >= j.nbuild {
			j.curRow++
			j.rpos = 0
		}
	}
}
