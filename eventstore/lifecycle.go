package eventstore

import (
	"errors"
	"fmt"
)

// ErrStreamDeleted: the stream was deleted for good (a hard delete, a
// tombstone); every later append and read of it fails with a
// *StreamDeletedError.
var ErrStreamDeleted = errors.New("stream deleted")

// DeleteRequest deletes one stream if Expected holds, like an append
// checks its expectation.
//
// A soft delete (Hard false) hides every event the stream has now: reads,
// ReadAll and subscriptions no longer return them, the stream reads as not
// found, and a later append continues after the old last version (versions
// are never reused). A hard delete leaves a tombstone: the stream's events
// are hidden and every later append or read fails with a
// *StreamDeletedError. Either way the stream's snapshots are removed; the
// events themselves are removed from disk by a scavenge.
type DeleteRequest struct {
	Stream   string
	Expected ExpectedVersion
	Hard     bool
}

// DeleteResult is what a delete did.
type DeleteResult struct {
	Stream string
	// Version is the stream's version when it was deleted: every event up
	// to it is hidden (0 for a stream that had none, hard-deleted only).
	Version Version
	Hard    bool
}

// StreamDeletedError reports an append to, a read of, or a delete of a
// stream that was hard-deleted (it has a tombstone).
type StreamDeletedError struct {
	Stream string
}

func (e *StreamDeletedError) Error() string {
	return fmt.Sprintf("stream %q is deleted (tombstone)", e.Stream)
}

// Is makes errors.Is(err, ErrStreamDeleted) true.
func (e *StreamDeletedError) Is(target error) bool { return target == ErrStreamDeleted }

// ErrorCode is CodeStreamDeleted.
func (e *StreamDeletedError) ErrorCode() Code { return CodeStreamDeleted }

// ValidateDelete checks a DeleteRequest before any I/O.
func (l Limits) ValidateDelete(r DeleteRequest) error {
	return l.WithDefaults().ValidateStreamID("stream", r.Stream)
}
