// Package substrait owns the producer: it turns one fragment of a physical plan
// (planner/physical) into a complete substraitpb.Plan following the conventions of package
// proto (extension URNs, "name:sig" function names, output_type on every call, connector
// scans as extension_table reads (read.go) and VirtualTable reads, HashJoinRel with the
// right input as build side, AggregateRel over plain field references; exchange sinks and
// remote sources as ExtensionSingleRel/ExtensionLeafRel with the detail messages of
// proto/planpb/exchange.proto).
//
// consume.go is the catalog-free half of admitting client plans: decoding under size and
// depth limits, extension function declarations by anchor, Substrait types and literals as
// Tern's. The planner binds the relations (planner/bind_substrait.go).
//
// It imports planner/logical, planner/physical, proto (planpb), the function registry
// (functions: URN and name of each call) and the Substrait protobuf types; it never binds
// SQL or consults the catalog.
package substrait
