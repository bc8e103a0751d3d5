package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/actorstore/actorstore/eventstore"
)

// sqlBatchHeads reads the head of every stream of a JSON array of stream
// IDs in one statement: for element key (its index in the array), the
// version of the stream's newest event (else the newest version a scavenge
// removed, else 0: what streamHead answers) and whether it has a
// tombstone. Each head is one seek on events_stream_version.
const sqlBatchHeads = `SELECT s.key,
  COALESCE((SELECT e.version FROM events AS e WHERE e.stream = s.value ORDER BY e.version DESC LIMIT 1),
           r.scavenged, 0),
  COALESCE(r.tombstone, 0)
FROM json_each(?1) AS s LEFT JOIN stream_retention AS r ON r.stream = s.value`

// batchHead is a stream's head as the append decides on it.
type batchHead struct {
	version   eventstore.Version
	tombstone bool
}

// batchHeads returns the heads of the streams of reqs whose index is in
// need (the requests not already decided), in need's order, with one
// statement. Inside the append's write transaction these are the heads
// every expectation is checked against (invariants 1 and 5): the fence does
// not depend on what the caller believes the head is.
func batchHeads(ctx context.Context, tx *sql.Tx, reqs []eventstore.AppendRequest, need []int) ([]batchHead, error) {
	heads := make([]batchHead, len(need))
	if len(need) == 0 {
		return heads, nil
	}
	names := make([]string, len(need))
	for k, i := range need {
		names[k] = reqs[i].Stream
	}
	arg, err := json.Marshal(names)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, sqlBatchHeads, string(arg))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var k, v int64
		var dead bool
		if err := rows.Scan(&k, &v, &dead); err != nil {
			return nil, err
		}
		if k < 0 || int(k) >= len(heads) {
			return nil, errBadHeadRow
		}
		heads[k] = batchHead{version: uint64(v), tombstone: dead}
		seen++
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if seen != len(need) {
		return nil, errBadHeadRow
	}
	return heads, nil
}

// errBadHeadRow means sqlBatchHeads did not answer one row per stream.
var errBadHeadRow = errors.New("sqlite: the head query did not answer one row per stream")
