// Package native stores Tern's own tables: immutable Parquet files (zstd, dictionary encoding,
// statistics) under <data>/tables/<tenant>/<table id>/, and the snapshots that list them in
// the catalog. A Writer writes files for one insert, CTAS or COPY; nothing it wrote is visible
// until Commit makes a new snapshot current in one catalog transaction, after the files and
// their directory are fsynced. A crash before that leaves the table at its previous snapshot
// and the files as orphans (not referenced by any snapshot).
//
// Connector (connector.go) is the connector "native": its table handles prune a pinned
// snapshot's files and row groups with pushed filters into splits, which a node opens as
// Parquet file scans with no catalog. Store implements its Files and DataFiles (and
// planner.TableFiles).
// native imports catalog, connectors, connectors/files, connectors/prune, exec and proto.
package native
