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
// *AbortedError (ErrAborted). Errors keep their fields and carry no trace
// ID of their own.
//
// # Codes
//
// Every error has a stable Code, the same number as the wire's ErrorCode:
// CodeOf(err) finds it from a Coder in the error's chain (errors of other
// packages, such as schema validation, name their own) or from the
// sentinel the error matches; CodeInternal for anything else. IsRetryable
// is CodeOf(err).Retryable(): only CodeUnavailable and CodeTimeout are. A
// peer that receives an error over the wire gets the same code.
//
// # Trace IDs
//
// An operation's trace ID travels in its context (WithTraceID,
// EnsureTraceID, TraceID). The API boundaries (the root Store, the node's
// request handler, the client) attach it to the error they return, once,
// with AttachTraceID; TraceIDOf reads it back, and errors.As sees through
// it. Errors are never modified, so an error shared by many callers (one
// group commit) can be attached to each.
//
// # Concurrency
//
// ExpectedVersion, Filter, Limits and Code are values, safe to copy and
// share; typed errors are not modified after they are returned.
package eventstore
