package persistence

import (
	"context"

	"github.com/actorstore/actorstore/eventstore"
)

// SnapshotStore keeps the newest snapshot of each stream. Both backends
// implement it (storetest.Run checks them); it is a separate interface so
// that the event contract of Store stays as it is. Safe for concurrent use.
type SnapshotStore interface {
	// SaveSnapshot stores s as the stream's newest snapshot, unless a
	// snapshot at a higher version is stored already (then it does nothing
	// and returns nil: snapshots never go back). A snapshot at the same
	// version replaces the stored one (a new state schema). The stream must
	// hold an event at s.Version; otherwise, or when s is malformed
	// (eventstore.Limits.ValidateSnapshot), it returns an *InputError and
	// stores nothing. Created is set by the store.
	SaveSnapshot(ctx context.Context, s eventstore.Snapshot) error

	// LoadSnapshot returns the stream's newest snapshot and true, or false
	// when it has none.
	LoadSnapshot(ctx context.Context, stream string) (eventstore.Snapshot, bool, error)
}

// SnapshotBeyondHead is the InputError of a snapshot at a version the
// stream does not have.
func SnapshotBeyondHead(s eventstore.Snapshot) error {
	return &eventstore.InputError{Field: "version", Rule: "stored",
		Message: "the stream has no event at the snapshot's version"}
}
