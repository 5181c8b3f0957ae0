// Package coordinator executes statements. It owns what happens between a planned statement
// and committed data: the dispatch of DDL, writes and maintenance (ExecuteUpdate,
// ExecuteReturning), INSERT / COPY FROM / CREATE TABLE AS (the source plan run into native
// files, fitted to the table's types, commits retried over concurrent appends), copy-on-write
// DML (DELETE, UPDATE, MERGE), COPY TO, RETURNING rows, bulk ingest (create, append,
// replace), transactions (state and manifests on disk next to the data, staging, the
// all-or-nothing commit), VACUUM / ANALYZE and the background maintenance of native storage,
// user administration, and the executing half of the dry run.
//
// It plans through planner.Planner (inside a transaction, a planner over the transaction's
// view of the catalog), runs fragments through a flightnodes.Executor, writes through
// connectors/native and commits through the catalog. It owns the native store of the data
// directory (Config.DataDir); the gateway asks it for that directory (DataDir) and never
// imports connectors/native. Later it schedules fragments on remote nodes.
//
// It knows nothing of Flight SQL: no handles, tickets, cookies or Flight types. What it needs
// of the caller's session (storing SET, the temporary schema, fresh credentials after a
// password change) it asks through the Sessions interface, which the gateway implements.
// Errors wrap proto/errs sentinels; the gateway maps them to gRPC codes (a query record words
// an error as that mapping does, through errs.ToStatus).
//
// coordinator imports catalog, connectors (native, files), exec, flightnodes, planner, proto
// and internal/datafs; never gateway.
package coordinator
