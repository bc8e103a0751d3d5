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
	sqlRetention = `SELECT through, tombstone, meta_version, truncate_before, max_age_ms, max_count
FROM stream_retention WHERE stream = ?`
	sqlDeleteMark = `INSERT INTO stream_retention (stream, through, tombstone, deleted) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (stream) DO UPDATE SET through = excluded.through, tombstone = excluded.tombstone,
    deleted = excluded.deleted`
	sqlDeleteSnapshot = `DELETE FROM snapshots WHERE stream = ?`
	sqlMetadataSet    = `INSERT INTO stream_retention (stream, meta_version, truncate_before, max_age_ms, max_count)
VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (stream) DO UPDATE SET meta_version = excluded.meta_version, truncate_before = excluded.truncate_before,
    max_age_ms = excluded.max_age_ms, max_count = excluded.max_count`
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
	d, err := retention(ctx, tx, r.Stream)
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

// SetStreamMetadata implements persistence.StreamDeleter.
func (s *Store) SetStreamMetadata(ctx context.Context, r eventstore.MetadataRequest) (eventstore.MetadataResult, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return eventstore.MetadataResult{}, err
	}
	defer leave()
	if err := s.cfg.Limits.ValidateMetadata(r); err != nil {
		return eventstore.MetadataResult{}, s.fail(ctx, "set stream metadata", 0, err)
	}
	return run(ctx, s, "set stream metadata", func(ctx context.Context) (eventstore.MetadataResult, error) {
		return inTurn(ctx, s, func(ctx context.Context) (eventstore.MetadataResult, error) { return s.metadataTx(ctx, r) })
	})
}

func (s *Store) metadataTx(ctx context.Context, r eventstore.MetadataRequest) (eventstore.MetadataResult, error) {
	res := eventstore.MetadataResult{Stream: r.Stream, Metadata: r.Metadata}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	d, err := retention(ctx, tx, r.Stream)
	if err != nil {
		return res, err
	}
	if err := persistence.DecideMetadata(r, d); err != nil {
		return res, err
	}
	res.Version = d.MetaVersion + 1
	m := r.Metadata
	if _, err := tx.ExecContext(ctx, sqlMetadataSet, r.Stream, int64(res.Version), int64(m.TruncateBefore),
		m.MaxAge.Milliseconds(), int64(m.MaxCount)); err != nil {
		return res, err
	}
	return res, tx.Commit()
}

// StreamMetadata implements persistence.StreamDeleter.
func (s *Store) StreamMetadata(ctx context.Context, stream string) (eventstore.MetadataResult, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return eventstore.MetadataResult{}, err
	}
	defer leave()
	if err := s.cfg.Limits.ValidateStreamID("stream", stream); err != nil {
		return eventstore.MetadataResult{}, s.fail(ctx, "stream metadata", 0, err)
	}
	return run(ctx, s, "stream metadata", func(ctx context.Context) (eventstore.MetadataResult, error) {
		d, err := retention(ctx, s.readers, stream)
		return eventstore.MetadataResult{Stream: stream, Metadata: d.Meta, Version: d.MetaVersion}, err
	})
}

// HeadRetention implements persistence.StreamDeleter.
func (s *Store) HeadRetention(ctx context.Context, stream string) (eventstore.StreamHead, persistence.Retention, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return eventstore.StreamHead{}, persistence.Retention{}, err
	}
	defer leave()
	if err := s.cfg.Limits.ValidateStreamID("stream", stream); err != nil {
		return eventstore.StreamHead{}, persistence.Retention{}, s.fail(ctx, "head retention", 0, err)
	}
	type both struct {
		h eventstore.StreamHead
		r persistence.Retention
	}
	b, err := run(ctx, s, "head retention", func(ctx context.Context) (both, error) {
		tx, err := s.readers.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return both{}, err
		}
		defer tx.Rollback() //nolint:errcheck // read-only
		v, p, err := streamHead(ctx, tx, stream)
		if err != nil {
			return both{}, err
		}
		d, err := retention(ctx, tx, stream)
		return both{eventstore.StreamHead{Stream: stream, Version: v, LastPosition: p}, d}, err
	})
	return b.h, b.r, err
}

func retention(ctx context.Context, q querier, stream string) (persistence.Retention, error) {
	var (
		d                                                  persistence.Retention
		through, metaVersion, truncate, maxAgeMs, maxCount int64
	)
	err := q.QueryRowContext(ctx, sqlRetention, stream).Scan(&through, &d.Tombstone, &metaVersion, &truncate,
		&maxAgeMs, &maxCount)
	if errors.Is(err, sql.ErrNoRows) {
		return d, nil
	}
	d.Through, d.MetaVersion = uint64(through), uint64(metaVersion)
	d.Meta = eventstore.StreamMetadata{TruncateBefore: uint64(truncate), MaxAge: time.Duration(maxAgeMs) * time.Millisecond,
		MaxCount: uint64(maxCount)}
	return d, err
}

// emptyStreamRead is the answer of a stream read that found no event: a
// tombstone (*StreamDeletedError), a stream with no visible event
// (*StreamNotFoundError), or an empty page (nil) past the stream's end.
func emptyStreamRead(ctx context.Context, tx *sql.Tx, stream string) error {
	d, err := retention(ctx, tx, stream)
	if err != nil {
		return err
	}
	if d.Tombstone {
		return &eventstore.StreamDeletedError{Stream: stream}
	}
	var visible bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE stream = ?1 AND version >= `+
		lowVersion+` AND `+retained+`)`, stream).Scan(&visible); err != nil {
		return err
	}
	if !visible {
		return &eventstore.StreamNotFoundError{Stream: stream}
	}
	return nil
}

// tombstoned reports whether stream has a tombstone; the append checks it
// under the write lock.
func tombstoned(ctx context.Context, q querier, stream string) (bool, error) {
	d, err := retention(ctx, q, stream)
	return d.Tombstone, err
}
