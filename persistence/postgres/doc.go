// Package postgres is the production persistence.Store: PostgreSQL through
// pgx v5 (pgxpool), shared by any number of processes.
//
// # Opening
//
//	store, err := postgres.Open(ctx, postgres.Config{URL: "postgres://user:pw@host/db"})
//	defer store.Close()
//
// Open applies the embedded schema migrations (migrations/*.sql) in one
// transaction under a pg_advisory_xact_lock, so processes opening the same
// database at once do not race; schema_migrations records what ran.
//
// # Guarantees
//
//   - Stream versions are contiguous. Writers of one stream are serialised
//     by the row lock on its head (streams table), taken in stream-ID order
//     so that two batches cannot deadlock; UNIQUE (stream_id, version) is
//     the last fence.
//   - Global positions follow commit order across processes. An append
//     takes its positions from the one-row global_position counter after
//     all its other locks (for batches below Config.CopyThreshold in its
//     last statement, sent with COMMIT; larger batches then COPY their
//     events); the row lock is held until commit, so a transaction can only get positions above
//     those of every transaction that committed before it, and a reader
//     that has seen position P never later finds a new event below P.
//     Positions are gapless: a rolled-back append returns its positions.
//   - An append returns only after COMMIT with synchronous_commit as the
//     server has it (on, by default): it is durable.
//   - AppendBatch is one transaction. A request whose expectation fails,
//     or that reuses an event ID of another stream, writes nothing and uses
//     no position; requests of a failing Group are aborted with it.
//   - Appending the same event IDs again returns the original result with
//     Idempotent set. This is what makes retries safe, including after a
//     connection lost during COMMIT (outcome unknown): the store's own
//     retry then returns the original result as the call's success, and a
//     caller's later retry gets it with Idempotent set.
//
// # Errors and retries
//
// Transient failures (see IsTransient) are retried with the RetryPolicy,
// the whole transaction each time; then the caller gets a
// *eventstore.ConnectionError with host:port (never the password), the
// operation, the attempts and the cause. Expectation, input and duplicate
// errors are never retried. Errors carry no trace ID: the API boundary
// above attaches it (eventstore.AttachTraceID); the log lines of failures
// name the trace ID of ctx.
//
// # Notifications
//
// Each commit sends one NOTIFY with its last position. A store keeps one
// LISTEN connection for all its Notifications channels, reconnects with
// backoff, and publishes LastPosition after every (re)connect.
//
// # Concurrency
//
// Store is safe for concurrent use. Close waits for calls in progress and
// stops the listener; no goroutine outlives it.
package postgres
