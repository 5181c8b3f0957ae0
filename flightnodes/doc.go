// Package flightnodes owns Tern's executor node: it turns a fragment's Substrait plan into an
// exec.Operator tree (Compile and the rel_*.go consumers) and runs it, either in-process for
// `tern serve` or behind a Flight service for `tern node`. Sub-package exec is the vectorized
// engine itself.
//
// flightnodes imports exec, functions (the registry: kernels by Substrait name), connectors
// and proto; never planner or gateway.
package flightnodes
