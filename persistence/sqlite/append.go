package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
	"github.com/google/uuid"
)

// storedRef is where an event ID is already stored.
type storedRef struct {
	stream   string
	version  eventstore.Version
	position eventstore.Position
}

// appendOutcome is what one AppendBatch transaction did.
type appendOutcome struct {
	results []eventstore.AppendResult
	last    eventstore.Position // newest position written; 0 when none
}

// AppendBatch implements persistence.Store. The whole batch is one BEGIN
// IMMEDIATE transaction on the single writer connection: expectations and
// event IDs are checked under the write lock, then the requests that pass
// are written with positions last+1, last+2, ... in request order.
func (s *Store) AppendBatch(ctx context.Context, reqs []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	if err := persistence.ValidateAppend(ctx, s.cfg.Limits, reqs); err != nil { // skipped for a batch the runtime validated
		return nil, err
	}
	out, err := run(ctx, s, "append", func(ctx context.Context) (appendOutcome, error) {
		return inTurn(ctx, s, func(ctx context.Context) (appendOutcome, error) { return s.appendTx(ctx, reqs) })
	})
	if err != nil {
		return nil, err
	}
	if out.last > 0 {
		s.notify.publish(out.last)
	}
	return out.results, nil
}

func (s *Store) appendTx(ctx context.Context, reqs []eventstore.AppendRequest) (appendOutcome, error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return appendOutcome{}, err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	stored, err := lookupIDs(ctx, tx, allIDs(reqs))
	if err != nil {
		return appendOutcome{}, err
	}
	results := make([]eventstore.AppendResult, len(reqs))
	heads := make([]eventstore.Version, len(reqs))
	for i := range reqs {
		if results[i], heads[i], err = checkRequest(ctx, tx, &reqs[i], stored); err != nil {
			return appendOutcome{}, err
		}
	}
	abortGroups(reqs, results)
	last, err := s.writeEvents(ctx, tx, reqs, heads, results)
	if err != nil {
		return appendOutcome{}, err
	}
	if err := tx.Commit(); err != nil {
		return appendOutcome{}, err
	}
	return appendOutcome{results: results, last: last}, nil
}

// checkRequest decides a request before anything is written: an idempotent
// retry, a duplicate event ID, a failed expectation, or ready to write
// (Err nil, Idempotent false) on top of the stream's current version head.
func checkRequest(ctx context.Context, tx *sql.Tx, r *eventstore.AppendRequest,
	stored map[uuid.UUID]storedRef) (_ eventstore.AppendResult, head eventstore.Version, _ error) {
	res := eventstore.AppendResult{Stream: r.Stream}
	if dup, retry, ok := classifyRetry(r, stored); ok {
		return retry, 0, nil
	} else if dup != nil {
		res.Err = dup
		return res, 0, nil
	}
	head, _, err := streamHead(ctx, tx, r.Stream)
	if err != nil {
		return res, 0, err
	}
	if dead, err := tombstoned(ctx, tx, r.Stream); err != nil || dead {
		res.Err = &eventstore.StreamDeletedError{Stream: r.Stream}
		return res, head, err
	}
	res.Err = r.Expected.Check(r.Stream, head)
	return res, head, nil
}

// classifyRetry looks at the request's event IDs already stored. None: ok
// is false and dup nil (a new append). All of them in this stream with
// consecutive versions in request order: an idempotent retry (ok true).
// Otherwise a *DuplicateEventError naming the first offending ID.
func classifyRetry(r *eventstore.AppendRequest, stored map[uuid.UUID]storedRef) (
	dup error, retry eventstore.AppendResult, ok bool) {
	n := 0
	for j := range r.Events {
		ref, found := stored[r.Events[j].ID]
		if !found {
			continue
		}
		n++
		if ref.stream != r.Stream {
			return &eventstore.DuplicateEventError{EventID: r.Events[j].ID, Stream: r.Stream,
				ExistingStream: ref.stream}, retry, false
		}
	}
	if n == 0 {
		return nil, retry, false
	}
	firstRef := stored[r.Events[0].ID]
	inOrder := n == len(r.Events)
	for j := 1; inOrder && j < len(r.Events); j++ {
		inOrder = stored[r.Events[j].ID].version == firstRef.version+uint64(j)
	}
	if !inOrder {
		for j := range r.Events {
			if ref, found := stored[r.Events[j].ID]; found {
				return &eventstore.DuplicateEventError{EventID: r.Events[j].ID, Stream: r.Stream,
					ExistingStream: ref.stream}, retry, false
			}
		}
	}
	lastRef := stored[r.Events[len(r.Events)-1].ID]
	return nil, eventstore.AppendResult{
		Stream: r.Stream, FirstVersion: firstRef.version, LastVersion: lastRef.version,
		FirstPosition: firstRef.position, LastPosition: lastRef.position, Idempotent: true,
	}, true
}

// abortGroups fails every request of a group in which one request failed:
// the others report *AbortedError with the first failure as cause.
func abortGroups(reqs []eventstore.AppendRequest, results []eventstore.AppendResult) {
	causes := make(map[uint64]error)
	for i := range reqs {
		if g := reqs[i].Group; g != 0 && results[i].Err != nil {
			if _, seen := causes[g]; !seen {
				causes[g] = results[i].Err
			}
		}
	}
	if len(causes) == 0 {
		return
	}
	for i := range reqs {
		cause, failed := causes[reqs[i].Group]
		if !failed || results[i].Err != nil {
			continue
		}
		results[i] = eventstore.AppendResult{Stream: reqs[i].Stream,
			Err: &eventstore.AbortedError{Stream: reqs[i].Stream, Cause: cause}}
	}
}

const insertEvent = `INSERT INTO events
	(position, stream, version, event_id, type, schema_version, content_type, data, metadata, created)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// writeEvents inserts the events of the requests that passed their checks
// after their stream's head, assigning positions after the newest one, and
// fills in their results. It returns the newest position written (0 when
// nothing was written).
func (s *Store) writeEvents(ctx context.Context, tx *sql.Tx, reqs []eventstore.AppendRequest,
	heads []eventstore.Version, results []eventstore.AppendResult) (eventstore.Position, error) {
	var pos eventstore.Position
	if err := tx.QueryRowContext(ctx, sqlLastPosition).Scan(&pos); err != nil {
		return 0, err
	}
	start := pos
	stmt, err := tx.PrepareContext(ctx, insertEvent)
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	created := time.Now().UTC().UnixNano()
	for i := range reqs {
		res := &results[i]
		if res.Err != nil || res.Idempotent {
			continue
		}
		version := heads[i]
		res.FirstVersion, res.FirstPosition = version+1, pos+1
		for j := range reqs[i].Events {
			e := &reqs[i].Events[j]
			version++
			pos++
			meta, err := encodeMetadata(e.Metadata)
			if err != nil {
				return 0, err
			}
			if _, err := stmt.ExecContext(ctx, int64(pos), reqs[i].Stream, int64(version), e.ID[:],
				e.Type, int64(e.SchemaVersion), e.ContentType, e.Data, meta, created); err != nil {
				return 0, err
			}
		}
		res.LastVersion, res.LastPosition = version, pos
	}
	if pos == start {
		return 0, nil
	}
	return pos, nil
}

// sqlLastPosition is the newest position handed out: the newest event's,
// or the newest a scavenge removed (scavenge.go).
const sqlLastPosition = `SELECT MAX(COALESCE((SELECT MAX(position) FROM events), 0),
  COALESCE((SELECT position FROM removed_position WHERE id = 1), 0))`

// streamHead returns the stream's newest version and position (0, 0 when
// it never had events; when a scavenge removed them all, those of the
// newest it removed).
func streamHead(ctx context.Context, q querier, stream string) (eventstore.Version, eventstore.Position, error) {
	var v, p int64
	err := q.QueryRowContext(ctx,
		`SELECT version, position FROM events WHERE stream = ? ORDER BY version DESC LIMIT 1`, stream).Scan(&v, &p)
	if err == sql.ErrNoRows {
		err = q.QueryRowContext(ctx, `SELECT scavenged, scavenged_position FROM stream_retention WHERE stream = ?`,
			stream).Scan(&v, &p)
	}
	if err == sql.ErrNoRows {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	return uint64(v), uint64(p), nil
}

// querier is what *sql.DB, *sql.Conn and *sql.Tx have in common.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// maxParams bounds the '?' of one IN list (SQLite allows 32766).
const maxParams = 500

// lookupIDs returns where each of ids is already stored.
func lookupIDs(ctx context.Context, q querier, ids []uuid.UUID) (map[uuid.UUID]storedRef, error) {
	found := make(map[uuid.UUID]storedRef)
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), maxParams)]
		ids = ids[len(chunk):]
		args := make([]any, len(chunk))
		for i := range chunk {
			args[i] = chunk[i][:]
		}
		rows, err := q.QueryContext(ctx, `SELECT event_id, stream, version, position FROM events
			WHERE event_id IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var (
				raw  []byte
				ref  storedRef
				v, p int64
			)
			if err := rows.Scan(&raw, &ref.stream, &v, &p); err != nil {
				rows.Close()
				return nil, err
			}
			ref.version, ref.position = uint64(v), uint64(p)
			id, err := uuid.FromBytes(raw)
			if err != nil {
				rows.Close()
				return nil, err
			}
			found[id] = ref
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return found, nil
}

func allIDs(reqs []eventstore.AppendRequest) []uuid.UUID {
	var ids []uuid.UUID
	for i := range reqs {
		for j := range reqs[i].Events {
			ids = append(ids, reqs[i].Events[j].ID)
		}
	}
	return ids
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// encodeMetadata stores metadata as a JSON object, or NULL when empty (nil
// and empty metadata are the same).
func encodeMetadata(m map[string]string) (any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// clamp converts a version or position bound to SQLite's int64.
func clamp(v uint64) int64 {
	if v > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(v)
}
