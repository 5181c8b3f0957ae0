package catalog

// kv.go: the small transactional key-value surface the catalog logic is written against, so
// that the embedded bbolt store and the in-memory store share every rule (store.go).

// Buckets of the catalog. Every key starts with the tenant (see keys in store.go).
var (
	bucketSchemas   = []byte("schemas")         // tenant \0 schema -> ""
	bucketTables    = []byte("tables")          // tenant \0 schema \0 name -> tableRecord (JSON)
	bucketTableIDs  = []byte("table_ids")       // tenant \0 id(8, big endian) -> schema \0 name
	bucketIDTenant  = []byte("id_tenant")       // id(8) -> tenant; resolves Snapshot(tableID, ...); sequence: table IDs
	bucketSnapshots = []byte("snapshots")       // tenant \0 tableID(8) snapshotID(8) -> snapshotRecord (JSON); sequence: snapshot IDs
	bucketGarbage   = []byte("garbage")         // tenant \0 path -> time recorded (8, unix nanos; "" before): files no snapshot holds any more, for a cleaner
	bucketUsers     = []byte("users")           // tenant \0 name -> User (JSON)
	bucketStats     = []byte("table_stats")     // tenant \0 tableID(8) -> TableStats (JSON), from ANALYZE
	bucketSessions  = []byte("sessions")        // tenant \0 session id -> Session (JSON), sessions.go
	bucketServers   = []byte("foreign_servers") // tenant \0 server -> ForeignServer (JSON, secrets sealed), foreign.go
	bucketMappings  = []byte("user_mappings")   // tenant \0 server \0 user -> UserMapping (JSON, secrets sealed), foreign.go

	allBuckets = [][]byte{bucketSchemas, bucketTables, bucketTableIDs, bucketIDTenant, bucketSnapshots, bucketGarbage, bucketUsers, bucketStats, bucketSessions, bucketServers, bucketMappings}
)

// kvTx is one transaction. Values returned by get are valid until the transaction ends.
type kvTx interface {
	get(bucket, key []byte) []byte
	put(bucket, key, val []byte) error
	del(bucket, key []byte) error
	// scan calls fn for every key with the prefix, in key order; fn must not modify the bucket.
	scan(bucket, prefix []byte, fn func(k, v []byte) error) error
	nextSeq(bucket []byte) (uint64, error)
}

// kvStore runs transactions. update commits when fn returns nil and rolls back otherwise.
type kvStore interface {
	view(fn func(kvTx) error) error
	update(fn func(kvTx) error) error
	close() error
}
