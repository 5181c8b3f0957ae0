package proto

// Fragment is the unit of work an executor node runs: a serialized Substrait plan in a small
// envelope. It travels as a signed handle (KindFragment) in a Flight ticket, so a node runs
// only what a gateway holding the cluster key planned.
type Fragment struct {
	QueryID     string `json:"q"`
	Tenant      string `json:"t"`
	Plan        []byte `json:"p"`            // serialized substraitpb.Plan
	Partition   int    `json:"n,omitempty"`  // which partition of the fragment's output to produce
	Partitions  int    `json:"ns,omitempty"` // how many partitions the fragment's output has (0,1: one)
	MemoryLimit int64  `json:"m,omitempty"`  // bytes; 0: node default
	// Inputs are the query's other fragments, which this one's RemoteSource relations read
	// (a plan cut at exchanges); the node runs them itself, in-process.
	Inputs []FragmentInput `json:"in,omitempty"`
}

// FragmentInput is one fragment of a query cut at exchanges, as a Fragment's input.
type FragmentInput struct {
	ID   int    `json:"id"`
	Plan []byte `json:"p"` // serialized substraitpb.Plan
}
