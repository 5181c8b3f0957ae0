// Package connectors is the only path to data. A Connector names a source and, on the node,
// opens a split of it as an exec.Operator; a Resolver (optional, planner side) turns a catalog
// table into a Table handle; a Table reports its schema, says per pushed filter whether it
// applies it exactly, inexactly or not at all (as DataFusion's supports_filters_pushdown),
// and plans a scan into Splits: opaque bytes the connector encodes at planning time and
// decodes on the node, which needs nothing else (no catalog) to read them.
//
// Filters travel as Filter (a conjunction of connectors/prune predicates over the table's
// columns) so that connectors never import the planner: the planner converts the logical
// expressions it can and keeps every filter above the scan unless a table answers Exact.
//
// Sub-packages implement sources: native (Tern's own Parquet tables with snapshots) and files
// (Parquet/CSV/JSON files named in SQL); prune holds the statistics predicates both use.
// Optional capabilities (Sizer, PathLister, Explainer) are separate interfaces.
//
// connectors imports catalog, exec and connectors/prune; never planner, flightnodes or gateway.
package connectors
