// Package substrait owns the producer: it turns an optimized logical plan into a
// substraitpb.Plan following the conventions of package proto (extension URNs, "name:sig"
// function names, output_type on every call, LocalFiles/VirtualTable reads, HashJoinRel with
// the right input as build side, AggregateRel over plain field references).
//
// consume.go is the catalog-free half of admitting client plans: decoding under size and
// depth limits, extension function declarations by anchor, Substrait types and literals as
// Tern's. The planner binds the relations (planner/bind_substrait.go).
//
// It imports planner/logical, proto and the Substrait protobuf types; it never binds SQL or
// consults the catalog.
package substrait
