package streams

import (
	"errors"
	"fmt"

	"github.com/actorstore/actorstore/actors"
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
	Err     error
	TraceID string
}

func (e *StreamError) Error() string {
	s := fmt.Sprintf("streams: %s on stream %q: %v", e.Op, e.Stream, e.Err)
	if e.TraceID != "" {
		s += " [trace " + e.TraceID + "]"
	}
	return s
}

// Unwrap returns the cause.
func (e *StreamError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, eventstore.ErrUnavailable) true.
func (e *StreamError) Is(target error) bool { return target == eventstore.ErrUnavailable }

// forCaller returns err as one caller should see it: a copy of the typed
// error (errors shared by many callers are never mutated) carrying traceID
// when it has none. Errors of other types are wrapped in a *StreamError.
func forCaller(err error, stream, traceID string) error {
	switch e := err.(type) {
	case nil:
		return nil
	case *eventstore.ConcurrencyError:
		cp := *e
		setTrace(&cp.TraceID, traceID)
		return &cp
	case *eventstore.ConnectionError:
		cp := *e
		setTrace(&cp.TraceID, traceID)
		if cp.Stream == "" {
			cp.Stream = stream
		}
		return &cp
	case *eventstore.TimeoutError:
		cp := *e
		setTrace(&cp.TraceID, traceID)
		return &cp
	case *eventstore.InputError:
		cp := *e
		setTrace(&cp.TraceID, traceID)
		return &cp
	case *eventstore.DuplicateEventError:
		cp := *e
		setTrace(&cp.TraceID, traceID)
		return &cp
	case *eventstore.AbortedError:
		cp := *e
		cp.Cause = forCaller(e.Cause, stream, traceID)
		setTrace(&cp.TraceID, traceID)
		return &cp
	case *actors.TimeoutError:
		cp := *e
		setTrace(&cp.TraceID, traceID)
		return &cp
	case *StreamError:
		cp := *e
		setTrace(&cp.TraceID, traceID)
		return &cp
	}
	return &StreamError{Stream: stream, Op: "request", Err: err, TraceID: traceID}
}

func setTrace(dst *string, id string) {
	if *dst == "" {
		*dst = id
	}
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
