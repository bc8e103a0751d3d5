package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Phase 1 of the locking append, sent in one round trip: open the
// transaction, create the rows of new streams, lock every stream head of
// the batch in stream order (no deadlock between writers; the fast append
// never waits for a head lock), then look the batch's event IDs up (after
// the locks, so commits to these streams are all visible).
const (
	sqlCreateStreams = `INSERT INTO streams (stream_id, version, last_position)
SELECT s, 0, 0 FROM unnest($1::text[]) AS s ORDER BY s
ON CONFLICT (stream_id) DO NOTHING`
	sqlLockHeads = `SELECT stream_id, version, tombstone FROM streams
WHERE stream_id = ANY($1::text[]) ORDER BY stream_id FOR UPDATE`
	sqlStoredIDs = `SELECT event_id, stream_id, version, position FROM events
WHERE event_id = ANY($1::uuid[])`
)

// Phase 2, one statement: take positions from the counter (its row lock is
// held until COMMIT, which is sent in the same round trip, so positions
// follow commit order), insert every event of the batch, move the heads,
// drop the rows of new streams whose request failed, and notify once.
const sqlWrite = `WITH g AS (
  UPDATE global_position SET position = position + $1::bigint RETURNING position - $1::bigint AS base
), e AS (
  INSERT INTO events (position, stream_id, version, event_id, type, schema_version,
                      content_type, data, metadata, created_at)
  SELECT g.base + u.ord, u.stream_id, u.version, u.event_id, u.type, u.schema_version,
         u.content_type, u.data, u.metadata::jsonb, now()
  FROM g, unnest($2::text[], $3::bigint[], $4::uuid[], $5::text[], $6::bigint[], $7::text[],
                 $8::bytea[], $9::text[])
       WITH ORDINALITY AS u(stream_id, version, event_id, type, schema_version, content_type,
                            data, metadata, ord)
), h AS (
  UPDATE streams SET version = x.version, last_position = g.base + x.last_ord
  FROM g, unnest($10::text[], $11::bigint[], $12::bigint[]) AS x(stream_id, version, last_ord)
  WHERE streams.stream_id = x.stream_id
), d AS (
  DELETE FROM streams WHERE stream_id = ANY($13::text[]) AND version = 0 AND NOT tombstone
)
SELECT g.base, pg_notify($14, (g.base + $1::bigint)::text) FROM g`

// AppendBatch implements persistence.Store. Input is validated before any
// I/O. The batch is one transaction; it is retried as a whole on transient
// failures and on unique violations (another process raced it). A retry
// after an unknown commit outcome finds the committed events by their IDs
// and returns the original result: as a fresh append when the commit was
// an earlier attempt of this same call, with Idempotent set when it was an
// earlier call (the caller's own retry).
func (s *Store) AppendBatch(ctx context.Context, reqs []eventstore.AppendRequest) (
	[]eventstore.AppendResult, error) {
	if err := persistence.ValidateAppend(ctx, s.cfg.Limits, reqs); err != nil { // skipped for a batch the runtime validated
		return nil, err
	}
	plan := newAppendPlan(reqs)
	plan.untyped = s.cfg.StatementCacheMode == "exec" || s.cfg.StatementCacheMode == "simple"
	retryable := func(err error) bool { return IsTransient(err) || isUniqueViolation(err) }
	results, err := runOp(ctx, s, "append", retryable, func(ctx context.Context) ([]eventstore.AppendResult, error) {
		var res []eventstore.AppendResult
		err := s.withConn(ctx, func(conn *pgxpool.Conn) (err error) {
			res, err = s.appendOnce(ctx, conn, plan)
			return err
		})
		return res, err
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// fastFor reports whether the batch of plan tries the fast append first.
func (s *Store) fastFor(plan *appendPlan) bool {
	return plan.events < s.cfg.CopyThreshold && fastEligible(plan)
}

// appendOnce is one attempt of AppendBatch: the fast append when the
// batch is eligible and below CopyThreshold events, else (or when it is
// refused) the locking append, which inserts large batches with COPY.
func (s *Store) appendOnce(ctx context.Context, conn *pgxpool.Conn, plan *appendPlan) (
	[]eventstore.AppendResult, error) {
	if s.fastFor(plan) {
		results, ok, err := s.appendFast(ctx, conn, plan)
		if ok || err != nil {
			return results, err
		}
	}
	heads, dead, stored, err := lockBatch(ctx, conn, plan, s.appendDefaults)
	if err != nil {
		return nil, err
	}
	results, writes := plan.decide(heads, stored)
	if len(dead) > 0 {
		writes = plan.failDeleted(results, dead)
	}
	plan.ownCommits(results)
	if len(writes) == 0 {
		_, err := conn.Exec(ctx, "ROLLBACK")
		return results, err
	}
	w := newWriteSet(plan, heads, results, writes)
	write := writeUnnest
	if len(w.ids) >= s.cfg.CopyThreshold {
		write = writeCopy
	}
	plan.markSent(writes)
	base, err := write(ctx, conn, w, s.cfg.NotifyChannel)
	if err != nil {
		return nil, err
	}
	w.fillPositions(results, uint64(base))
	return results, nil
}

// writeUnnest is phase 2 in one statement plus COMMIT, in one round trip.
func writeUnnest(ctx context.Context, conn *pgxpool.Conn, w *writeSet, channel string) (int64, error) {
	b := &pgx.Batch{}
	b.Queue(sqlWrite, w.args(channel)...)
	b.Queue("COMMIT")
	return sendFinish(conn.SendBatch(ctx, b))
}

// sendFinish reads a batch whose first statement returns the base
// position and whose last is COMMIT.
func sendFinish(br pgx.BatchResults) (int64, error) {
	var base int64
	if err := br.QueryRow().Scan(&base, nil); err != nil {
		br.Close()
		return 0, err
	}
	if _, err := br.Exec(); err != nil {
		br.Close()
		return 0, err
	}
	return base, br.Close()
}

// lockBatch runs phase 1 and returns the locked heads, the streams with a
// tombstone (hard-deleted) and the stored IDs. On a connection with the
// fast append's settings as session defaults (resetDefaults), its
// transaction first puts them back to the session's own defaults: the
// locking append waits for head locks as long as the server lets any
// statement wait, and is planned as any other statement.
func lockBatch(ctx context.Context, conn *pgxpool.Conn, plan *appendPlan, resetDefaults bool) (
	map[string]uint64, map[string]bool, map[uuid.UUID]storedEvent, error) {
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	execs := 2
	if resetDefaults {
		b.Queue(sqlLockingLockTimeout)
		b.Queue(sqlLockingPlanMode)
		execs += 2
	}
	b.Queue(sqlCreateStreams, plan.streams)
	b.Queue(sqlLockHeads, plan.streams)
	b.Queue(sqlStoredIDs, plan.ids)
	br := conn.SendBatch(ctx, b)
	defer br.Close()
	for range execs {
		if _, err := br.Exec(); err != nil {
			return nil, nil, nil, err
		}
	}
	heads := make(map[string]uint64, len(plan.streams))
	var dead map[string]bool
	var (
		stream    string
		ver       int64
		tombstone bool
	)
	if _, err := pgx.ForEachRow(mustQuery(br), []any{&stream, &ver, &tombstone}, func() error {
		heads[stream] = uint64(ver)
		if tombstone {
			if dead == nil {
				dead = map[string]bool{}
			}
			dead[stream] = true
		}
		return nil
	}); err != nil {
		return nil, nil, nil, err
	}
	stored, err := scanStored(mustQuery(br))
	if err != nil {
		return nil, nil, nil, err
	}
	return heads, dead, stored, br.Close()
}

func mustQuery(br pgx.BatchResults) pgx.Rows {
	rows, _ := br.Query() // the error is returned again by the rows
	return rows
}

func scanStored(rows pgx.Rows) (map[uuid.UUID]storedEvent, error) {
	stored := map[uuid.UUID]storedEvent{}
	var (
		id       pgtype.UUID
		stream   string
		ver, pos int64
	)
	_, err := pgx.ForEachRow(rows, []any{&id, &stream, &ver, &pos}, func() error {
		stored[id.Bytes] = storedEvent{stream: stream, version: uint64(ver), position: uint64(pos)}
		return nil
	})
	return stored, err
}

// writeSet holds the columns of every event to insert, as arrays for one
// unnest, and the new heads.
type writeSet struct {
	streams, types, contentTypes []string
	versions, schemaVersions     []int64
	ids                          []pgtype.UUID // pgx encodes pgtype.UUID directly (uuid.UUID goes through driver.Valuer)
	data                         [][]byte
	metadata                     []string // JSON objects; "" is none (NULL)
	headStreams                  []string
	headVersions, headLastOrd    []int64
	headOrd                      []int64 // ordinal of each written request's first event
	written                      []int   // request index of each head
	dropStreams                  []string
	untyped                      bool // pgx's own slices as parameters (appendPlan.untyped)
}

func newWriteSet(plan *appendPlan, heads map[string]uint64, results []eventstore.AppendResult,
	writes []int) *writeSet {
	events := 0
	for _, i := range writes {
		events += len(plan.reqs[i].Events)
	}
	// Every column at its final size at once (appends would grow each of
	// them several times per batch).
	w := &writeSet{untyped: plan.untyped,
		streams: make([]string, 0, events), types: make([]string, 0, events),
		contentTypes: make([]string, 0, events), versions: make([]int64, 0, events),
		schemaVersions: make([]int64, 0, events), ids: make([]pgtype.UUID, 0, events),
		data: make([][]byte, 0, events), metadata: make([]string, 0, events),
		headStreams: make([]string, 0, len(writes)), headVersions: make([]int64, 0, len(writes)),
		headLastOrd: make([]int64, 0, len(writes)), headOrd: make([]int64, 0, len(writes)),
		written: make([]int, 0, len(writes))}
	n := 0
	for _, i := range writes {
		r := &plan.reqs[i]
		w.headOrd = append(w.headOrd, int64(n+1))
		for j := range r.Events {
			w.addEvent(r.Stream, heads[r.Stream]+uint64(j)+1, &r.Events[j])
		}
		n += len(r.Events)
		w.headStreams = append(w.headStreams, r.Stream)
		w.headVersions = append(w.headVersions, int64(heads[r.Stream])+int64(len(r.Events)))
		w.headLastOrd = append(w.headLastOrd, int64(n))
		w.written = append(w.written, i)
	}
	for i := range results {
		if results[i].Err != nil && heads[results[i].Stream] == 0 {
			w.dropStreams = append(w.dropStreams, results[i].Stream)
		}
	}
	return w
}

func (w *writeSet) addEvent(stream string, version uint64, e *eventstore.EventData) {
	w.streams = append(w.streams, stream)
	w.versions = append(w.versions, int64(version))
	w.ids = append(w.ids, pgtype.UUID{Bytes: e.ID, Valid: true})
	w.types = append(w.types, e.Type)
	w.schemaVersions = append(w.schemaVersions, int64(e.SchemaVersion))
	w.contentTypes = append(w.contentTypes, e.ContentType)
	w.data = append(w.data, e.Data)
	w.metadata = append(w.metadata, encodeMetadata(e.Metadata))
}

// args are the parameters of sqlWrite.
func (w *writeSet) args(channel string) []any {
	if w.dropStreams == nil {
		w.dropStreams = []string{}
	}
	return append(w.eventArgs(), w.text(w.headStreams), w.int64s(w.headVersions),
		w.int64s(w.headLastOrd), w.text(w.dropStreams), channel)
}

// fastArgs are the parameters of sqlFastWrite: expected holds each
// request's expected version.
func (w *writeSet) fastArgs(expected []int64, channel string) []any {
	return append(w.eventArgs(), w.text(w.headStreams), w.int64s(expected),
		w.int64s(w.headVersions), w.int64s(w.headLastOrd), channel, int64(len(w.headStreams)))
}

// eventArgs are the first nine parameters of both statements: the event
// count and the events' columns. They are the arrays of arrays.go, which
// pgx encodes without an allocation per element, unless untyped.
func (w *writeSet) eventArgs() []any {
	args := make([]any, 0, 15)
	args = append(args, int64(len(w.streams)), w.text(w.streams), w.int64s(w.versions))
	if w.untyped {
		metadata := make([]*string, len(w.metadata))
		for i := range w.metadata {
			if w.metadata[i] != "" {
				metadata[i] = &w.metadata[i]
			}
		}
		return append(args, w.ids, w.types, w.schemaVersions, w.contentTypes, w.data, metadata)
	}
	return append(args, uuidArray(w.ids), textArray{s: w.types}, int64Array(w.schemaVersions),
		textArray{s: w.contentTypes}, byteaArray(w.data), textArray{s: w.metadata, nullEmpty: true})
}

func (w *writeSet) text(s []string) any {
	if w.untyped {
		return s
	}
	return textArray{s: s}
}

func (w *writeSet) int64s(v []int64) any {
	if w.untyped {
		return v
	}
	return int64Array(v)
}

// fillPositions completes the results of written requests once the
// counter's old value (base) is known.
func (w *writeSet) fillPositions(results []eventstore.AppendResult, base uint64) {
	for k, i := range w.written {
		first := uint64(w.headOrd[k])
		last := uint64(w.headLastOrd[k])
		res := &results[i]
		res.LastVersion = uint64(w.headVersions[k])
		res.FirstVersion = res.LastVersion - (last - first)
		res.FirstPosition, res.LastPosition = base+first, base+last
	}
}

// encodeMetadata stores metadata as a JSON object, or "" (NULL) when
// empty.
func encodeMetadata(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	b, err := json.Marshal(m)
	if err != nil { // cannot happen for map[string]string
		panic(fmt.Errorf("postgres: encode metadata: %w", err))
	}
	return string(b)
}
