package actors

import (
	"errors"
	"fmt"
	"time"

	"github.com/actorstore/actorstore/eventstore"
)

// Sentinel errors of this package.
var (
	// ErrTimeout: a request got no reply within its deadline. It also
	// matches eventstore.ErrTimeout.
	ErrTimeout = errors.New("actor request timed out")
	// ErrDeadLetter: the target actor does not exist (any more).
	ErrDeadLetter = errors.New("actor not found")
)

// TimeoutError reports a Request that got no reply in time. The message
// may still be handled later: make requests idempotent.
type TimeoutError struct {
	// Target is the PID the request was sent to.
	Target string
	// Timeout is the time the caller waited.
	Timeout time.Duration
	TraceID string
}

func (e *TimeoutError) Error() string {
	s := fmt.Sprintf("request to %s timed out after %v", e.Target, e.Timeout)
	if e.TraceID != "" {
		s += " [trace " + e.TraceID + "]"
	}
	return s
}

// Is makes errors.Is(err, ErrTimeout) and errors.Is(err,
// eventstore.ErrTimeout) true, so eventstore.IsRetryable treats it as
// transient.
func (e *TimeoutError) Is(target error) bool {
	return target == ErrTimeout || target == eventstore.ErrTimeout
}

// OnStream returns err as the *eventstore.TimeoutError a caller of a
// stream operation should see when err is a *TimeoutError (which names
// only the PID waited on): it names the operation, the stream, the
// append's expected version and the trace ID, and unwraps to err. Other
// errors are returned unchanged.
func OnStream(err error, op, stream string, expected eventstore.ExpectedVersion) error {
	var te *TimeoutError
	if !errors.As(err, &te) {
		return err
	}
	return &eventstore.TimeoutError{Op: op, Stream: stream, Expected: expected, Timeout: te.Timeout,
		Err: err, TraceID: te.TraceID}
}
