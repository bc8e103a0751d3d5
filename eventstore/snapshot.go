package eventstore

import "time"

// Snapshot is the folded state of a stream at a version, in bytes the
// user's codec wrote. Entities (the streams package) take and read them;
// users who fold state themselves save and load them directly.
type Snapshot struct {
	// Stream is the stream the state was folded from.
	Stream string
	// Version is the last event folded into State (at least 1).
	Version Version
	// SchemaVersion is the version of State's encoding, chosen by the user;
	// a reader that expects another one ignores the snapshot.
	SchemaVersion uint32
	// State is the encoded state. It may be empty.
	State []byte
	// Created is when the snapshot was stored (set by the store).
	Created time.Time
}

// MaxSnapshotBytes is the largest State a store accepts.
const MaxSnapshotBytes = 64 << 20

// ValidateSnapshot checks a snapshot before it is stored: a valid stream
// ID, a version of at least 1 and a state of at most MaxSnapshotBytes. It
// returns an *InputError naming the field.
func (l Limits) ValidateSnapshot(s Snapshot) error {
	if err := l.ValidateStreamID("stream", s.Stream); err != nil {
		return err
	}
	switch {
	case s.Version < 1:
		return &InputError{Field: "version", Rule: "min", Message: "a snapshot is taken at version 1 or later"}
	case len(s.State) > MaxSnapshotBytes:
		return &InputError{Field: "state", Rule: "max_bytes", Message: "snapshot state is larger than MaxSnapshotBytes"}
	}
	return nil
}
