package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/google/uuid"
)

const (
	eventColumns  = `position, stream, version, event_id, type, schema_version, content_type, data, metadata, created`
	streamForward = `SELECT ` + eventColumns + ` FROM events WHERE stream = ?1 AND version >= ?2
  AND version >= ` + lowVersion + ` AND ` + retained + ` ORDER BY version LIMIT ?3`
	streamBackward = `SELECT ` + eventColumns + ` FROM events WHERE stream = ?1 AND version <= ?2
  AND version >= ` + lowVersion + ` AND ` + retained + ` ORDER BY version DESC LIMIT ?3`
	// Deleted events and events outside their stream's metadata
	// (docs/lifecycle.md) are hidden until a scavenge removes them:
	// stream_retention holds, per stream that has any, the newest deleted
	// version, truncate-before, max-count and max-age. retained is true
	// for an event inside its stream's retention; lowVersion is the lowest
	// version stream ?1 keeps (max-age aside), for the index.
	retained = `NOT EXISTS (SELECT 1 FROM stream_retention r WHERE r.stream = events.stream AND (
  events.version <= r.through OR events.version < r.truncate_before
  OR (r.max_count > 0 AND events.version <= (SELECT MAX(h.version) FROM events h WHERE h.stream = r.stream) - r.max_count)
  OR (r.max_age_ms > 0 AND events.created < ` + nowNanos + ` - r.max_age_ms * 1000000)))`
	lowVersion = `COALESCE((SELECT MAX(r.through + 1, r.truncate_before, CASE WHEN r.max_count > 0
  THEN (SELECT MAX(h.version) FROM events h WHERE h.stream = ?1) - r.max_count + 1 ELSE 1 END)
  FROM stream_retention r WHERE r.stream = ?1), 1)`
	// nowNanos is SQLite's clock in Unix nanoseconds (millisecond precision).
	nowNanos = `CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER) * 1000000`
	visible  = ` AND ` + retained
)

// ReadStream implements persistence.Store.
func (s *Store) ReadStream(ctx context.Context, r eventstore.StreamRead) ([]eventstore.RecordedEvent, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	if err := s.cfg.Limits.ValidateStreamID("stream", r.Stream); err != nil {
		return nil, s.fail(ctx, "read stream", 0, err)
	}
	if err := eventstore.ValidateLimit(r.Limit); err != nil {
		return nil, s.fail(ctx, "read stream", 0, err)
	}
	q := streamForward
	if r.Direction == eventstore.Backward {
		q = streamBackward
	}
	return run(ctx, s, "read stream", func(ctx context.Context) ([]eventstore.RecordedEvent, error) {
		return s.readTx(ctx, func(tx *sql.Tx) ([]eventstore.RecordedEvent, error) {
			evs, err := queryEvents(ctx, tx, q, r.Stream, clamp(r.From), r.Limit)
			if err != nil || len(evs) > 0 {
				return evs, err
			}
			if err := emptyStreamRead(ctx, tx, r.Stream); err != nil {
				return nil, err
			}
			return []eventstore.RecordedEvent{}, nil
		})
	})
}

// ReadAll implements persistence.Store. The filter is part of the query: a
// stream prefix is a range on the (stream, version) index, event types use
// the (type, position) index.
func (s *Store) ReadAll(ctx context.Context, r eventstore.AllRead) ([]eventstore.RecordedEvent, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	if err := eventstore.ValidateLimit(r.Limit); err != nil {
		return nil, s.fail(ctx, "read all", 0, err)
	}
	q, args := allQuery(r)
	return run(ctx, s, "read all", func(ctx context.Context) ([]eventstore.RecordedEvent, error) {
		return queryEvents(ctx, s.readers, q, args...)
	})
}

// allQuery builds the query of a ReadAll and its arguments.
func allQuery(r eventstore.AllRead) (string, []any) {
	var (
		where strings.Builder
		args  []any
	)
	if r.Direction == eventstore.Backward {
		where.WriteString(`position <= ?`)
	} else {
		where.WriteString(`position >= ?`)
	}
	args = append(args, clamp(r.From))
	if p := r.Filter.StreamPrefix; p != "" {
		// Stream IDs are valid UTF-8, which never holds the byte 0xFF, so
		// [p, p+"\xff") is exactly the set of IDs that start with p.
		where.WriteString(` AND stream >= ? AND stream < ?`)
		args = append(args, p, p+"\xff")
	}
	if len(r.Filter.EventTypes) > 0 {
		// One JSON parameter, not one per type: SQLite allows at most 32,766
		// parameters per statement, and a filter may name more types.
		types, _ := json.Marshal(r.Filter.EventTypes) // []string always marshals
		where.WriteString(` AND type IN (SELECT value FROM json_each(?))`)
		args = append(args, string(types))
	}
	order := `position`
	if r.Direction == eventstore.Backward {
		order = `position DESC`
	}
	args = append(args, r.Limit)
	return `SELECT ` + eventColumns + ` FROM events WHERE ` + where.String() + visible + ` ORDER BY ` + order + ` LIMIT ?`, args
}

// Head implements persistence.Store.
func (s *Store) Head(ctx context.Context, stream string) (eventstore.StreamHead, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return eventstore.StreamHead{}, err
	}
	defer leave()
	if err := s.cfg.Limits.ValidateStreamID("stream", stream); err != nil {
		return eventstore.StreamHead{}, s.fail(ctx, "head", 0, err)
	}
	return run(ctx, s, "head", func(ctx context.Context) (eventstore.StreamHead, error) {
		v, p, err := streamHead(ctx, s.readers, stream)
		return eventstore.StreamHead{Stream: stream, Version: v, LastPosition: p}, err
	})
}

// LookupEvents implements persistence.Store.
func (s *Store) LookupEvents(ctx context.Context, stream string, ids []eventstore.EventID) ([]eventstore.RecordedEvent, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	if err := s.cfg.Limits.ValidateStreamID("stream", stream); err != nil {
		return nil, s.fail(ctx, "lookup events", 0, err)
	}
	return run(ctx, s, "lookup events", func(ctx context.Context) ([]eventstore.RecordedEvent, error) {
		evs := []eventstore.RecordedEvent{}
		for rest := ids; len(rest) > 0; {
			chunk := rest[:min(len(rest), maxParams)]
			rest = rest[len(chunk):]
			args := []any{stream}
			for i := range chunk {
				args = append(args, chunk[i][:])
			}
			got, err := queryEvents(ctx, s.readers, `SELECT `+eventColumns+` FROM events
				WHERE stream = ? AND event_id IN (`+placeholders(len(chunk))+`)`, args...)
			if err != nil {
				return nil, err
			}
			evs = append(evs, got...)
		}
		slices.SortFunc(evs, func(a, b eventstore.RecordedEvent) int {
			return cmp.Compare(a.Version, b.Version)
		})
		return evs, nil
	})
}

// LastPosition implements persistence.Store.
func (s *Store) LastPosition(ctx context.Context) (eventstore.Position, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return 0, err
	}
	defer leave()
	return run(ctx, s, "last position", func(ctx context.Context) (eventstore.Position, error) {
		var p int64
		err := s.readers.QueryRowContext(ctx, sqlLastPosition).Scan(&p)
		return uint64(p), err
	})
}

// readTx runs fn in one read transaction, so its queries see one snapshot.
func (s *Store) readTx(ctx context.Context, fn func(*sql.Tx) ([]eventstore.RecordedEvent, error)) (
	[]eventstore.RecordedEvent, error) {
	tx, err := s.readers.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	return fn(tx)
}

func queryEvents(ctx context.Context, q querier, query string, args ...any) ([]eventstore.RecordedEvent, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	evs := []eventstore.RecordedEvent{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		evs = append(evs, e)
	}
	return evs, rows.Err()
}

func scanEvent(rows *sql.Rows) (eventstore.RecordedEvent, error) {
	var (
		e                     eventstore.RecordedEvent
		pos, ver, sv, created int64
		rawID                 []byte
		meta                  sql.NullString
	)
	err := rows.Scan(&pos, &e.Stream, &ver, &rawID, &e.Type, &sv, &e.ContentType, &e.Data, &meta, &created)
	if err != nil {
		return e, err
	}
	if e.ID, err = uuid.FromBytes(rawID); err != nil {
		return e, err
	}
	if e.Data == nil {
		e.Data = []byte{}
	}
	if meta.Valid && meta.String != "" {
		if err := json.Unmarshal([]byte(meta.String), &e.Metadata); err != nil {
			return e, err
		}
	}
	e.Position, e.Version, e.SchemaVersion = uint64(pos), uint64(ver), uint32(sv)
	e.Created = time.Unix(0, created).UTC()
	return e, nil
}
