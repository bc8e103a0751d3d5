package sqlite

import (
	"context"
	"strings"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

var _ persistence.StreamLister = (*Store)(nil)

// The embedded store has no table of streams: the stream IDs are the
// leading column of the (stream, version) index. A recursive query walks
// that index one stream at a time (a skip scan: each step is one seek to
// the next distinct ID), so a page of n streams costs about 2n seeks,
// whatever the number of events of each stream or of streams before the
// cursor; the head of each is its MAX(version), one more seek.
const (
	// ?1 the first ID's bound (the seed's operator is spliced in), ?2 the
	// page size, ?3 the prefix's end or NULL.
	sqlStreamsForward = `WITH RECURSIVE s(stream) AS (
  SELECT (SELECT stream FROM events WHERE stream %s ?1 ORDER BY stream LIMIT 1)
  UNION ALL
  SELECT (SELECT e.stream FROM events e WHERE e.stream > s.stream ORDER BY e.stream LIMIT 1)
    FROM s WHERE s.stream IS NOT NULL AND (?3 IS NULL OR s.stream < ?3)
  LIMIT ?2
)
SELECT h.stream, h.version, h.position FROM s JOIN events h
  ON h.stream = s.stream AND h.version = (SELECT MAX(m.version) FROM events m WHERE m.stream = s.stream)
WHERE s.stream IS NOT NULL AND (?3 IS NULL OR s.stream < ?3)
ORDER BY h.stream`
	// ?1 the exclusive upper bound, ?2 the page size, ?3 the prefix.
	sqlStreamsBackward = `WITH RECURSIVE s(stream) AS (
  SELECT (SELECT stream FROM events WHERE stream < ?1 ORDER BY stream DESC LIMIT 1)
  UNION ALL
  SELECT (SELECT e.stream FROM events e WHERE e.stream < s.stream ORDER BY e.stream DESC LIMIT 1)
    FROM s WHERE s.stream IS NOT NULL AND s.stream >= ?3
  LIMIT ?2
)
SELECT h.stream, h.version, h.position FROM s JOIN events h
  ON h.stream = s.stream AND h.version = (SELECT MAX(m.version) FROM events m WHERE m.stream = s.stream)
WHERE s.stream IS NOT NULL AND s.stream >= ?3
ORDER BY h.stream`
)

var (
	sqlStreamsFrom  = strings.Replace(sqlStreamsForward, "%s", ">=", 1) // from the prefix, inclusive
	sqlStreamsAfter = strings.Replace(sqlStreamsForward, "%s", ">", 1)  // after the cursor
)

// ListStreams implements persistence.StreamLister.
func (s *Store) ListStreams(ctx context.Context, q persistence.StreamList) ([]eventstore.StreamHead, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	if err := q.Validate(); err != nil {
		return nil, s.fail(ctx, "list streams", 0, err)
	}
	end, bounded := persistence.PrefixEnd(q.Prefix)
	var upper any // NULL: no end
	if bounded {
		upper = end
	}
	query, args := sqlStreamsFrom, []any{q.Prefix, q.Limit, upper}
	switch {
	case q.Before != "":
		before := q.Before
		if bounded && end < before {
			before = end
		}
		query, args = sqlStreamsBackward, []any{before, q.Limit, q.Prefix}
	case q.After >= q.Prefix && q.After != "":
		query, args = sqlStreamsAfter, []any{q.After, q.Limit, upper}
	}
	return run(ctx, s, "list streams", func(ctx context.Context) ([]eventstore.StreamHead, error) {
		rows, err := s.readers.QueryContext(ctx, query, args...)
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
		return out, rows.Err()
	})
}
