// Package logical owns Tern's logical plan: immutable relational nodes (Scan, Values, Filter,
// Project, Join, Aggregate, Sort, Limit) and the bound, fully typed expressions they hold.
// Nodes are never mutated; rewrites build new nodes (WithChildren, MapExprs, TransformUp).
// Column references are positional: Column.Index indexes the output schema of the node's
// input (for a Join: left columns then right columns).
//
// It also owns the value conversions shared by the binder and constant folding: literal
// parsing (the types' input functions), literal <-> Arrow scalar conversion, and casts,
// which run the executor's cast kernel through the function registry so that a constant
// cast equals a column cast; and the text rendering used by EXPLAIN.
//
// logical imports catalog, Arrow and the function registry (package functions, for casts
// and interval text) only; it must not import the binder, optimizer, Substrait, or exec
// directly.
package logical
