package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

const (
	retentionColumns = `COALESCE(r.through, 0), COALESCE(r.tombstone, false), COALESCE(r.meta_version, 0),
COALESCE(r.truncate_before, 0), COALESCE(r.max_age_ms, 0), COALESCE(r.max_count, 0)`
	// sqlHeadRetention reads a stream's head and retention in one round trip.
	sqlHeadRetention = `SELECT COALESCE(s.version, 0), COALESCE(s.last_position, 0), ` + retentionColumns + `
FROM (SELECT $1::text COLLATE "C" AS id) x
LEFT JOIN streams s ON s.stream_id = x.id LEFT JOIN stream_retention r ON r.stream_id = x.id`
	sqlRetentionCreate = `INSERT INTO stream_retention (stream_id) VALUES ($1) ON CONFLICT (stream_id) DO NOTHING`
	sqlRetentionLock   = `SELECT ` + retentionColumns + ` FROM stream_retention r WHERE r.stream_id = $1 FOR UPDATE`
	sqlMetadataSet     = `UPDATE stream_retention SET meta_version = meta_version + 1, truncate_before = $2,
    max_age_ms = $3, max_count = $4, meta_set_at = now() WHERE stream_id = $1 RETURNING meta_version`
	sqlMetadata = `SELECT ` + retentionColumns + ` FROM stream_retention r WHERE r.stream_id = $1`
)

// retentionRow receives retentionColumns.
type retentionRow struct {
	through, metaVersion, truncate, maxAgeMs, maxCount int64
	tombstone                                          bool
}

func (w *retentionRow) dest() []any {
	return []any{&w.through, &w.tombstone, &w.metaVersion, &w.truncate, &w.maxAgeMs, &w.maxCount}
}

func (w *retentionRow) retention() persistence.Retention {
	return persistence.Retention{Through: uint64(w.through), Tombstone: w.tombstone,
		MetaVersion: uint64(w.metaVersion), Meta: eventstore.StreamMetadata{TruncateBefore: uint64(w.truncate),
			MaxAge: time.Duration(w.maxAgeMs) * time.Millisecond, MaxCount: uint64(w.maxCount)}}
}

// HeadRetention implements persistence.StreamDeleter.
func (s *Store) HeadRetention(ctx context.Context, stream string) (eventstore.StreamHead, persistence.Retention, error) {
	if err := s.cfg.Limits.ValidateStreamID("stream", stream); err != nil {
		return eventstore.StreamHead{}, persistence.Retention{}, err
	}
	type both struct {
		h eventstore.StreamHead
		r persistence.Retention
	}
	b, err := runOp(ctx, s, "head_retention", IsTransient, func(ctx context.Context) (both, error) {
		var (
			ver, pos int64
			row      retentionRow
		)
		err := s.pool.QueryRow(ctx, sqlHeadRetention, stream).Scan(append([]any{&ver, &pos}, row.dest()...)...)
		return both{eventstore.StreamHead{Stream: stream, Version: uint64(ver), LastPosition: uint64(pos)}, row.retention()}, err
	})
	return b.h, b.r, err
}

// SetStreamMetadata implements persistence.StreamDeleter: one transaction
// that locks the stream's retention row (creating it), checks the
// expectation against the metadata's version and replaces the metadata.
func (s *Store) SetStreamMetadata(ctx context.Context, r eventstore.MetadataRequest) (eventstore.MetadataResult, error) {
	if err := s.cfg.Limits.ValidateMetadata(r); err != nil {
		return eventstore.MetadataResult{}, err
	}
	return runOp(ctx, s, "set_stream_metadata", IsTransient, func(ctx context.Context) (eventstore.MetadataResult, error) {
		res := eventstore.MetadataResult{Stream: r.Stream, Metadata: r.Metadata}
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, sqlRetentionCreate, r.Stream); err != nil {
				return err
			}
			var row retentionRow
			if err := tx.QueryRow(ctx, sqlRetentionLock, r.Stream).Scan(row.dest()...); err != nil {
				return err
			}
			if err := persistence.DecideMetadata(r, row.retention()); err != nil {
				return err
			}
			var v int64
			m := r.Metadata
			err := tx.QueryRow(ctx, sqlMetadataSet, r.Stream, int64(m.TruncateBefore), m.MaxAge.Milliseconds(),
				int64(m.MaxCount)).Scan(&v)
			res.Version = uint64(v)
			return err
		})
		return res, err
	})
}

// StreamMetadata implements persistence.StreamDeleter.
func (s *Store) StreamMetadata(ctx context.Context, stream string) (eventstore.MetadataResult, error) {
	if err := s.cfg.Limits.ValidateStreamID("stream", stream); err != nil {
		return eventstore.MetadataResult{}, err
	}
	return runOp(ctx, s, "stream_metadata", IsTransient, func(ctx context.Context) (eventstore.MetadataResult, error) {
		var row retentionRow
		err := s.pool.QueryRow(ctx, sqlMetadata, stream).Scan(row.dest()...)
		if errors.Is(err, pgx.ErrNoRows) {
			return eventstore.MetadataResult{Stream: stream}, nil
		}
		rt := row.retention()
		return eventstore.MetadataResult{Stream: stream, Metadata: rt.Meta, Version: rt.MetaVersion}, err
	})
}
