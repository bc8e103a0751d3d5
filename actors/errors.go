package actors

import (
	"errors"
	"fmt"
	"time"

	"github.com/actorstore/actorstore/persistence"
)

// Sentinel errors of this package.
var (
	// ErrTimeout: a request got no reply within its deadline. It also
	// matches persistence.ErrTimeout.
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
// persistence.ErrTimeout) true, so persistence.IsRetryable treats it as
// transient.
func (e *TimeoutError) Is(target error) bool {
	return target == ErrTimeout || target == persistence.ErrTimeout
}
