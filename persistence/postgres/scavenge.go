package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/actorstore/actorstore/persistence"
)

var _ persistence.Scavenger = (*Store)(nil)

// One scavenge step is one transaction: lock the retention row of the next
// stream with hidden events left (a metadata write or a delete of it waits
// for the step; appends never touch the row), delete up to a batch of its
// hidden events by the (stream_id, version) index, and record how far the
// stream is scavenged, so a later scavenge skips it in SQL.
const (
	sqlScavengeHidden = `GREATEST(r.through, r.truncate_before - 1,
  CASE WHEN r.max_count > 0 THEN COALESCE(s.version, 0) - r.max_count ELSE 0 END)`
	sqlScavengePick = `SELECT r.stream_id, ` + sqlScavengeHidden + `, r.max_age_ms, COALESCE(s.version, 0)
FROM stream_retention r LEFT JOIN streams s ON s.stream_id = r.stream_id
WHERE r.stream_id > $1 AND (r.max_age_ms > 0 OR r.scavenged < ` + sqlScavengeHidden + `)
ORDER BY r.stream_id LIMIT 1 FOR UPDATE OF r`
	sqlScavengeDelete = `WITH d AS (
  DELETE FROM events WHERE stream_id = $1 AND version IN (
    SELECT version FROM events WHERE stream_id = $1
      AND (version <= $2 OR ($3 > 0 AND created_at < now() - $3 * interval '1 millisecond'))
    ORDER BY version LIMIT $4)
  RETURNING version, octet_length(data) AS n)
SELECT count(*), COALESCE(sum(n), 0), COALESCE(max(version), 0) FROM d`
	sqlScavengeMark = `UPDATE stream_retention SET scavenged = GREATEST(scavenged, $2) WHERE stream_id = $1`
)

// ScavengeStep implements persistence.Scavenger.
func (s *Store) ScavengeStep(ctx context.Context, cursor string, limit int) (persistence.ScavengeStep, error) {
	limit = max(limit, 1)
	return runOp(ctx, s, "scavenge", IsTransient, func(ctx context.Context) (persistence.ScavengeStep, error) {
		var st persistence.ScavengeStep
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) (err error) {
			st, err = scavengeTx(ctx, tx, cursor, limit)
			return err
		})
		return st, err
	})
}

func scavengeTx(ctx context.Context, tx pgx.Tx, cursor string, limit int) (persistence.ScavengeStep, error) {
	st := persistence.ScavengeStep{Cursor: cursor}
	var (
		stream                 string
		hidden, maxAgeMs, head int64
	)
	err := tx.QueryRow(ctx, sqlScavengePick, cursor).Scan(&stream, &hidden, &maxAgeMs, &head)
	if errors.Is(err, pgx.ErrNoRows) {
		st.Done = true
		return st, nil
	}
	if err != nil {
		return st, err
	}
	var newest int64
	if err := tx.QueryRow(ctx, sqlScavengeDelete, stream, hidden, maxAgeMs, limit).Scan(&st.Events, &st.Bytes, &newest); err != nil {
		return st, err
	}
	mark := newest
	if st.Events < int64(limit) { // nothing of it is left to remove now
		st.Streams, st.Cursor = 1, stream
		mark = max(mark, min(hidden, head)) // events appended later below a truncation are found again
	}
	_, err = tx.Exec(ctx, sqlScavengeMark, stream, mark)
	return st, err
}
