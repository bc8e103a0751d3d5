package supervisor

import (
	"context"
	"errors"

	"github.com/actorstore/actorstore/eventstore"
)

// Decider maps the value a child panicked with to a Directive. It must be a
// pure function.
type Decider func(reason any) Directive

// ErrBug wraps a panic value that was not an error, so that logs and
// escalations carry it as an error.
var ErrBug = errors.New("actor panicked with a non-error value")

// DefaultDecider is the storage-aware policy described in the package doc.
func DefaultDecider(reason any) Directive {
	err, ok := reason.(error)
	if !ok || err == nil {
		return Stop
	}
	switch {
	case eventstore.IsRetryable(err):
		return Restart
	case errors.Is(err, eventstore.ErrInvalidInput),
		errors.Is(err, eventstore.ErrDuplicateEvent),
		errors.Is(err, eventstore.ErrConcurrency),
		errors.Is(err, eventstore.ErrStreamNotFound):
		return Stop
	case errors.Is(err, eventstore.ErrClosed), errors.Is(err, context.Canceled):
		return Stop
	}
	return Restart
}

// IsTransient reports whether reason is an error that deserves a backoff
// before the restart (a transient storage failure).
func IsTransient(reason any) bool {
	err, ok := reason.(error)
	return ok && eventstore.IsRetryable(err)
}
