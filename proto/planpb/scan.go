package planpb

// ConnectorScanURL is the type URL of a ConnectorScan in a ReadRel's extension_table.
const ConnectorScanURL = TypeURLPrefix + "tern.plan.ConnectorScan"
