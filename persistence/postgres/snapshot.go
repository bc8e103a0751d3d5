package postgres

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

var _ persistence.SnapshotStore = (*Store)(nil)

const (
	// sqlSaveSnapshot stores a snapshot when the stream's head is at or
	// past its version and the version is not deleted, and never replaces
	// a newer one. FOR SHARE orders it with a delete, which locks the row,
	// sets deleted_through and drops the snapshot: a snapshot of deleted
	// events is never left behind.
	sqlSaveSnapshot = `INSERT INTO snapshots (stream_id, version, schema_version, state, created_at)
SELECT $1, $2, $3, $4, now() FROM streams WHERE stream_id = $1 AND version >= $2 AND deleted_through < $2
FOR SHARE
ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, schema_version = EXCLUDED.schema_version,
    state = EXCLUDED.state, created_at = EXCLUDED.created_at
WHERE snapshots.version <= EXCLUDED.version`
	sqlStreamVersion = `SELECT version FROM streams WHERE stream_id = $1`
	sqlLoadSnapshot  = `SELECT version, schema_version, state, created_at FROM snapshots WHERE stream_id = $1`
)

// SaveSnapshot implements persistence.SnapshotStore.
func (s *Store) SaveSnapshot(ctx context.Context, snap eventstore.Snapshot) error {
	if err := s.cfg.Limits.ValidateSnapshot(snap); err != nil {
		return err
	}
	if snap.Version > math.MaxInt64 {
		return persistence.SnapshotBeyondHead(snap)
	}
	state := snap.State
	if state == nil {
		state = []byte{}
	}
	_, err := runOp(ctx, s, "save_snapshot", IsTransient, func(ctx context.Context) (struct{}, error) {
		tag, err := s.pool.Exec(ctx, sqlSaveSnapshot, snap.Stream, int64(snap.Version), int64(snap.SchemaVersion), state)
		if err != nil || tag.RowsAffected() > 0 {
			return struct{}{}, err
		}
		var head int64
		err = s.pool.QueryRow(ctx, sqlStreamVersion, snap.Stream).Scan(&head)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && uint64(head) < snap.Version) {
			return struct{}{}, persistence.SnapshotBeyondHead(snap)
		}
		return struct{}{}, err // a newer snapshot is stored
	})
	return err
}

// LoadSnapshot implements persistence.SnapshotStore.
func (s *Store) LoadSnapshot(ctx context.Context, stream string) (eventstore.Snapshot, bool, error) {
	if err := s.cfg.Limits.ValidateStreamID("stream", stream); err != nil {
		return eventstore.Snapshot{}, false, err
	}
	type found struct {
		snap eventstore.Snapshot
		ok   bool
	}
	f, err := runOp(ctx, s, "load_snapshot", IsTransient, func(ctx context.Context) (found, error) {
		var (
			version, schema int64
			state           []byte
			created         time.Time
		)
		err := s.pool.QueryRow(ctx, sqlLoadSnapshot, stream).Scan(&version, &schema, &state, &created)
		if errors.Is(err, pgx.ErrNoRows) {
			return found{}, nil
		}
		snap := eventstore.Snapshot{Stream: stream, Version: uint64(version), SchemaVersion: uint32(schema),
			State: state, Created: created}
		return found{snap, err == nil}, err
	})
	return f.snap, f.ok, err
}
