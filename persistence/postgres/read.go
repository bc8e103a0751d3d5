package postgres

import (
	"context"
	"math"
	"unicode/utf8"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
	"github.com/jackc/pgx/v5"
)

const eventColumns = `position, stream_id, version, event_id, type, schema_version, content_type,
data, metadata, created_at`

const (
	sqlStreamForward = `SELECT ` + eventColumns + ` FROM events
WHERE stream_id = $1 AND version >= $2 AND version >= ` + sqlLow + ` AND ` + sqlRetained + ` ORDER BY version LIMIT $3`
	sqlStreamBackward = `SELECT ` + eventColumns + ` FROM events
WHERE stream_id = $1 AND version <= $2 AND version >= ` + sqlLow + ` AND ` + sqlRetained + ` ORDER BY version DESC LIMIT $3`
	sqlStreamExists = `SELECT EXISTS (SELECT 1 FROM events WHERE stream_id = $1 AND version >= ` + sqlLow + ` AND ` + sqlRetained + `),
COALESCE((SELECT tombstone FROM stream_retention WHERE stream_id = $1), false)`
	sqlHead   = `SELECT version, last_position FROM streams WHERE stream_id = $1`
	sqlLookup = `SELECT ` + eventColumns + ` FROM events
WHERE stream_id = $1 AND event_id = ANY($2::uuid[]) ORDER BY version`
	sqlLastPosition  = `SELECT position FROM global_position`
	sqlCheckpoint    = `SELECT position FROM checkpoints WHERE name = $1`
	sqlSetCheckpoint = `INSERT INTO checkpoints (name, position, updated_at) VALUES ($1, $2, now())
ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at`
)

// Deleted events and events outside their stream's metadata
// (docs/lifecycle.md) are hidden from the reads until a scavenge removes
// them: stream_retention holds, per stream that has any, the newest deleted
// version, truncate-before, max-count and max-age. sqlRetained is true for
// an event of the events table inside its stream's retention; sqlLow is
// the lowest version stream $1 keeps (max-age aside), for the index.
const (
	sqlRetained = `NOT EXISTS (SELECT 1 FROM stream_retention r WHERE r.stream_id = events.stream_id AND (
  events.version <= r.through OR events.version < r.truncate_before
  OR (r.max_count > 0 AND events.version <= (SELECT s.version FROM streams s WHERE s.stream_id = r.stream_id) - r.max_count)
  OR (r.max_age_ms > 0 AND events.created_at < now() - r.max_age_ms * interval '1 millisecond')))`
	sqlLow = `COALESCE((SELECT GREATEST(r.through + 1, r.truncate_before, CASE WHEN r.max_count > 0
  THEN (SELECT s.version FROM streams s WHERE s.stream_id = $1) - r.max_count + 1 ELSE 1 END)
  FROM stream_retention r WHERE r.stream_id = $1), 1)`
)

// ReadStream implements persistence.Store.
func (s *Store) ReadStream(ctx context.Context, r eventstore.StreamRead) ([]eventstore.RecordedEvent, error) {
	if err := validateStreamRead(s.cfg.Limits, r); err != nil {
		return nil, err
	}
	query, from := sqlStreamForward, clamp(r.From)
	if r.Direction == eventstore.Backward {
		query = sqlStreamBackward
	}
	return runOp(ctx, s, "read_stream", IsTransient, func(ctx context.Context) ([]eventstore.RecordedEvent, error) {
		events, err := s.queryEvents(ctx, r.Limit, query, r.Stream, from, r.Limit)
		if err != nil || len(events) > 0 {
			return events, err
		}
		var exists, tombstone bool
		if err := s.pool.QueryRow(ctx, sqlStreamExists, r.Stream).Scan(&exists, &tombstone); err != nil {
			return nil, err
		}
		if tombstone {
			return nil, &eventstore.StreamDeletedError{Stream: r.Stream}
		}
		if !exists {
			return nil, &eventstore.StreamNotFoundError{Stream: r.Stream}
		}
		return []eventstore.RecordedEvent{}, nil
	})
}

func validateStreamRead(l eventstore.Limits, r eventstore.StreamRead) error {
	if err := l.ValidateStreamID("stream", r.Stream); err != nil {
		return err
	}
	return eventstore.ValidateLimit(r.Limit)
}

// ReadAll implements persistence.Store. The filter runs in SQL: a stream
// prefix becomes a range on the C-collated stream ID (index-friendly), the
// event types an = ANY on type.
func (s *Store) ReadAll(ctx context.Context, r eventstore.AllRead) ([]eventstore.RecordedEvent, error) {
	if err := eventstore.ValidateLimit(r.Limit); err != nil {
		return nil, err
	}
	query, args := allQuery(r)
	return runOp(ctx, s, "read_all", IsTransient, func(ctx context.Context) ([]eventstore.RecordedEvent, error) {
		return s.queryEvents(ctx, r.Limit, query, args...)
	})
}

// allQuery builds the ReadAll statement: one of a few fixed shapes, so
// each is prepared once per connection.
//
// The deletes and retentions of stream_retention hide events with a probe
// of that table per event (sqlRetained), which costs more than the index
// scan of the page itself. While the table has no row, no event is
// hidden, so the check is ORed behind an uncorrelated test of the table
// (ADR 0030, and ADR 0035 for this shape): PostgreSQL runs that test once
// per execution, in the statement's own snapshot (an InitPlan), and then
// skips the per-event probe for every row while the table is empty. The
// scan is one index scan either way, with no UNION ALL, Merge Append or
// second Limit above it.
func allQuery(r eventstore.AllRead) (string, []any) {
	args := []any{clamp(r.From), r.Limit}
	where, order := `position >= $1`, ` ORDER BY position LIMIT $2`
	if r.Direction == eventstore.Backward {
		where, order = `position <= $1`, ` ORDER BY position DESC LIMIT $2`
	}
	if p := r.Filter.StreamPrefix; p != "" {
		args = append(args, p)
		where += ` AND stream_id >= $3`
		if upper, ok := persistence.PrefixEnd(p); ok {
			args = append(args, upper)
			where += ` AND stream_id < $4`
		}
	}
	if len(r.Filter.EventTypes) > 0 {
		args = append(args, r.Filter.EventTypes)
		where += ` AND type = ANY($` + itoa(len(args)) + `::text[])`
	}
	return `SELECT ` + eventColumns + ` FROM events WHERE ` + where +
		` AND (NOT ` + sqlAnyRetention + ` OR ` + sqlRetained + `)` + order, args
}

// sqlAnyRetention is true when some stream has a retention row: an
// uncorrelated test the planner runs once per statement.
const sqlAnyRetention = `EXISTS (SELECT 1 FROM stream_retention)`

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// Head implements persistence.Store.
func (s *Store) Head(ctx context.Context, stream string) (eventstore.StreamHead, error) {
	if err := s.cfg.Limits.ValidateStreamID("stream", stream); err != nil {
		return eventstore.StreamHead{}, err
	}
	return runOp(ctx, s, "head", IsTransient, func(ctx context.Context) (eventstore.StreamHead, error) {
		h := eventstore.StreamHead{Stream: stream}
		var ver, pos int64
		err := s.pool.QueryRow(ctx, sqlHead, stream).Scan(&ver, &pos)
		if err == pgx.ErrNoRows {
			return h, nil
		}
		h.Version, h.LastPosition = uint64(ver), uint64(pos)
		return h, err
	})
}

// LookupEvents implements persistence.Store.
func (s *Store) LookupEvents(ctx context.Context, stream string, ids []eventstore.EventID) (
	[]eventstore.RecordedEvent, error) {
	if err := s.cfg.Limits.ValidateStreamID("stream", stream); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return []eventstore.RecordedEvent{}, nil
	}
	return runOp(ctx, s, "lookup_events", IsTransient, func(ctx context.Context) ([]eventstore.RecordedEvent, error) {
		return s.queryEvents(ctx, len(ids), sqlLookup, stream, ids)
	})
}

// LastPosition implements persistence.Store. The counter is committed with
// the events, so every position up to it is committed and visible.
func (s *Store) LastPosition(ctx context.Context) (eventstore.Position, error) {
	return runOp(ctx, s, "last_position", IsTransient, func(ctx context.Context) (uint64, error) {
		var pos int64
		err := s.pool.QueryRow(ctx, sqlLastPosition).Scan(&pos)
		return uint64(pos), err
	})
}

// Checkpoint implements persistence.Store.
func (s *Store) Checkpoint(ctx context.Context, name string) (eventstore.Position, bool, error) {
	if err := validateCheckpointName(name); err != nil {
		return 0, false, err
	}
	type found struct {
		pos uint64
		ok  bool
	}
	f, err := runOp(ctx, s, "checkpoint", IsTransient, func(ctx context.Context) (found, error) {
		var pos int64
		err := s.pool.QueryRow(ctx, sqlCheckpoint, name).Scan(&pos)
		if err == pgx.ErrNoRows {
			return found{}, nil
		}
		return found{uint64(pos), err == nil}, err
	})
	return f.pos, f.ok, err
}

// SetCheckpoint implements persistence.Store.
func (s *Store) SetCheckpoint(ctx context.Context, name string, pos eventstore.Position) error {
	if err := validateCheckpointName(name); err != nil {
		return err
	}
	if pos > math.MaxInt64 {
		return &eventstore.InputError{Field: "position", Rule: "max",
			Message: "position is out of range"}
	}
	_, err := runOp(ctx, s, "set_checkpoint", IsTransient, func(ctx context.Context) (struct{}, error) {
		_, err := s.pool.Exec(ctx, sqlSetCheckpoint, name, int64(pos))
		return struct{}{}, err
	})
	return err
}

func validateCheckpointName(name string) error {
	if name == "" || !utf8.ValidString(name) || len(name) > 512 {
		return &eventstore.InputError{Field: "name", Rule: "required",
			Message: "checkpoint name must be 1 to 512 bytes of UTF-8"}
	}
	for i := 0; i < len(name); i++ {
		if name[i] == 0 {
			return &eventstore.InputError{Field: "name", Rule: "utf8",
				Message: "checkpoint name must not contain NUL bytes"}
		}
	}
	return nil
}

// queryEvents runs a query selecting eventColumns that returns at most
// limit rows.
func (s *Store) queryEvents(ctx context.Context, limit int, query string, args ...any) ([]eventstore.RecordedEvent, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collectEvents(rows, limit)
}

// clamp maps a uint64 version or position (End is MaxUint64) to bigint.
func clamp(v uint64) int64 {
	if v > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(v)
}
