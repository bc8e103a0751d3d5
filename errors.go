package actorstore

import (
	"github.com/actorstore/actorstore/eventstore"
)

// The typed errors of actorstore. They are the persistence package's types
// under the names users of the root package see; match them with errors.As,
// and their kinds with errors.Is and the sentinels below.
type (
	// ConcurrencyError: the stream was not at the expected version. Fields:
	// Stream, Expected, Actual. Nothing was written.
	ConcurrencyError = eventstore.ConcurrencyError
	// StreamNotFoundError: a read of a stream with no events.
	StreamNotFoundError = eventstore.StreamNotFoundError
	// InputError: a malformed request; Field names the problem. Nothing was written.
	InputError = eventstore.InputError
	// DuplicateEventError: an event ID already stored in another stream, or
	// a retry that repeats only part of an earlier append.
	DuplicateEventError = eventstore.DuplicateEventError
	// ConnectionError: the database failed after retries (Host, Op,
	// Attempts, Err, and Stream for an operation on one stream). Retryable;
	// it matches ErrTimeout too when the database cancelled the statement
	// (statement_timeout) or a deadline passed.
	ConnectionError = eventstore.ConnectionError
	// TimeoutError: an append or read of one stream got no reply before its
	// deadline (Op, Stream, Expected for an append, Timeout). The outcome
	// is unknown: retry with the same event IDs.
	TimeoutError = eventstore.TimeoutError
	// AbortedError: a transaction member that wrote nothing because another
	// member failed; Unwrap gives that member's error.
	AbortedError = eventstore.AbortedError
)

// Sentinels for errors.Is.
var (
	ErrConcurrency    = eventstore.ErrConcurrency
	ErrStreamNotFound = eventstore.ErrStreamNotFound
	ErrInvalidInput   = eventstore.ErrInvalidInput
	ErrDuplicateEvent = eventstore.ErrDuplicateEvent
	ErrUnavailable    = eventstore.ErrUnavailable
	ErrTimeout        = eventstore.ErrTimeout
	ErrClosed         = eventstore.ErrClosed
	ErrAborted        = eventstore.ErrAborted
)

// IsRetryable reports whether err is transient: the same call, with the
// same event IDs, may succeed later (and is idempotent if it had committed).
// It follows from the error's code (CodeOf), the same in process and for
// a peer.
func IsRetryable(err error) bool { return eventstore.IsRetryable(err) }

// CodeOf returns the stable code of err (eventstore.CodeConcurrency, ...):
// the same number a peer receives on the wire.
func CodeOf(err error) eventstore.Code { return eventstore.CodeOf(err) }

// TraceIDOf returns the trace ID of the call that returned err: the one of
// its context (eventstore.WithTraceID), or the new one the call made. "" when err
// carries none.
func TraceIDOf(err error) string { return eventstore.TraceIDOf(err) }
