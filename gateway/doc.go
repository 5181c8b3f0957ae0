// Package gateway owns Tern's client-facing Flight SQL service: authentication (basic auth
// handshake -> signed bearer token), the Flight SQL commands, self-contained signed tickets
// and prepared-statement handles, sessions, metadata RPCs, input guards, result streaming,
// cancellation, and the one place where errors become gRPC statuses (an interceptor over
// every RPC).
//
// The gateway adapts Flight SQL to the coordinator (coordinator/), which executes statements
// that change things (DDL, writes, ingest, transactions); queries are planned through
// planner.Planner and their tickets run through an Executor (an in-process node or remote
// nodes); it never evaluates data itself. It keeps no state per connection: sessions live in
// the catalog, named by signed tokens or cookies, and transactions live next to the data.
// Running queries are the executor's: CancelFlightInfo calls Executor.Cancel, and result
// totals are the sum of the fragments' FragmentStats.
package gateway
