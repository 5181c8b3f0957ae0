// Package gateway owns Tern's client-facing Flight SQL service: authentication (basic auth
// handshake -> signed bearer token), the Flight SQL commands, self-contained signed tickets
// and prepared-statement handles, execution of DDL and writes against native storage, and the
// one place where errors become gRPC statuses (an interceptor over every RPC).
//
// The gateway plans through planner.Planner and runs fragments through an Executor (an
// in-process node or remote nodes); it never evaluates data itself. It keeps no state per
// connection: sessions are signed cookies and transactions live next to the data. Running
// queries are the executor's: CancelFlightInfo calls Executor.Cancel, and result totals are
// the sum of the fragments' FragmentStats.
package gateway
