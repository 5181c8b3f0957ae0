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
//   - Native table scans and files named in SQL are ReadRel with LocalFiles (uri_file
//     "file:///abs/path", parquet or text (CSV) options), base_schema naming every column
//     of the files, and projection as a MaskExpression selecting struct items. ReadRel.filter
//     is a hint (Inexact); the producer keeps a FilterRel above it.
//   - VALUES and parameter-free constant rows are ReadRel with VirtualTable (expressions).
//   - Equi-joins are HashJoinRel with keys and post_join_filter; the right input is the build
//     side. Other joins are JoinRel with an expression.
//   - AggregateRel outputs grouping expressions then measures. SortRel, FetchRel (offset,
//     count; count -1 or absent means all), FilterRel as in the spec.
//   - Timestamps are precision_timestamp(6), with time zone precision_timestamp_tz(6) (UTC);
//     decimals are decimal(p,s) with 16-byte little-endian literals; dates are days since epoch.
package proto
