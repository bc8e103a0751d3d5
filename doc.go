// Package actorstore is an event store that runs inside a Go service: it
// keeps every change as an immutable event in a stream, with optimistic
// concurrency, on PostgreSQL or on an embedded SQLite file.
//
// # Opening
//
// One call opens the database, applies its migrations and starts the actors:
//
//	st, err := actorstore.Open(ctx, actorstore.Config{})        // embedded, ./data
//	st, err := actorstore.Open(ctx, actorstore.Config{PostgresURL: url})
//	defer st.Close(ctx)
//
// # The API
//
// A *Store is the data plane: Append, Transact, ReadStream, ReadAll, Head,
// Subscribe (with Parked and ReplayParked for durable subscriptions),
// Health and AddHealthCheck, Stats, Close. Its signatures use the types of
// this package and of package eventstore only; it hands out none of its
// actors, database or protocol types. The programs of this module that
// serve a store to others (the node endpoint, the admin endpoint,
// cmd/actorstore) open it with OpenEngine, which also returns the store's
// engine (its actor system, subscription hub, stream actors, database and
// metric producer) once, explicitly (docs/adr/0015-data-plane-root-api.md).
//
// # How an append travels
//
// Every stream is an actor (protoactor-go), spawned on first use and
// passivated when idle. It serialises the appends to its stream and checks
// the expected version in memory: a mismatch is answered at once with a
// *ConcurrencyError, without touching the database. Accepted appends go to
// one writer actor per node that commits the appends of many streams in one
// transaction (group commit: the next flush starts as soon as the previous
// commit returns). The database stays the fence: if another process wrote
// the stream, only that stream's callers get a *ConcurrencyError with the
// actual version, and its actor reloads.
//
// # Guarantees
//
//   - Versions in a stream are contiguous (1, 2, 3, ...); an acknowledged
//     append is durable; an append and a Transact are all or nothing.
//   - Global positions strictly increase in commit order; a failed
//     expectation uses up no position.
//   - Retrying with the same event IDs returns the original result.
//
// # Concurrency contract
//
// A *Store is safe for concurrent use by any number of goroutines. Appends
// to one stream are applied in the order its actor receives them; appends
// to different streams are independent. Reads see every append acknowledged
// before the read was called. Every blocking call takes a context and has a
// default timeout (Config.RequestTimeout, Config.TxTimeout).
//
// # Entities and snapshots
//
// Register defines an event-sourced entity kind (Entity[S, C, R]: a fold
// and a command handler; kind "order" owns the streams "order-<id>").
// Kind.Execute runs a command inside the stream's actor on the state
// folded from every committed event, appends its events at that version
// and folds them once committed; commands to one entity never interleave.
// Snapshots (every N events, on passivation) shorten loading; SaveSnapshot
// and LoadSnapshot serve users who fold state themselves. See
// docs/entities.md.
//
// # Errors
//
// Errors are typed (*ConcurrencyError, *InputError, *StreamNotFoundError,
// *DuplicateEventError, *ConnectionError, *TimeoutError, *AbortedError) and
// match the Err* sentinels with errors.Is. An append or read that runs out
// of time is a *TimeoutError naming the stream (and the append's expected
// version); a statement the database cancelled (statement_timeout) is a
// *ConnectionError that matches ErrTimeout. Every error has a stable code
// (CodeOf: the same number a peer receives on the wire), and IsRetryable,
// which follows from the code, tells transient failures (retry with the
// same event IDs) from final ones. Each error carries the trace ID of its
// operation (TraceIDOf): the one put in ctx with eventstore.WithTraceID,
// or a new one.
package actorstore
