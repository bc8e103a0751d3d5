package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Phase 2 with COPY: take the positions (and the counter lock), COPY the
// events, then move heads, notify and COMMIT in one round trip.
const (
	sqlTakePositions = `UPDATE global_position SET position = position + $1::bigint
RETURNING position - $1::bigint, now()`
	sqlFinishCopy = `WITH h AS (
  UPDATE streams SET version = x.version, last_position = $1::bigint + x.last_ord
  FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS x(stream_id, version, last_ord)
  WHERE streams.stream_id = x.stream_id
), d AS (
  DELETE FROM streams WHERE stream_id = ANY($5::text[]) AND version = 0 AND NOT tombstone
)
SELECT $1::bigint, pg_notify($6, ($1::bigint + $7::bigint)::text)`
)

var copyColumns = []string{"position", "stream_id", "version", "event_id", "type",
	"schema_version", "content_type", "data", "metadata", "created_at"}

// writeCopy is phase 2 for large batches (Config.CopyThreshold events or
// more): it inserts the events with COPY instead of one unnest INSERT. COPY
// inserts rows in bulk (heap_multi_insert) and is faster for large batches,
// but needs the positions before it starts, so it costs two more round
// trips while the counter is locked; small batches keep the one-round-trip
// write. docs/benchmarks.md has the measurements.
func writeCopy(ctx context.Context, conn *pgxpool.Conn, w *writeSet, channel string) (int64, error) {
	var (
		base int64
		now  time.Time
	)
	if err := conn.QueryRow(ctx, sqlTakePositions, int64(len(w.ids))).Scan(&base, &now); err != nil {
		return 0, err
	}
	rows := pgx.CopyFromSlice(len(w.ids), func(i int) ([]any, error) {
		var meta []byte
		if w.metadata[i] != "" {
			meta = []byte(w.metadata[i])
		}
		return []any{base + int64(i) + 1, w.streams[i], w.versions[i], w.ids[i], w.types[i],
			w.schemaVersions[i], w.contentTypes[i], w.data[i], meta, now}, nil
	})
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"events"}, copyColumns, rows); err != nil {
		return 0, err
	}
	if w.dropStreams == nil {
		w.dropStreams = []string{}
	}
	b := &pgx.Batch{}
	b.Queue(sqlFinishCopy, base, w.headStreams, w.headVersions, w.headLastOrd, w.dropStreams,
		channel, int64(len(w.ids)))
	b.Queue("COMMIT")
	return sendFinish(conn.SendBatch(ctx, b))
}
