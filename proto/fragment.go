package proto

// Fragment is the unit of work an executor node runs: a serialized Substrait plan in a small
// envelope. It travels as a signed handle (KindFragment) in a Flight ticket, so a node runs
// only what a gateway holding the cluster key planned.
//
// The rest of the fragment protocol is in proto/planpb/fragment.proto: a fragment's stream
// ends with its planpb.FragmentStats (over Flight: the app_metadata of its last FlightData),
// and a gateway stops a query on a node with planpb.CancelFragments (over Flight: the
// ActionCancelFragments action), by QueryID.
type Fragment struct {
	QueryID     string `json:"q"`
	Tenant      string `json:"t"`
	Plan        []byte `json:"p"`            // serialized substraitpb.Plan
	FragmentID  int    `json:"f,omitempty"`  // which fragment of the query (0: the root)
	Partition   int    `json:"n,omitempty"`  // which partition of the fragment's output to produce
	Partitions  int    `json:"ns,omitempty"` // how many partitions the fragment's output has (0,1: one)
	MemoryLimit int64  `json:"m,omitempty"`  // bytes; 0: node default
	// Inputs are the query's other fragments, which this one's RemoteSource relations read
	// (a plan cut at exchanges); the node runs them itself, in-process.
	Inputs []FragmentInput `json:"in,omitempty"`
	// Schema is the result schema the client was promised (Arrow IPC): a node serving the
	// fragment to a client stamps every batch with it, as the gateway does. Deadline (unix
	// nanoseconds, 0: none) is when the statement's timeout ends the fragment.
	Schema   []byte `json:"sc,omitempty"`
	Deadline int64  `json:"dl,omitempty"`
	// Bucket is which of the exchange sink's output partitions an input fragment's run
	// produces (0 for a final fragment). Peers (host:port) are the nodes a node may fetch
	// the fragment's inputs from over Flight; empty: it runs them itself, in-process.
	Bucket int      `json:"b,omitempty"`
	Peers  []string `json:"pe,omitempty"`
	// Depth counts the fragments between this one and the query's final fragment, so that
	// a plan whose fragments read each other cannot recurse across nodes without end.
	Depth int `json:"d,omitempty"`
}

// FragmentInput is one fragment of a query cut at exchanges, as a Fragment's input.
type FragmentInput struct {
	ID   int    `json:"id"`
	Plan []byte `json:"p"` // serialized substraitpb.Plan
}

// ActionCancelFragments names the Flight action that cancels a query's fragments on a remote
// node: body planpb.CancelFragments, result planpb.CancelFragmentsResult (served by
// flightnodes.Service, the Flight service of `tern node`).
const ActionCancelFragments = "tern.cancel_fragments"
