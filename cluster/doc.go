// Package cluster owns how a gateway finds and uses executor nodes: membership (a static
// list, or the healthy instances of the Consul service "tern-node" followed with blocking
// queries), a node's own registration in Consul with a TTL health check it keeps passing,
// and Remote, the flightnodes.Executor that runs fragments on nodes over Flight, picks a
// node per partition, runs a fragment again on another node when its node dies, and cancels
// a query on every node.
//
// cluster imports flightnodes (the Executor and Stream contracts, the node's tickets and
// tokens) and proto; never planner, coordinator or gateway.
package cluster
