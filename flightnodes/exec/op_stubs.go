package exec

import (
	"github.com/tern-db/tern/proto/errs"
)

// Stubs with the final signatures; replaced by op_hashagg.go, op_hashjoin.go, op_sort.go and
// op_limit.go.

// NewHashAggregate groups input by the columns groupCols and computes aggs. Output: the group
// columns (same types, in order) then one column per AggSpec. With no group columns it emits
// exactly one row, even for empty input (COUNT 0, others NULL). NULL group keys form one group.
func NewHashAggregate(env Env, input Operator, groupCols []int, aggs []AggSpec) (Operator, error) {
	return nil, errs.Errorf(errs.ErrNotSupported, "hash aggregate")
}

// NewHashJoin joins left and right on leftKeys[i] = rightKeys[i] (NULL keys never match),
// building a hash table from the right input. Output: left columns then right columns (semi
// and anti joins: left columns only). Key columns of a pair have the same type.
func NewHashJoin(env Env, left, right Operator, leftKeys, rightKeys []int, typ JoinType) (Operator, error) {
	return nil, errs.Errorf(errs.ErrNotSupported, "hash join")
}

// NewSort sorts input by keys (stable with respect to input order for ties).
func NewSort(env Env, input Operator, keys []SortKey) (Operator, error) {
	return nil, errs.Errorf(errs.ErrNotSupported, "sort")
}

// NewLimit skips offset rows then passes at most count rows (count < 0: no limit), and stops
// pulling its input once count rows are out.
func NewLimit(env Env, input Operator, offset, count int64) (Operator, error) {
	return nil, errs.Errorf(errs.ErrNotSupported, "limit")
}
