// Package eventstore is the domain of actorstore, the leaf every other
// package builds on: events and their records, stream versions and global
// positions, expected versions, read requests and filters, the limits an
// append must respect, the typed errors, and the trace ID an operation
// carries. It imports nothing of actorstore and knows nothing of storage,
// actors or the wire.
//
// # Records
//
// A stream is an ordered list of events named by a stream ID. Its version is
// its number of events: an empty stream is at version 0 and its first event
// has version 1. Every event also has a global position, starting at 1, that
// orders all events of all streams in commit order.
//
// # Expectations
//
// ExpectedVersion is what a writer believes about a stream when it appends:
// Any, NoStream, StreamExists or Exact(n). Check is a pure function; stream
// actors call it in memory and stores under the stream's lock.
//
// # Errors
//
// Errors are typed and match sentinels with errors.Is: *ConcurrencyError
// (ErrConcurrency), *StreamNotFoundError (ErrStreamNotFound), *InputError
// (ErrInvalidInput), *DuplicateEventError (ErrDuplicateEvent),
// *ConnectionError (ErrUnavailable, and ErrTimeout for deadlines),
// *AbortedError (ErrAborted). IsRetryable tells transient errors from
// final ones.
//
// # Concurrency
//
// ExpectedVersion, Filter and Limits are values, safe to copy and share.
package eventstore
