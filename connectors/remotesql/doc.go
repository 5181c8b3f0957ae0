// Package remotesql owns what the SQL-speaking federation connectors (connectors/postgres,
// connectors/mysql) share: the catalog side of a foreign table (Source: server, credentials,
// remote name, declared columns), rendering a scan request as one SELECT in a source's
// dialect (identifiers quoted, literals rendered so that no name or value can change the
// statement; each filter Exact, Inexact or Unsupported per dialect), the split that carries
// the remote query to the node, and EXPLAIN's line showing that query. It opens no
// connection itself: the dialect packages do.
package remotesql
