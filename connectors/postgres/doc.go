// Package postgres owns the postgres foreign-data wrapper: foreign tables on a PostgreSQL
// server read through jackc/pgx/v5's low-level pgconn in the binary protocol, decoded
// straight into Arrow builders (no row values in between); pushdown rendered in PostgreSQL's
// dialect (connectors/remotesql); large tables read as several ctid ranges, one split each;
// and the remote catalog that IMPORT FOREIGN SCHEMA reads.
package postgres
