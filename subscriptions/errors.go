package subscriptions

import (
	"errors"
	"fmt"
)

// Sentinel errors of this package.
var (
	// ErrClosed: the hub (or the subscription) was closed.
	ErrClosed = errors.New("subscriptions: closed")
	// ErrProtocol: a peer broke the subscription protocol (a lost or
	// unexpected message, more messages than credits).
	ErrProtocol = errors.New("subscriptions: protocol violation")
)

// DroppedError reports a subscription that its hub ended (store failure
// after retries, hub shut down). Cause is the typed error it reported.
type DroppedError struct {
	SubscriptionID string
	Cause          error
}

func (e *DroppedError) Error() string {
	return fmt.Sprintf("subscription %s dropped: %v", e.SubscriptionID, e.Cause)
}

// Unwrap returns the cause, so errors.Is(err, eventstore.ErrUnavailable)
// and the like work.
func (e *DroppedError) Unwrap() error { return e.Cause }

// HandlerError reports a handler that failed: the subscription stopped at
// the event at Position (a version for single-stream subscriptions).
type HandlerError struct {
	SubscriptionID string
	Stream         string
	Position       uint64
	Err            error
}

func (e *HandlerError) Error() string {
	return fmt.Sprintf("subscription %s: handler failed on %s@%d: %v", e.SubscriptionID, e.Stream, e.Position, e.Err)
}

// Unwrap returns the handler's error.
func (e *HandlerError) Unwrap() error { return e.Err }
