// Package fuzz holds fuzz targets that run SQL end to end in process: parse, bind and plan
// (planner), compile the Substrait plan and execute it (flightnodes) over small native
// tables (connectors/native, catalog.NewMemory) in a temporary directory. It has no
// non-test code.
package fuzz
