package streams

import (
	"errors"
	"fmt"

	"github.com/actorstore/actorstore/eventstore"
)

// Sentinel errors. Each typed error below matches one with errors.Is.
var (
	// ErrClosed: the Runtime is closed. It also matches eventstore.ErrClosed.
	ErrClosed = fmt.Errorf("streams: node closed: %w", eventstore.ErrClosed)
	// ErrNotWritten: the stream actor failed (restarted or stopped) before
	// the append was handed to the store; nothing was written. Retryable.
	ErrNotWritten = errors.New("stream actor failed before the append was written")
	// ErrOutcomeUnknown: the stream actor stopped while the append was being
	// committed; it may or may not be written. Retry with the same event IDs:
	// a committed append then returns its original result.
	ErrOutcomeUnknown = errors.New("stream actor stopped while the append was committing")
)

// StreamError is a failure of the actor layer for one stream (not a
// storage error, which is returned as the persistence error it is). It
// matches ErrNotWritten or ErrOutcomeUnknown through Err, and
// eventstore.ErrUnavailable, so eventstore.IsRetryable reports true.
type StreamError struct {
	Stream string
	Op     string
	// Err is ErrNotWritten, ErrOutcomeUnknown or another cause.
	Err error
}

func (e *StreamError) Error() string {
	return fmt.Sprintf("streams: %s on stream %q: %v", e.Op, e.Stream, e.Err)
}

// Unwrap returns the cause.
func (e *StreamError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, eventstore.ErrUnavailable) true.
func (e *StreamError) Is(target error) bool { return target == eventstore.ErrUnavailable }

// forCaller returns err as one caller should see it: the typed errors as
// they are (a *eventstore.ConnectionError naming the caller's stream when
// it names none), errors of other types wrapped in a *StreamError. Errors
// shared by many callers are never modified.
func forCaller(err error, stream string) error {
	switch err.(type) {
	case nil:
		return nil
	case *eventstore.ConnectionError:
		return withStream(err, stream)
	case *eventstore.ConcurrencyError, *eventstore.InputError, *eventstore.DuplicateEventError,
		*eventstore.AbortedError, *eventstore.TimeoutError, *StreamError,
		*eventstore.StreamDeletedError, *eventstore.StreamNotFoundError:
		return err
	}
	return &StreamError{Stream: stream, Op: "request", Err: err}
}

// withStream returns err with the stream named when it is a
// *eventstore.ConnectionError that names none (a copy: the store's error
// may be shared). Other errors are returned unchanged.
func withStream(err error, stream string) error {
	e, ok := err.(*eventstore.ConnectionError)
	if !ok || e.Stream != "" {
		return err
	}
	cp := *e
	cp.Stream = stream
	return &cp
}
