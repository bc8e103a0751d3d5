package projections

import (
	"errors"
	"fmt"

	"github.com/actorstore/actorstore/eventstore"
)

// ErrNotFound: the store has no such projection (or version).
var ErrNotFound = errors.New("projection not found")

// NotFoundError names the projection (and version, when one was asked
// for) that the store does not know.
type NotFoundError struct {
	Name    string
	Version int
}

func (e *NotFoundError) Error() string {
	if e.Version == 0 {
		return fmt.Sprintf("projection %q not found", e.Name)
	}
	return fmt.Sprintf("projection %q version %d not found", e.Name, e.Version)
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// ErrorCode is eventstore.CodeInvalidInput: the caller named something
// that does not exist; retrying does not help.
func (e *NotFoundError) ErrorCode() eventstore.Code { return eventstore.CodeInvalidInput }

// HandlerError wraps the error (or panic) of a projection's handler.
type HandlerError struct {
	Name     string
	Version  int
	Position eventstore.Position // of the batch's first event
	Err      error
}

func (e *HandlerError) Error() string {
	return fmt.Sprintf("projection %q v%d: handler failed at position %d: %v", e.Name, e.Version, e.Position, e.Err)
}

func (e *HandlerError) Unwrap() error { return e.Err }
