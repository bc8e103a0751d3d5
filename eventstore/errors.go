package eventstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// Sentinel errors. Every typed error below matches one of them with
// errors.Is, so callers can test the kind without the type:
//
//	if errors.Is(err, eventstore.ErrConcurrency) { reload and retry }
var (
	// ErrConcurrency: the stream was not at the expected version.
	ErrConcurrency = errors.New("wrong expected version")
	// ErrStreamNotFound: the stream has no events.
	ErrStreamNotFound = errors.New("stream not found")
	// ErrInvalidInput: the request is malformed; retrying it cannot succeed.
	ErrInvalidInput = errors.New("invalid input")
	// ErrDuplicateEvent: an event ID is already stored in another stream, or
	// a request mixes stored and new event IDs, or repeats stored IDs out of
	// their stored order (see Store.AppendBatch for what counts as a retry).
	ErrDuplicateEvent = errors.New("duplicate event ID")
	// ErrUnavailable: the database could not be reached or failed
	// transiently, and retries were used up. Safe to retry later.
	ErrUnavailable = errors.New("store unavailable")
	// ErrTimeout: the operation's deadline passed. Safe to retry with the
	// same event IDs: an append that did commit returns its original result.
	ErrTimeout = errors.New("operation timed out")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store closed")
	// ErrLeaseHeld: another owner holds the lease of a consumer (a durable
	// subscription, a consumer group); persistence.LeaseHeldError names it.
	ErrLeaseHeld = errors.New("lease held by another owner")
	// ErrLeaseLost: the caller's lease of a consumer ended (it could not
	// renew in time, or another owner took it); it must stop working on
	// the consumer. persistence.LeaseLostError names the lease.
	ErrLeaseLost = errors.New("lease lost")
	// ErrLocked: the embedded store is in use by another process
	// (sqlite.LockedError names it); several processes need PostgreSQL.
	ErrLocked = errors.New("embedded store is in use by another process")
	// ErrAborted: a request was not written because another request of its
	// transaction (its Group) failed.
	ErrAborted = errors.New("transaction aborted")
)

// AbortedError reports a request of a transaction that wrote nothing
// because another request of the same transaction failed with Cause.
type AbortedError struct {
	Stream string
	// Cause is the error of the request that failed (for example a
	// *ConcurrencyError of another stream).
	Cause error
}

func (e *AbortedError) Error() string {
	return fmt.Sprintf("stream %q: transaction aborted: %v", e.Stream, e.Cause)
}

// Is makes errors.Is(err, ErrAborted) true.
func (e *AbortedError) Is(target error) bool { return target == ErrAborted }

// Unwrap returns the cause, so errors.As finds the failing request's error.
func (e *AbortedError) Unwrap() error { return e.Cause }

// ConcurrencyError reports that a stream was not at the expected version.
// Nothing of the append was written and no global position was used.
type ConcurrencyError struct {
	Stream   string
	Expected ExpectedVersion
	// Actual is the stream's version when the append was checked (0: no events).
	Actual Version
}

func (e *ConcurrencyError) Error() string {
	return fmt.Sprintf("stream %q: wrong expected version: expected %s, actual %d",
		e.Stream, e.Expected, e.Actual)
}

// Is makes errors.Is(err, ErrConcurrency) true.
func (e *ConcurrencyError) Is(target error) bool { return target == ErrConcurrency }

// StreamNotFoundError reports a read of a stream that has no events.
type StreamNotFoundError struct {
	Stream string
}

func (e *StreamNotFoundError) Error() string {
	return fmt.Sprintf("stream %q not found", e.Stream)
}

// Is makes errors.Is(err, ErrStreamNotFound) true.
func (e *StreamNotFoundError) Is(target error) bool { return target == ErrStreamNotFound }

// InputError reports one malformed field of a request. The request was
// rejected as a whole and nothing was written.
type InputError struct {
	// Field is the path of the bad field, for example "requests[0].events[2].type".
	Field string
	// Rule is the rule broken: "required", "max_length", "duplicate", "positive", ...
	Rule    string
	Message string
	// Stream the field belongs to, when there is one.
	Stream string
}

func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString("invalid input: ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	if e.Stream != "" {
		fmt.Fprintf(&b, " (stream %q)", e.Stream)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrInvalidInput) true.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

// DuplicateEventError reports an event ID that is already stored where the
// append cannot be an idempotent retry: in another stream, or in a request
// that mixes stored and new IDs or repeats stored IDs out of order.
type DuplicateEventError struct {
	EventID uuid.UUID
	// Stream is the stream of the rejected append.
	Stream string
	// ExistingStream is where the ID is stored.
	ExistingStream string
}

func (e *DuplicateEventError) Error() string {
	return fmt.Sprintf("stream %q: event ID %s is already stored in stream %q",
		e.Stream, e.EventID, e.ExistingStream)
}

// Is makes errors.Is(err, ErrDuplicateEvent) true.
func (e *DuplicateEventError) Is(target error) bool { return target == ErrDuplicateEvent }

// ConnectionError reports a database operation that failed after its
// retries. It never contains a password: Host is host:port only. It
// matches ErrUnavailable, and ErrTimeout too when the cause is a deadline
// or a statement the database cancelled (statement_timeout).
type ConnectionError struct {
	Host     string
	Op       string
	Attempts int
	Err      error
	// Stream is the stream of the caller's operation when there is one
	// (an append or read of one stream). A group commit fails for all its
	// streams at once: each caller's error names its own stream.
	Stream string
}

// Error names the operation ("operation" when Op is empty), the host and
// the attempts when known (an error decoded from the wire has neither: its
// cause is the peer's message), and the stream.
func (e *ConnectionError) Error() string {
	var b strings.Builder
	b.WriteString("store unavailable: ")
	if e.Op == "" {
		b.WriteString("operation")
	} else {
		b.WriteString(e.Op)
	}
	if e.Host != "" {
		b.WriteString(" on " + e.Host)
	}
	if e.Stream != "" {
		fmt.Fprintf(&b, " (stream %q)", e.Stream)
	}
	b.WriteString(" failed")
	if e.Attempts > 0 {
		fmt.Fprintf(&b, " after %d attempt(s)", e.Attempts)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

// Unwrap returns the cause.
func (e *ConnectionError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrUnavailable) true, and ErrTimeout when the
// cause is a deadline.
func (e *ConnectionError) Is(target error) bool {
	if target == ErrUnavailable {
		return true
	}
	return target == ErrTimeout && errors.Is(e.Err, context.DeadlineExceeded)
}
