// Package proto owns the contracts that cross process boundaries: the fragment envelope the
// gateway sends to executor nodes (signed, self-contained), and Tern's conventions for
// Substrait plans — which extension URNs and function names the planner emits and the node
// understands, and how Tern-specific information rides in standard relations.
//
// Substrait conventions (planner/ produces them, flightnodes/ consumes them):
//   - Plans are substraitpb.Plan (github.com/substrait-io/substrait-protobuf/go/substraitpb,
//     the protobuf module substrait-go/v8 builds on) with one RelRoot whose names are the
//     output column names.
//   - Functions are declared with extension URNs from this package and names of the form
//     "name:sig" (Substrait compound names); consumers dispatch on the part before ':'. Every
//     ScalarFunction and AggregateFunction carries output_type, and kernels must produce
//     exactly that type (decimal precision/scale included): the planner decides result types.
//   - Operands of arithmetic and comparison have the same type, except decimals (any
//     precision/scale) and the date/interval mixes; the planner inserts Casts to make it so.
//   - Field references are DirectReference StructField with RootReference, indexing the
//     input relation's output (for joins: left fields then right fields).
//   - ProjectRel outputs input fields followed by expressions (Substrait semantics); the
//     producer sets RelCommon.Emit to select the outputs it wants.
//   - Scans (native tables, files named in SQL) are ReadRel with extension_table whose detail
//     is a planpb.ConnectorScan (connector name, opaque splits the node's connector decodes),
//     base_schema naming every column of the table, and projection as a MaskExpression
//     selecting struct items. ReadRel.filter is a hint (Inexact); the producer keeps a
//     FilterRel above it. Nodes refuse LocalFiles reads: files are read through the files
//     connector, and client plans are re-planned by the binder.
//   - VALUES and parameter-free constant rows are ReadRel with VirtualTable (expressions).
//   - Equi-joins are HashJoinRel with keys and post_join_filter; the right input is the build
//     side. Other joins are JoinRel with an expression.
//   - AggregateRel outputs grouping expressions then measures. SortRel, FetchRel (offset,
//     count; count -1 or absent means all), FilterRel as in the spec.
//   - Join types (HashJoinRel and JoinRel): INNER, LEFT, RIGHT, OUTER, LEFT_SEMI, LEFT_ANTI,
//     LEFT_SINGLE (scalar subqueries: at most one matching right row per left row, else the
//     error "more than one row returned by a subquery used as an expression"; no match gives
//     NULLs) and LEFT_MARK (left columns plus one nullable boolean: TRUE if some right row
//     matches, else NULL if some comparison was NULL (a NULL key on either side), else FALSE —
//     SQL's IN semantics, used for IN / NOT IN / EXISTS that cannot become semi/anti joins).
//     HashJoinRel.post_join_filter and the non-key parts of JoinRel.expression are part of the
//     join condition (evaluated on candidate pairs before a row counts as matched), for every
//     join type, as DataFusion's join filter. ComparisonJoinKey EQ never matches NULLs;
//     IS_NOT_DISTINCT_FROM matches NULL with NULL.
//   - SetRel: UNION_ALL, UNION_DISTINCT, INTERSECTION_PRIMARY (INTERSECT), INTERSECTION_
//     MULTISET_ALL (INTERSECT ALL), MINUS_PRIMARY (EXCEPT), MINUS_PRIMARY_ALL (EXCEPT ALL);
//     inputs have identical column types (the planner casts).
//   - GROUPING SETS / ROLLUP / CUBE: one AggregateRel with grouping_expressions and several
//     groupings referencing them; output is every grouping expression (NULL where the row's set
//     does not contain it), then the measures, then, when there is more than one grouping set,
//     an i32 column holding the index of the row's grouping set.
//   - Ordered aggregates: any measure may carry AggregateFunction.sorts (string_agg(x, ','
//     ORDER BY y)); each group's rows reach the function in that order, and measures of one
//     AggregateRel may have different orderings. Ordered-set (WITHIN GROUP) aggregates under
//     URNTern — percentile_cont, percentile_disc, mode, hypothetical_rank,
//     hypothetical_dense_rank, hypothetical_percent_rank, hypothetical_cume_dist (the SQL
//     names rank etc. are the window functions') — take their direct arguments (the fraction,
//     the hypothetical row; constants) as arguments and the ordered values as sorts; a FILTER
//     skips rows (hypothetical-set aggregates count NULL values).
//   - Window functions: ConsistentPartitionWindowRel (partition expressions, sorts, window
//     functions with explicit ROWS/RANGE bounds — the planner always sets them, PostgreSQL's
//     default being RANGE UNBOUNDED PRECEDING..CURRENT ROW with ORDER BY, whole partition
//     without); output is the input fields then one column per window function.
//   - A SortRel directly under a FetchRel may be run as a TopN.
//   - Functions beyond the names in substrait.go: the PostgreSQL function name, lower case,
//     under URNTern, with PostgreSQL's arguments in order and PostgreSQL's result type and
//     semantics (e.g. "extract"/"date_part"/"date_trunc" take the field name as a string first
//     argument; "round", "abs", "coalesce" if not rewritten, "regexp_replace", "split_part").
//     Aggregates likewise (bool_and, string_agg, stddev_samp, ...). Both sides follow
//     PostgreSQL's documentation; nothing else needs agreeing.
//   - INTERVAL is interval_compound (months, days, microseconds) = Arrow month_day_nano.
//   - Timestamps are precision_timestamp(6), with time zone precision_timestamp_tz(6) (UTC);
//     decimals are decimal(p,s) with 16-byte little-endian literals; dates are days since epoch.
package proto
