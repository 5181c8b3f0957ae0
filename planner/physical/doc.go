// Package physical owns Tern's physical plans: the layer between the optimized logical plan
// and the Substrait fragments that executor nodes run. Physical nodes are immutable (rewritten
// by copy) and carry Props: how their output is partitioned, ordered, and where it runs.
//
// Plan lowers a logical plan and runs the named physical rules (rule_*.go, each with its
// test): join_strategy (hash join on equi keys, else nested loop), aggregate_strategy,
// join_build_side, prune_columns, topn and exchanges (cuts the plan at Exchange nodes when Options ask for
// partitions; the single-process default inserts none). Fragments (fragment.go) cuts a
// physical plan at its exchanges into fragments whose ends are ExchangeSink and RemoteSource
// nodes; planner/substrait serializes each fragment to a complete Substrait plan.
//
// physical imports planner/logical, proto (function names) and proto/errs; it never touches
// SQL text, the catalog or Substrait.
package physical
