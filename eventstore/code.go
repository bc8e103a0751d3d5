package eventstore

import (
	"context"
	"errors"
)

// Code is the stable code of an error: the same number in process
// (CodeOf) and on the wire (the ErrorCode enum of the messages package,
// whose values it mirrors). Codes are never renumbered.
type Code int32

// The codes. Retryable reports which of them are transient.
const (
	// CodeUnspecified is the code of a nil error.
	CodeUnspecified Code = 0
	// CodeConcurrency: the stream was not at the expected version (ErrConcurrency).
	CodeConcurrency Code = 1
	// CodeStreamNotFound: a read of a stream with no events (ErrStreamNotFound).
	CodeStreamNotFound Code = 2
	// CodeInvalidInput: the request is malformed (ErrInvalidInput).
	CodeInvalidInput Code = 3
	// CodeUnavailable: the store or the actor serving the call failed
	// transiently (ErrUnavailable). Retryable.
	CodeUnavailable Code = 4
	// CodeTimeout: a deadline passed before the outcome was known
	// (ErrTimeout, context.DeadlineExceeded). Retryable with the same event IDs.
	CodeTimeout Code = 5
	// CodeDuplicateEvent: an event ID is already stored elsewhere (ErrDuplicateEvent).
	CodeDuplicateEvent Code = 6
	// CodeClosed: the store or node is closed or shutting down (ErrClosed).
	CodeClosed Code = 7
	// CodeValidation: a payload failed its schema (the schemas package).
	CodeValidation Code = 8
	// CodeInternal: any other error, including a cancelled context.
	CodeInternal Code = 9
	// CodeLeaseHeld: another owner holds a consumer's lease (ErrLeaseHeld).
	CodeLeaseHeld Code = 10
	// CodeLeaseLost: the caller's lease of a consumer ended, another owner
	// may work on it; the caller must stop (ErrLeaseLost).
	CodeLeaseLost Code = 11
	// CodeLocked: the embedded store is in use by another process (ErrLocked).
	CodeLocked Code = 12
	// CodeStreamDeleted: the stream was deleted for good (a hard delete,
	// ErrStreamDeleted); appends and reads of it fail.
	CodeStreamDeleted Code = 13
)

var codeNames = [...]string{"unspecified", "concurrency", "stream_not_found", "invalid_input",
	"unavailable", "timeout", "duplicate_event", "closed", "validation", "internal",
	"lease_held", "lease_lost", "locked", "stream_deleted"}

// NumCodes bounds the codes: every code is in [0, NumCodes).
const NumCodes = len(codeNames)

// String is the code's name in lower case ("concurrency", "stream_not_found"):
// the wire enum's name without its ERROR_CODE_ prefix.
func (c Code) String() string {
	if c < 0 || int(c) >= NumCodes {
		return "internal"
	}
	return codeNames[c]
}

// Retryable reports whether errors of code c are transient: the same call,
// with the same event IDs, may succeed later (an append that did commit
// then returns its original result). Only CodeUnavailable and CodeTimeout are.
func (c Code) Retryable() bool { return c == CodeUnavailable || c == CodeTimeout }

// Coder is implemented by errors that name their own code: the typed
// errors of packages built on this one (for example the schemas package's
// ValidationError). CodeOf finds it anywhere in an error's chain.
type Coder interface {
	ErrorCode() Code
}

// CodeOf returns the code of err: the code of the first Coder in its
// chain, else the code of the sentinel it matches with errors.Is,
// CodeInternal for an error of no known kind, and CodeUnspecified for nil.
// An *AbortedError has the code of its cause. Wire errors decode to errors
// with the same code, so CodeOf gives the same answer in process and over
// the wire.
func CodeOf(err error) Code {
	if err == nil {
		return CodeUnspecified
	}
	var c Coder
	if errors.As(err, &c) {
		return c.ErrorCode()
	}
	switch {
	case errors.Is(err, ErrConcurrency):
		return CodeConcurrency
	case errors.Is(err, ErrStreamNotFound):
		return CodeStreamNotFound
	case errors.Is(err, ErrInvalidInput):
		return CodeInvalidInput
	case errors.Is(err, ErrDuplicateEvent):
		return CodeDuplicateEvent
	case errors.Is(err, ErrClosed):
		return CodeClosed
	case errors.Is(err, ErrLeaseHeld):
		return CodeLeaseHeld
	case errors.Is(err, ErrLeaseLost):
		return CodeLeaseLost
	case errors.Is(err, ErrLocked):
		return CodeLocked
	case errors.Is(err, context.Canceled):
		return CodeInternal
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return CodeTimeout
	case errors.Is(err, ErrUnavailable):
		return CodeUnavailable
	}
	return CodeInternal
}

// IsRetryable reports whether err is transient, so that the same request
// (with the same event IDs) may succeed later: CodeOf(err).Retryable().
// Unavailable stores and timeouts are; concurrency, input, duplicate,
// not-found, validation and closed errors, a cancelled context and errors
// of unknown kind are not.
func IsRetryable(err error) bool { return CodeOf(err).Retryable() }
