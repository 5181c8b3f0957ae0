// Package native stores Tern's own tables: immutable Parquet files (zstd, dictionary encoding,
// statistics) under <data>/tables/<tenant>/<table id>/, and the snapshots that list them in
// the catalog. A Writer writes files for one insert, CTAS or COPY; nothing it wrote is visible
// until Commit makes a new snapshot current in one catalog transaction, after the files and
// their directory are fsynced. A crash before that leaves the table at its previous snapshot
// and the files as orphans (not referenced by any snapshot).
//
// Store also implements connectors.Connector (name "native") and planner.TableFiles.
// native imports catalog, connectors, connectors/files, exec and proto/errs.
package native
