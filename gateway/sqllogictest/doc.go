// Package sqllogictest runs sqllogictest-style .slt files against a database and compares the
// results as canonical text, so that one file can be replayed against Tern (through a real
// Flight SQL client) and against PostgreSQL (whose answers are the reference).
//
// The package owns the .slt parser, the runner (with a rewrite mode that fills in expected
// output from actual results), the canonical value formatting shared by all backends, and two
// backends: FlightSQL (arrow-go's flightsql client) and Postgres (pgconn, text protocol).
// The file format is documented in testdata/slt/README.md.
//
// It must not import any other Tern package: it tests Tern from the outside, and its own unit
// tests must build even while the server does not.
package sqllogictest
