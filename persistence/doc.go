// Package persistence defines the storage contract of actorstore: the Store
// interface and the retry policy of its backends. The records it keeps and
// its typed errors are those of package eventstore. It knows nothing of
// actors or of protobuf; backends live in the postgres and sqlite
// subpackages, and both pass the conformance suite in storetest.
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
//     the field; nothing of the batch is written. The one exception is a
//     batch whose caller has already validated it and says so for that
//     very slice (WithValidatedBatch, ValidateAppend): the stream runtime's
//     group commits, so that an append is validated once.
//
// # Errors
//
// Stores return the typed errors of package eventstore. They retry
// transient database errors themselves with a RetryPolicy (exponential
// backoff with jitter) before returning them.
//
// # Concurrency
//
// RetryPolicy is a value, safe to copy and share. Every Store is safe for
// concurrent use.
package persistence
