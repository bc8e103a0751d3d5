package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/actorstore/actorstore/persistence"
)

var _ persistence.Scavenger = (*Store)(nil)

// A scavenge step is one write transaction in the single writer's turn,
// bounded by its batch, so appends wait for at most one batch. Positions
// are the newest event's plus one here: the newest removed position is
// kept (removed_position), and so is the newest removed version and
// position of each stream (stream_retention.scavenged*), for a stream
// whose every event is removed (streamHead).
const (
	scavengeHidden = `MAX(r.through, r.truncate_before - 1,
  CASE WHEN r.max_count > 0 THEN COALESCE((SELECT MAX(h.version) FROM events h WHERE h.stream = r.stream), r.scavenged) - r.max_count ELSE 0 END)`
	sqlScavengePick = `SELECT r.stream, ` + scavengeHidden + `, r.max_age_ms,
  COALESCE((SELECT MAX(h.version) FROM events h WHERE h.stream = r.stream), r.scavenged) FROM stream_retention r
WHERE r.stream > ?1 AND (r.max_age_ms > 0 OR r.scavenged < ` + scavengeHidden + `)
ORDER BY r.stream LIMIT 1`
	sqlScavengeVictims = `SELECT version, position, length(data) FROM events WHERE stream = ?1
  AND (version <= ?2 OR (?3 > 0 AND created < ` + nowNanos + ` - ?3 * 1000000))
ORDER BY version LIMIT ?4`
	sqlScavengeDelete = `DELETE FROM events WHERE stream = ?1 AND version >= ?2 AND version <= ?3`
	sqlScavengeMark   = `UPDATE stream_retention SET scavenged = MAX(scavenged, ?2),
    scavenged_position = CASE WHEN ?3 > scavenged_position THEN ?3 ELSE scavenged_position END WHERE stream = ?1`
	sqlRemovedPosition = `INSERT INTO removed_position (id, position) VALUES (1, ?1)
ON CONFLICT (id) DO UPDATE SET position = MAX(position, excluded.position)`
)

// ScavengeStep implements persistence.Scavenger.
func (s *Store) ScavengeStep(ctx context.Context, cursor string, limit int) (persistence.ScavengeStep, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return persistence.ScavengeStep{}, err
	}
	defer leave()
	limit = max(limit, 1)
	return run(ctx, s, "scavenge", func(ctx context.Context) (persistence.ScavengeStep, error) {
		return inTurn(ctx, s, func(ctx context.Context) (persistence.ScavengeStep, error) {
			return s.scavengeTx(ctx, cursor, limit)
		})
	})
}

func (s *Store) scavengeTx(ctx context.Context, cursor string, limit int) (persistence.ScavengeStep, error) {
	st := persistence.ScavengeStep{Cursor: cursor}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return st, err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	var (
		stream                 string
		hidden, maxAgeMs, head int64
	)
	err = tx.QueryRowContext(ctx, sqlScavengePick, cursor).Scan(&stream, &hidden, &maxAgeMs, &head)
	if errors.Is(err, sql.ErrNoRows) {
		st.Done = true
		return st, nil
	}
	if err != nil {
		return st, err
	}
	first, last, lastPos, err := scavengeVictims(ctx, tx, &st, stream, hidden, maxAgeMs, limit)
	if err != nil {
		return st, err
	}
	if st.Events > 0 {
		// The victims are a run of versions: hidden versions are a prefix
		// of the stream (max-age aside, whose expired events are too:
		// commit times grow with versions).
		if _, err := tx.ExecContext(ctx, sqlScavengeDelete, stream, first, last); err != nil {
			return st, err
		}
		if _, err := tx.ExecContext(ctx, sqlRemovedPosition, lastPos); err != nil {
			return st, err
		}
	}
	mark := last
	if st.Events < int64(limit) {
		st.Streams, st.Cursor = 1, stream
		mark = max(mark, min(hidden, head)) // events appended later below a truncation are found again
	}
	if _, err := tx.ExecContext(ctx, sqlScavengeMark, stream, mark, lastPos); err != nil {
		return st, err
	}
	return st, tx.Commit()
}

// scavengeVictims finds the events one step removes and counts them into st.
func scavengeVictims(ctx context.Context, tx *sql.Tx, st *persistence.ScavengeStep, stream string,
	hidden, maxAgeMs int64, limit int) (first, last, lastPos int64, err error) {
	rows, err := tx.QueryContext(ctx, sqlScavengeVictims, stream, hidden, maxAgeMs, limit)
	if err != nil {
		return 0, 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var v, p, n int64
		if err := rows.Scan(&v, &p, &n); err != nil {
			return 0, 0, 0, err
		}
		if st.Events == 0 {
			first = v
		}
		last, lastPos = v, p
		st.Events++
		st.Bytes += n
	}
	return first, last, lastPos, rows.Err()
}
