// Package planpb holds the detail messages of Tern's Substrait extension relations
// (exchanges, remote sources, connector scans, window frames, project sets): the parts of a fragment that Substrait has
// no standard relation for. Each message travels in a google.protobuf.Any inside an
// ExtensionLeafRel/ExtensionSingleRel/ExtensionMultiRel or a ReadRel's extension_table, so
// a fragment stays a complete, self-describing Substrait plan. The .proto files are the
// source; gen.sh regenerates the Go code.
package planpb

// TypeURLPrefix prefixes the type URL of every detail message in an Any.
const TypeURLPrefix = "type.googleapis.com/"
