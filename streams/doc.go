// Package streams is the actor core of actorstore: one actor per stream,
// spawned on demand and passivated when idle, and one group-commit writer
// per process, behind a plain Go API (Runtime). ("Node" in actorstore
// means a cluster member, package node its protocol endpoint; the stream
// actors of one process are a Runtime.)
//
// # Use
//
//	rt, err := streams.New(ctx, streams.Config{Store: store})
//	res, err := rt.Append(ctx, "order-1", eventstore.NoStream(), events)
//	evs, err := rt.ReadStream(ctx, eventstore.StreamRead{Stream: "order-1", Limit: 100})
//	results, err := rt.Transact(ctx, []eventstore.AppendRequest{...})
//	err = rt.Close(ctx)
//
// # The append path
//
// Append validates the request (eventstore.Limits), then the registry
// routes it to the stream's actor, starting it if needed. On start the
// actor waits until the writer holds nothing of its stream, then loads the
// stream's head and newest events in a goroutine; requests that arrive
// meanwhile wait in memory. The actor checks the expected version in memory
// against the version the stream will have after every append it accepted
// before (so pipelined appends with exact versions work). A mismatch is a
// *eventstore.ConcurrencyError, without I/O and without using a position:
// answered at once when nothing is pending, else as soon as the appends
// before it are resolved (so the actual version it names is committed, and
// the history stays linearizable). The actor keeps one flush in flight to
// the writer and queues what arrives meanwhile for the next flush. The writer commits the
// flushes of many streams in one Store.AppendBatch and starts the next
// batch as soon as one returns (no timer), up to MaxBatchEvents and
// MaxBatchBytes; the commit runs off its mailbox.
//
// # Guarantees
//
//   - Versions are contiguous: the store is the fence; a conflict written by
//     another process fails only the callers whose expectation no longer
//     holds (with the store's actual version), and the actor reloads.
//   - Retrying with the same event IDs returns the original result: from
//     the actor's window of recent IDs (IdempotencyWindow per stream), else
//     from the store's idempotency. A retry of an append that is still
//     queued or committing waits for and gets its result. An exact-version
//     retry of an append older than the window is a conflict.
//   - Every caller is answered. If a stream actor fails (a panic), the
//     appends it had not sent get a *StreamError with ErrNotWritten; the
//     flush in flight is answered by the next incarnation, or with
//     ErrOutcomeUnknown if the actor stops for good. Retrying with the same
//     event IDs is always safe.
//   - ReadStream sees every append acknowledged before it was called. It is
//     served from the actor's recent events (CacheBytes per stream) when
//     they cover the read, else from the store (then after the flush in
//     flight, if any, so reads never go back in time).
//   - Appends and reads of one stream are linearizable (checked with
//     porcupine in the tests).
//
// # Entities
//
// RegisterKind registers an untyped EntityKind (the root package builds
// one from its generic Entity); Execute runs a command of the entity of a
// stream inside that stream's actor, when nothing else of the stream is
// pending, on the state folded to the committed version; the events take
// the ordinary append path and are folded once committed (entity_*.go).
//
// # Passivation
//
// A stream actor unused for IdleTimeout is stopped, and when more than
// MaxLiveStreams are live the least recently used idle ones are; a busy
// actor (appends queued or committing, a transaction) is never stopped.
// The registry stops an actor only when it has handled every message
// routed to it, so no message is lost; the next message starts a new one.
// Appends and reads of a live stream go straight to its actor (live.go):
// each is counted for the actor before it is sent, and the registry stops
// an actor only after closing that count at what the idle actor has seen
// (ADR 0026).
//   - Transact is all or nothing over several streams; streams are reserved
//     in sorted order, so transactions never deadlock each other. A stream
//     is held only until the writer has queued the transaction; what
//     follows pipelines behind it and is fenced by the store (ADR 0025).
//   - Close answers or commits every accepted append before stopping.
//
// # Supervision
//
// A guardian actor supervises the writer and the registry; the registry
// supervises the stream actors; all with Config.Supervision (see package
// supervisor: transient errors restart after capped exponential backoff,
// poison input stops, repeated failures escalate). A stream actor whose
// head cannot be loaded fails with the store's typed error.
//
// # Concurrency
//
// Runtime is safe for concurrent use. Messages between actors are in-process
// Go values, never mutated after they are sent. Events returned by reads
// may share Data with the cache: do not modify them.
package streams
