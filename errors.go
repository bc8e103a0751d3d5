package actorstore

import "github.com/actorstore/actorstore/persistence"

// The typed errors of actorstore. They are the persistence package's types
// under the names users of the root package see; match them with errors.As,
// and their kinds with errors.Is and the sentinels below.
type (
	// ConcurrencyError: the stream was not at the expected version. Fields:
	// Stream, Expected, Actual, TraceID. Nothing was written.
	ConcurrencyError = persistence.ConcurrencyError
	// StreamNotFoundError: a read of a stream with no events.
	StreamNotFoundError = persistence.StreamNotFoundError
	// InputError: a malformed request; Field names the problem. Nothing was written.
	InputError = persistence.InputError
	// DuplicateEventError: an event ID already stored in another stream, or
	// a retry that repeats only part of an earlier append.
	DuplicateEventError = persistence.DuplicateEventError
	// ConnectionError: the database failed after retries (Host, Op,
	// Attempts, Err, and Stream for an operation on one stream). Retryable;
	// it matches ErrTimeout too when the database cancelled the statement
	// (statement_timeout) or a deadline passed.
	ConnectionError = persistence.ConnectionError
	// TimeoutError: an append or read of one stream got no reply before its
	// deadline (Op, Stream, Expected for an append, Timeout, TraceID). The
	// outcome is unknown: retry with the same event IDs.
	TimeoutError = persistence.TimeoutError
	// AbortedError: a transaction member that wrote nothing because another
	// member failed; Unwrap gives that member's error.
	AbortedError = persistence.AbortedError
)

// Sentinels for errors.Is.
var (
	ErrConcurrency    = persistence.ErrConcurrency
	ErrStreamNotFound = persistence.ErrStreamNotFound
	ErrInvalidInput   = persistence.ErrInvalidInput
	ErrDuplicateEvent = persistence.ErrDuplicateEvent
	ErrUnavailable    = persistence.ErrUnavailable
	ErrTimeout        = persistence.ErrTimeout
	ErrClosed         = persistence.ErrClosed
	ErrAborted        = persistence.ErrAborted
)

// IsRetryable reports whether err is transient: the same call, with the
// same event IDs, may succeed later (and is idempotent if it had committed).
func IsRetryable(err error) bool { return persistence.IsRetryable(err) }
