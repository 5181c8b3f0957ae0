// Package logical owns Tern's logical plan: immutable relational nodes (Scan, Values, Filter,
// Project, Join, Aggregate, Sort, Limit) and the bound, fully typed expressions they hold.
// Nodes are never mutated; rewrites build new nodes (WithChildren, MapExprs, TransformUp).
// Column references are positional: Column.Index indexes the output schema of the node's
// input (for a Join: left columns then right columns).
//
// It also owns the value conversions shared by the binder and constant folding (literal
// parsing and casts with PostgreSQL's rules) and the text rendering used by EXPLAIN.
//
// logical imports catalog and Arrow only; it must not import the binder, optimizer,
// Substrait or anything that executes.
package logical
