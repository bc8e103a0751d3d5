package actorstore

import (
	"context"
	"errors"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// Snapshot is a stream's state folded up to Version, encoded by the user
// (see SaveSnapshot; entities take their own, see Entity).
type Snapshot = eventstore.Snapshot

// SaveSnapshot stores snap as the newest snapshot of snap.Stream, for users
// who fold a stream's state themselves. A store keeps one snapshot per
// stream: a save at a lower version than the stored one does nothing, one
// at the same version replaces it. The stream must hold an event at
// snap.Version. Errors carry the trace ID: *InputError (a bad snapshot, or
// a version the stream does not have; nothing stored), *ConnectionError,
// ErrClosed.
func (s *Store) SaveSnapshot(ctx context.Context, snap Snapshot) error {
	ctx, trace := eventstore.EnsureTraceID(ctx)
	ss, err := s.snapshots()
	if err == nil {
		err = ss.SaveSnapshot(ctx, snap)
	}
	return eventstore.AttachTraceID(err, trace)
}

// LoadSnapshot returns the newest snapshot of stream and true, or false
// when none is stored. The caller folds the events after snap.Version
// (ReadStream from snap.Version+1) and ignores a snapshot whose
// SchemaVersion it cannot decode.
func (s *Store) LoadSnapshot(ctx context.Context, stream string) (Snapshot, bool, error) {
	ctx, trace := eventstore.EnsureTraceID(ctx)
	ss, err := s.snapshots()
	if err != nil {
		return Snapshot{}, false, eventstore.AttachTraceID(err, trace)
	}
	snap, ok, err := ss.LoadSnapshot(ctx, stream)
	return snap, ok, eventstore.AttachTraceID(err, trace)
}

func (s *Store) snapshots() (persistence.SnapshotStore, error) {
	ss, ok := s.db.(persistence.SnapshotStore)
	if !ok {
		return nil, errors.New("actorstore: the store does not keep snapshots")
	}
	return ss, nil
}
