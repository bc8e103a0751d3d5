package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

var _ persistence.SnapshotStore = (*Store)(nil)

const (
	// sqlSaveSnapshot stores a snapshot when the stream holds an event at
	// its version that is not deleted, and never replaces a newer one.
	sqlSaveSnapshot = `INSERT INTO snapshots (stream, version, schema_version, state, created)
SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM events WHERE stream = ?1 AND version = ?2)
  AND NOT EXISTS (SELECT 1 FROM stream_retention WHERE stream = ?1 AND through >= ?2)
ON CONFLICT (stream) DO UPDATE SET version = excluded.version, schema_version = excluded.schema_version,
    state = excluded.state, created = excluded.created
WHERE snapshots.version <= excluded.version`
	sqlHasVersion   = `SELECT EXISTS (SELECT 1 FROM events WHERE stream = ? AND version = ?)`
	sqlLoadSnapshot = `SELECT version, schema_version, state, created FROM snapshots WHERE stream = ?`
)

// SaveSnapshot implements persistence.SnapshotStore. It is durable when it returns.
func (s *Store) SaveSnapshot(ctx context.Context, snap eventstore.Snapshot) error {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return err
	}
	defer leave()
	if err := s.cfg.Limits.ValidateSnapshot(snap); err != nil {
		return s.fail(ctx, "save snapshot", 0, err)
	}
	if snap.Version > math.MaxInt64 {
		return persistence.SnapshotBeyondHead(snap)
	}
	state := snap.State
	if state == nil {
		state = []byte{}
	}
	_, err = run(ctx, s, "save snapshot", func(ctx context.Context) (struct{}, error) {
		res, err := s.writer.ExecContext(ctx, sqlSaveSnapshot, snap.Stream, int64(snap.Version),
			int64(snap.SchemaVersion), state, time.Now().UnixNano())
		if err != nil {
			return struct{}{}, err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return struct{}{}, err
		}
		var has bool
		if err := s.readers.QueryRowContext(ctx, sqlHasVersion, snap.Stream, int64(snap.Version)).Scan(&has); err != nil {
			return struct{}{}, err
		}
		if !has {
			return struct{}{}, persistence.SnapshotBeyondHead(snap)
		}
		return struct{}{}, nil // a newer snapshot is stored
	})
	return err
}

// LoadSnapshot implements persistence.SnapshotStore.
func (s *Store) LoadSnapshot(ctx context.Context, stream string) (eventstore.Snapshot, bool, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return eventstore.Snapshot{}, false, err
	}
	defer leave()
	if err := s.cfg.Limits.ValidateStreamID("stream", stream); err != nil {
		return eventstore.Snapshot{}, false, s.fail(ctx, "load snapshot", 0, err)
	}
	type found struct {
		snap eventstore.Snapshot
		ok   bool
	}
	f, err := run(ctx, s, "load snapshot", func(ctx context.Context) (found, error) {
		var version, schema, created int64
		var state []byte
		err := s.readers.QueryRowContext(ctx, sqlLoadSnapshot, stream).Scan(&version, &schema, &state, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return found{}, nil
		}
		snap := eventstore.Snapshot{Stream: stream, Version: uint64(version), SchemaVersion: uint32(schema),
			State: state, Created: time.Unix(0, created)}
		return found{snap, err == nil}, err
	})
	return f.snap, f.ok, err
}
