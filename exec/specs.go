package exec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
)

// This file declares the shapes of the relational operators that flightnodes builds from
// Substrait. Their constructors live in op_*.go beside it.

// AggFunc is an aggregate function.
type AggFunc uint8

const (
	AggCountStar AggFunc = iota // COUNT(*): counts rows, Arg is ignored
	AggCount                    // COUNT(x): counts non-NULL values
	AggSum
	AggAvg
	AggMin
	AggMax
	AggBoolAnd    // bool_and / every
	AggBoolOr     // bool_or
	AggStringAgg  // string_agg(text, delimiter): Arg2 is the delimiter column
	AggVarSamp    // var_samp / variance
	AggVarPop     // var_pop
	AggStddevSamp // stddev_samp / stddev
	AggStddevPop  // stddev_pop
	AggArrayAgg   // array_agg(x): values, NULLs included, in input order (hashagg_arrayagg.go)

	// Ordered-set aggregates (hashagg_ordered.go): Order holds the WITHIN GROUP keys, Arg the
	// first key's column, Direct the direct arguments.
	AggPercentileCont // percentile_cont(fraction): double or interval values
	AggPercentileDisc // percentile_disc(fraction): any sortable values
	AggMode           // mode(): the most frequent value, the first in order on ties
	AggHypRank        // rank(args) WITHIN GROUP: hypothetical-set aggregates, Direct = the row
	AggHypDenseRank
	AggHypPercentRank
	AggHypCumeDist
)

// OrderedSet reports a WITHIN GROUP aggregate.
func (f AggFunc) OrderedSet() bool { return f >= AggPercentileCont && f <= AggHypCumeDist }

// Hypothetical reports a hypothetical-set aggregate.
func (f AggFunc) Hypothetical() bool { return f >= AggHypRank && f <= AggHypCumeDist }

// AggSpec is one aggregate computed by a hash aggregate. The argument is already evaluated
// into input column Arg. Output has type Out, decided by the planner with PostgreSQL's rules:
// count -> int64; sum(int16|int32) -> int64; sum(int64) -> decimal128(38,0);
// sum(float32) -> float32; sum(float64) -> float64; sum(decimal(p,s)) -> decimal128(38,s);
// avg(int*) -> decimal128(38,16)... the kernel produces exactly Out, whatever it is, rounding
// half away from zero for decimals. SUM/AVG/MIN/MAX of no non-NULL values are NULL; COUNT is 0.
type AggSpec struct {
	Func     AggFunc
	Arg      int // input column; ignored for AggCountStar
	Arg2     int // second argument column (string_agg's delimiter)
	Distinct bool
	Out      arrow.DataType
	Name     string // output field name
	// Order, when set, makes the aggregate ordered: each group's rows reach the function
	// sorted by these input columns (string_agg(x, ',' ORDER BY y)), or, for ordered-set
	// aggregates, are the WITHIN GROUP keys.
	Order []SortKey
	// Direct holds an ordered-set aggregate's direct arguments, constants (the fraction of
	// percentile_cont, the hypothetical row of rank).
	Direct []scalar.Scalar
	// Filter: only rows whose boolean column FilterCol is true reach the aggregate (FILTER
	// (WHERE ...) of ordered-set aggregates; other aggregates get theirs as a CASE on the
	// argument, which the planner builds).
	Filter    bool
	FilterCol int
}

// SortKey is one ORDER BY key over an input column.
type SortKey struct {
	Col        int
	Desc       bool
	NullsFirst bool // PostgreSQL default: NULLS LAST for ASC, NULLS FIRST for DESC
}

// JoinType is a join's type.
type JoinType uint8

const (
	JoinInner JoinType = iota
	JoinLeft
	JoinRight
	JoinFull
	JoinSemi   // left rows with a match
	JoinAnti   // left rows without a match
	JoinSingle // left rows with their one matching right row (or NULLs); two matches are an error
	JoinMark   // left rows plus a nullable boolean: matched / NULL comparison seen / no match
)

// String names the join type as EXPLAIN shows it.
func (t JoinType) String() string {
	switch t {
	case JoinInner:
		return "inner"
	case JoinLeft:
		return "left"
	case JoinRight:
		return "right"
	case JoinFull:
		return "full"
	case JoinSemi:
		return "semi"
	case JoinAnti:
		return "anti"
	case JoinSingle:
		return "single"
	case JoinMark:
		return "mark"
	}
	return "join?"
}

// JoinSpec describes a join. With keys it runs as a hash join building the right input;
// without, as a nested loop join. The condition of a pair is: every key pair equal (NullEqual[i]:
// IS NOT DISTINCT FROM, NULL matching NULL; otherwise a NULL key never matches) AND Filter
// (a boolean expression over left columns then right columns; nil: TRUE). Output: left columns
// then right columns; semi and anti joins: left columns; mark joins: left columns then the mark.
type JoinSpec struct {
	Type      JoinType
	LeftKeys  []int
	RightKeys []int
	NullEqual []bool // per key; nil: all plain equality
	Filter    Expr
	MarkName  string // name of the mark column ("mark" if empty)
}

// Env is what operators need from their surroundings.
type Env struct {
	Alloc     memory.Allocator
	BatchSize int // 0: DefaultBatchSize
}

// Size returns the batch size to aim for.
func (e Env) Size() int {
	if e.BatchSize <= 0 {
		return DefaultBatchSize
	}
	return e.BatchSize
}
