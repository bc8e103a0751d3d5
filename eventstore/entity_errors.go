package eventstore

import (
	"errors"
	"fmt"
)

// Sentinels of entity failures; the typed errors below match them.
var (
	// ErrUnknownKind: no entity kind owns the stream of an Execute.
	// Its code is CodeInvalidInput.
	ErrUnknownKind = errors.New("no entity kind owns the stream")
	// ErrEntityFailed: the entity's code (handler, fold or state codec)
	// panicked or failed; the command wrote nothing and the state is
	// loaded again from the store before the next command.
	ErrEntityFailed = errors.New("entity code failed")
	// ErrRejected: the command handler refused the command; nothing was written.
	ErrRejected = errors.New("command rejected")
)

// UnknownKindError answers an Execute on a stream that no registered
// kind owns. It matches ErrUnknownKind and ErrInvalidInput.
type UnknownKindError struct {
	Stream string
}

func (e *UnknownKindError) Error() string {
	return fmt.Sprintf("no entity kind owns stream %q", e.Stream)
}

// Is makes errors.Is match ErrUnknownKind and ErrInvalidInput.
func (e *UnknownKindError) Is(target error) bool {
	return target == ErrUnknownKind || target == ErrInvalidInput
}

// ErrorCode implements Coder.
func (e *UnknownKindError) ErrorCode() Code { return CodeInvalidInput }

// RejectedError is a command the handler refused (it returned an error):
// nothing was written and the state is unchanged. Reason is the handler's
// error, so errors.As finds the user's own type. Its code is
// CodeValidation (not retryable: the same command on the same
// state is refused again).
type RejectedError struct {
	Stream  string
	Command string // the command's Go type
	Reason  error
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("%s rejected on %q: %v", e.Command, e.Stream, e.Reason)
}

// Unwrap returns the handler's error.
func (e *RejectedError) Unwrap() error { return e.Reason }

// Is makes errors.Is(err, ErrRejected) true.
func (e *RejectedError) Is(target error) bool { return target == ErrRejected }

// ErrorCode implements Coder.
func (e *RejectedError) ErrorCode() Code { return CodeValidation }

// EntityError is a failure of an entity's code while it served a command:
// the handler or the fold panicked, or the state codec failed. The command
// wrote nothing (Written false), or, when the fold of its committed events
// failed, it was written and its events are folded again from the store
// (Written true). The entity's state is dropped and loaded again from the
// store before its next command. Its code is CodeInternal.
type EntityError struct {
	Stream  string
	Command string // the command's Go type ("" when loading the state failed)
	Op      string // "handle", "fold", "decode snapshot"
	Written bool
	Err     error // the panic value as an error, or the codec's error
}

func (e *EntityError) Error() string {
	w := "nothing written"
	if e.Written {
		w = "its events were written"
	}
	return fmt.Sprintf("entity %q: %s failed for %s (%s): %v", e.Stream, e.Op, e.Command, w, e.Err)
}

// Unwrap returns the cause.
func (e *EntityError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrEntityFailed) true.
func (e *EntityError) Is(target error) bool { return target == ErrEntityFailed }

// ErrorCode implements Coder.
func (e *EntityError) ErrorCode() Code { return CodeInternal }
