// Package persistence defines the storage contract of actorstore: the Store
// interface, the records it keeps, and its typed errors. It knows nothing of
// actors; backends live in the postgres and sqlite subpackages, and both
// pass the conformance suite in storetest.
//
// # Records
//
// A stream is an ordered list of events named by a stream ID. Its version is
// its number of events: an empty stream is at version 0 and its first event
// has version 1. Every event also has a global position, starting at 1, that
// orders all events of all streams in commit order.
//
// # Guarantees every Store gives
//
//   - Versions are contiguous within a stream: no gap, no duplicate.
//   - Positions strictly increase in commit order; a forward reader of all
//     events that has seen position P never later finds a new event below P.
//   - AppendBatch commits each request with all its events or not at all. A
//     request whose expected version does not hold writes nothing, uses up no
//     position, and reports a *ConcurrencyError with the actual version.
//   - Appending the same event IDs to the same stream again is an idempotent
//     retry: nothing is written and the original result is returned.
//   - A successful append is durable when it returns.
//   - Bad input is rejected before any I/O with an *InputError that names
//     the field; nothing of the batch is written.
//
// # Errors
//
// Errors are typed and match sentinels with errors.Is: *ConcurrencyError
// (ErrConcurrency), *StreamNotFoundError (ErrStreamNotFound), *InputError
// (ErrInvalidInput), *DuplicateEventError (ErrDuplicateEvent),
// *ConnectionError (ErrUnavailable, and ErrTimeout for deadlines). Each
// carries the trace ID of the operation when the context had one
// (WithTraceID). IsRetryable tells transient errors from final ones; stores
// retry transient database errors themselves with a RetryPolicy
// (exponential backoff with jitter) before returning them.
//
// # Concurrency
//
// ExpectedVersion, Filter, Limits and RetryPolicy are values, safe to copy
// and share. Every Store is safe for concurrent use.
package persistence
