package storecopy

import (
	"errors"
	"fmt"
)

// TargetNotEmptyError is a copy into a store that already holds events,
// without Options.Resume. Nothing was written.
type TargetNotEmptyError struct {
	// LastPosition is the target's newest position.
	LastPosition uint64
}

func (e *TargetNotEmptyError) Error() string {
	return fmt.Sprintf("storecopy: the target is not empty (last position %d); resume a copy or choose an empty target",
		e.LastPosition)
}

// MismatchError is a target that does not hold what the copy expects: on
// resume, the target's events are not a prefix of the source's; during a
// copy through AppendBatch, an event got another position than in the
// source. Events before Position are copied.
type MismatchError struct {
	Position uint64
	Reason   string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("storecopy: target and source differ at position %d: %s", e.Position, e.Reason)
}

// ErrNoCheckpointList is a source that cannot list its checkpoints (it
// does not implement CheckpointLister); nothing was written.
var ErrNoCheckpointList = errors.New("storecopy: the source store cannot list its checkpoints")
