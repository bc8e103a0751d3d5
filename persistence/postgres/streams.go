package postgres

import (
	"context"
	"slices"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

var _ persistence.StreamLister = (*Store)(nil)

// The stream listing reads the streams table (one row per stream, its
// head) by its primary key, a C-collated (byte order) B-tree: each page is
// one range scan of the index from the cursor, bounded by the prefix's
// range and the limit. Four fixed shapes, so each is prepared once.
const (
	sqlStreamsAfter = `SELECT stream_id, version, last_position FROM streams
WHERE stream_id > $1 AND stream_id >= $2 ORDER BY stream_id LIMIT $3`
	sqlStreamsAfterUpTo = `SELECT stream_id, version, last_position FROM streams
WHERE stream_id > $1 AND stream_id >= $2 AND stream_id < $4 ORDER BY stream_id LIMIT $3`
	sqlStreamsBefore = `SELECT stream_id, version, last_position FROM streams
WHERE stream_id < $1 AND stream_id >= $2 ORDER BY stream_id DESC LIMIT $3`
	sqlStreamsBeforeUpTo = `SELECT stream_id, version, last_position FROM streams
WHERE stream_id < $1 AND stream_id >= $2 AND stream_id < $4 ORDER BY stream_id DESC LIMIT $3`
)

// ListStreams implements persistence.StreamLister.
func (s *Store) ListStreams(ctx context.Context, q persistence.StreamList) ([]eventstore.StreamHead, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	end, bounded := persistence.PrefixEnd(q.Prefix)
	query, cursor := sqlStreamsAfter, q.After
	if q.Before != "" {
		query, cursor = sqlStreamsBefore, q.Before
	}
	args := []any{cursor, q.Prefix, q.Limit}
	if bounded {
		query = map[string]string{sqlStreamsAfter: sqlStreamsAfterUpTo, sqlStreamsBefore: sqlStreamsBeforeUpTo}[query]
		args = append(args, end)
	}
	return runOp(ctx, s, "list_streams", IsTransient, func(ctx context.Context) ([]eventstore.StreamHead, error) {
		rows, err := s.pool.Query(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := make([]eventstore.StreamHead, 0, q.Limit)
		for rows.Next() {
			var h eventstore.StreamHead
			var ver, pos int64
			if err := rows.Scan(&h.Stream, &ver, &pos); err != nil {
				return nil, err
			}
			h.Version, h.LastPosition = uint64(ver), uint64(pos)
			out = append(out, h)
		}
		if q.Before != "" {
			slices.Reverse(out)
		}
		return out, rows.Err()
	})
}
