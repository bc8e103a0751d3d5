package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

var _ persistence.StreamDeleter = (*Store)(nil)

const (
	sqlDeletion   = `SELECT through, tombstone FROM stream_deletes WHERE stream = ?`
	sqlDeleteMark = `INSERT INTO stream_deletes (stream, through, tombstone, deleted) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (stream) DO UPDATE SET through = excluded.through, tombstone = excluded.tombstone,
    deleted = excluded.deleted`
	sqlDeleteSnapshot = `DELETE FROM snapshots WHERE stream = ?`
)

// DeleteStream implements persistence.StreamDeleter: one write transaction
// on the single writer connection, so it is ordered with every append.
func (s *Store) DeleteStream(ctx context.Context, r eventstore.DeleteRequest) (eventstore.DeleteResult, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return eventstore.DeleteResult{}, err
	}
	defer leave()
	if err := s.cfg.Limits.ValidateDelete(r); err != nil {
		return eventstore.DeleteResult{}, s.fail(ctx, "delete stream", 0, err)
	}
	return run(ctx, s, "delete stream", func(ctx context.Context) (eventstore.DeleteResult, error) {
		return inTurn(ctx, s, func(ctx context.Context) (eventstore.DeleteResult, error) { return s.deleteTx(ctx, r) })
	})
}

func (s *Store) deleteTx(ctx context.Context, r eventstore.DeleteRequest) (eventstore.DeleteResult, error) {
	res := eventstore.DeleteResult{Stream: r.Stream, Hard: r.Hard}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	version, _, err := streamHead(ctx, tx, r.Stream)
	if err != nil {
		return res, err
	}
	d, err := deletion(ctx, tx, r.Stream)
	if err != nil {
		return res, err
	}
	res.Version = version
	if err := persistence.DecideDelete(r, version, d); err != nil {
		return res, err
	}
	if !r.Hard && d.Through == version {
		return res, nil // nothing left to hide
	}
	if _, err := tx.ExecContext(ctx, sqlDeleteMark, r.Stream, int64(version), r.Hard, time.Now().UnixNano()); err != nil {
		return res, err
	}
	if _, err := tx.ExecContext(ctx, sqlDeleteSnapshot, r.Stream); err != nil {
		return res, err
	}
	return res, tx.Commit()
}

// Deletion implements persistence.StreamDeleter.
func (s *Store) Deletion(ctx context.Context, stream string) (persistence.Deletion, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return persistence.Deletion{}, err
	}
	defer leave()
	if err := s.cfg.Limits.ValidateStreamID("stream", stream); err != nil {
		return persistence.Deletion{}, s.fail(ctx, "deletion", 0, err)
	}
	return run(ctx, s, "deletion", func(ctx context.Context) (persistence.Deletion, error) {
		return deletion(ctx, s.readers, stream)
	})
}

func deletion(ctx context.Context, q querier, stream string) (persistence.Deletion, error) {
	var (
		d       persistence.Deletion
		through int64
	)
	err := q.QueryRowContext(ctx, sqlDeletion, stream).Scan(&through, &d.Tombstone)
	if errors.Is(err, sql.ErrNoRows) {
		return d, nil
	}
	d.Through = uint64(through)
	return d, err
}

// emptyStreamRead is the answer of a stream read that found no event: a
// tombstone (*StreamDeletedError), a stream with no visible event
// (*StreamNotFoundError), or an empty page past the stream's end.
func emptyStreamRead(ctx context.Context, tx *sql.Tx, stream string) error {
	d, err := deletion(ctx, tx, stream)
	if err != nil {
		return err
	}
	if d.Tombstone {
		return &eventstore.StreamDeletedError{Stream: stream}
	}
	head, _, err := streamHead(ctx, tx, stream)
	if err != nil {
		return err
	}
	if head <= d.Through {
		return &eventstore.StreamNotFoundError{Stream: stream}
	}
	return nil
}

// tombstoned reports whether stream has a tombstone; the append checks it
// under the write lock.
func tombstoned(ctx context.Context, q querier, stream string) (bool, error) {
	d, err := deletion(ctx, q, stream)
	return d.Tombstone, err
}
