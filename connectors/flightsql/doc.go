// Package flightsql owns the flightsql foreign-data wrapper: foreign tables on any Arrow
// Flight SQL server (another Tern, DuckDB or DataFusion behind Flight SQL) read through
// arrow-go's Flight SQL client. Batches arrive as Arrow and are passed on as they are (only
// the schema's field names are restamped, the column buffers are shared); pushdown is SQL in
// a conservative ANSI dialect (double-quoted names, standard string constants; text is pushed
// only as equality, since the remote collation is unknown); IMPORT FOREIGN SCHEMA reads
// GetTables with the tables' schemas.
package flightsql
