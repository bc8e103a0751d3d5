// Package node serves an actorstore to peer actors in other processes.
//
// Start opens a protoactor remote endpoint (through package actors) on
// Config.Address, loopback port 4150 by default, and spawns the API actor,
// named "actorstore", which answers the requests of messages/api.proto
// (AppendRequest, TransactRequest, ReadStreamRequest, ReadAllRequest,
// HeadRequest, StatusRequest, HealthRequest). The protocol is described in
// docs/protocol.md.
//
// # Guarantees
//
//   - Every request with a sender gets exactly one reply: the result, or a
//     messages.Error with a stable code and the fields of its typed error
//     (wire.ErrorToProto; the schemas package registers its validation
//     errors there), carrying the request's trace ID. A message of a type the node does not serve
//     is answered with a bare messages.Error, code INVALID_INPUT.
//   - A request is decoded and validated completely before any I/O: a
//     missing or malformed field is an INVALID_INPUT reply naming the field,
//     and nothing is written. Appends and transactions are all or nothing.
//   - The API actor never blocks on I/O: each valid request runs on its own
//     goroutine, at most Config.MaxInFlight at once (more are answered with
//     a retryable UNAVAILABLE error), bounded by the request's timeout_ms
//     (capped by Config.MaxRequestTimeout) or Config.RequestTimeout.
//   - A peer cannot crash the node: the transport recovers panics (unknown
//     message types, garbage) and closes only that peer's connection; frames
//     over the transport limit close the connection; requests over
//     Config.MaxMessageBytes are refused; read replies are cut to fit
//     (ReadResult.truncated). Keepalive detects dead and frozen peers.
//
// # Traces and logs
//
// Each request runs with its peer's trace: the W3C trace context and
// trace ID of its protoactor message header (actors.TraceContext), else
// RequestOptions.trace_id, else a new one. With Config.TracerProvider it
// runs in a server span, child of the peer's span. Every log line about a
// request carries the trace ID in the field trace_id: "request failed" at
// info level for the peer's own mistakes (conflict, invalid input, not
// found, duplicate, validation) and warn for the rest, "request served" at
// debug level. HealthRequest is answered by Config.Health.
//
// # Other actors
//
// Config.System serves on an existing actor system instead of a new one:
// `actorstore serve` passes the store's, so that its subscription hub
// (named "subscriptions") is reachable by peers on the same endpoint and
// its subscriptions can send to remote subscribers. One remote endpoint
// per process: protoactor's remote.Start writes gRPC's global logger.
//
// # Cluster
//
// With Config.Cluster the node joins a cluster of nodes sharing one
// PostgreSQL database (actors.StartCluster starts the remote endpoint).
// Appends and stream reads are routed to the activation of kind StreamKind
// whose identity is the stream ID, on the member the hash picks; that
// stateless grain runs them through its own node's Store, so each member's
// writer batches the streams it owns. Transactions, ReadAll and Head run on
// the receiving node. Status carries a ClusterStatus, and ClusterHealth is
// the "cluster membership joined" readiness check. The store should be
// opened with actorstore.Config.SharedWriters. See docs/cluster.md and
// docs/adr/0006-cluster-routing.md.
//
// # Concurrency
//
// A Node is safe for concurrent use. Close drains the requests in flight
// (bounded by its ctx), stops the API actor and the transport; it does not
// close the Store.
package node
