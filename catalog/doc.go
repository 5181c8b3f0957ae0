// Package catalog owns Tern's metadata: tenants, schemas, tables and their columns, snapshots
// and the data files each snapshot holds, and users. Every key carries the tenant.
//
// The Catalog interface is the contract; Open returns the embedded store (a bbolt file in the
// data directory). A PostgreSQL-backed store for several gateways fits the same interface.
//
// catalog imports only proto/errs and Arrow; nothing in Tern's engine is imported here.
package catalog
