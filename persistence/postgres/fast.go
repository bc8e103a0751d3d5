package postgres

import (
	"context"
	"errors"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The fast append (docs/adr/0009-one-statement-append.md): when every
// request of a batch expects an exact version (NoStream is Exact(0)) of a
// distinct stream, as the stream actors' flushes do, the whole batch is one
// statement sent with BEGIN and COMMIT in one round trip. It takes the
// positions from the counter, moves each head with a compare-and-set on its
// version (creating the head of a new stream), inserts the events, and
// calls actorstore_fence with whether every head moved (a hard-deleted
// stream's head, whose tombstone is set, never moves). It does not look
// the event IDs up and does not lock heads beforehand. A head at another
// version fails the fence, a stored event ID or version fails a unique
// index, and a lock wait longer than fastLockTimeout (a head held by a
// locking append, which takes heads before the counter this statement
// holds) fails with lock_not_available. Each aborts the statement (nothing
// written, no position used) and the batch goes the locking way
// (lockBatch), which decides conflicts, duplicates and idempotent retries.
const sqlFastWrite = `WITH g AS (
  UPDATE global_position SET position = position + $1::bigint RETURNING position - $1::bigint AS base
), x AS (
  SELECT * FROM unnest($10::text[], $11::bigint[], $12::bigint[], $13::bigint[])
    AS x(stream_id, expected, version, last_ord)
), h AS (
  UPDATE streams SET version = x.version, last_position = g.base + x.last_ord
  FROM g, x
  WHERE streams.stream_id = x.stream_id AND x.expected > 0 AND streams.version = x.expected
    AND NOT streams.tombstone
  RETURNING 1
), n AS (
  INSERT INTO streams (stream_id, version, last_position)
  SELECT x.stream_id, x.version, g.base + x.last_ord FROM g, x WHERE x.expected = 0
  RETURNING 1
), e AS (
  INSERT INTO events (position, stream_id, version, event_id, type, schema_version,
                      content_type, data, metadata, created_at)
  SELECT g.base + u.ord, u.stream_id, u.version, u.event_id, u.type, u.schema_version,
         u.content_type, u.data, u.metadata::jsonb, now()
  FROM g, unnest($2::text[], $3::bigint[], $4::uuid[], $5::text[], $6::bigint[], $7::text[],
                 $8::bytea[], $9::text[])
       WITH ORDINALITY AS u(stream_id, version, event_id, type, schema_version, content_type,
                            data, metadata, ord)
)
SELECT g.base, pg_notify($14, (g.base + $1::bigint)::text),
       actorstore_fence((SELECT count(*) FROM h) + (SELECT count(*) FROM n) = $15::bigint)
FROM g`

// fenceCode is the SQLSTATE actorstore_fence raises.
const fenceCode = "AS409"

// sqlFastOne is the fast append of a batch of one request with one event
// (the single writer's commit): sqlFastWrite with scalar parameters
// instead of arrays, which spares the server the unnests and the join of
// the heads (docs/adr/0031-append-connections.md). It is sent alone, as
// one implicit transaction: no BEGIN, no COMMIT. $1 stream, $2 expected
// version (0: a new stream), $3 the event's version, $4-$9 the event,
// $10 the notification channel. It refuses exactly what sqlFastWrite
// refuses: a head at another version, a tombstone, an existing stream
// expected new or a stored event ID or version (23505), a lock wait.
const sqlFastOne = `WITH g AS (
  UPDATE global_position SET position = position + 1 RETURNING position - 1 AS base
), h AS (
  UPDATE streams SET version = $3::bigint, last_position = g.base + 1
  FROM g
  WHERE streams.stream_id = $1::text AND $2::bigint > 0 AND streams.version = $2::bigint
    AND NOT streams.tombstone
  RETURNING 1
), n AS (
  INSERT INTO streams (stream_id, version, last_position)
  SELECT $1::text, $3::bigint, g.base + 1 FROM g WHERE $2::bigint = 0
  RETURNING 1
), e AS (
  INSERT INTO events (position, stream_id, version, event_id, type, schema_version,
                      content_type, data, metadata, created_at)
  SELECT g.base + 1, $1::text, $3::bigint, $4::uuid, $5::text, $6::bigint, $7::text, $8::bytea,
         $9::jsonb, now()
  FROM g
)
SELECT g.base, pg_notify($10, (g.base + 1)::text),
       actorstore_fence((SELECT count(*) FROM h) + (SELECT count(*) FROM n) = 1)
FROM g`

// The fast append's two settings (docs/adr/0031-append-connections.md).
//
// lock_timeout bounds every lock wait of the fast append: it holds the
// counter and may wait for a head that a locking append holds while that
// one waits for the counter. Rather than a deadlock (found by PostgreSQL
// after deadlock_timeout, 1 s) it gives up at once and takes the locking
// way.
//
// plan_cache_mode = force_generic_plan makes the server reuse the prepared
// statement's generic plan instead of planning the five-part statement
// again for every batch: with array parameters the custom plan (which
// knows the array lengths) always looks cheaper than the generic one
// (which guesses 10 elements), so under the default mode PostgreSQL plans
// anew on every execution, about 0.2 ms of the single writer's commit
// (docs/benchmarks.md, "Issue 13, session 6: one writer's commit"). The
// generic plan joins by the heads' primary key whatever the batch size.
//
// With prepared statements (StatementCacheMode "prepare", the default)
// both are session settings of the append pool's connections, set once
// when a connection opens (sqlAppendConnDefaults), and the locking append
// puts both back to the session's defaults for its own transaction
// (sqlLockingLockTimeout, sqlLockingPlanMode). With the other modes,
// meant for poolers such as PgBouncer in transaction mode where a session
// setting could reach another client or miss ours, the fast append sets
// them for its own transaction (sqlFastSettings) as before.
const (
	fastLockTimeout       = "50ms"
	sqlAppendConnDefaults = `SELECT set_config('lock_timeout', '` + fastLockTimeout + `', false),
  set_config('plan_cache_mode', 'force_generic_plan', false)`
	sqlFastSettings = `SELECT set_config('lock_timeout', '` + fastLockTimeout + `', true),
  set_config('plan_cache_mode', 'force_generic_plan', true)`
	// SET LOCAL ... TO DEFAULT takes the value the session would have
	// without a SET: the server's, the database's or role's, or the
	// connection string's options, never the append connection's own SET.
	sqlLockingLockTimeout = `SET LOCAL lock_timeout TO DEFAULT`
	sqlLockingPlanMode    = `SET LOCAL plan_cache_mode TO DEFAULT`
)

// fastEligible reports whether every request expects an exact version
// and no stream appears twice (plan.streams is sorted).
func fastEligible(plan *appendPlan) bool {
	for i := range plan.reqs {
		if _, ok := plan.reqs[i].Expected.ExactVersion(); !ok && !plan.reqs[i].Expected.IsNoStream() {
			return false
		}
	}
	for i := 1; i < len(plan.streams); i++ {
		if plan.streams[i] == plan.streams[i-1] {
			return false
		}
	}
	return true
}

// appendFast runs the fast append (sqlFastOne for one request of one
// event, else sqlFastWrite). ok is false when the statement was refused
// (fence, unique index or lock wait) and rolled back: the caller then
// takes the locking way on the same connection. Any other error is
// returned.
func (s *Store) appendFast(ctx context.Context, conn *pgxpool.Conn, plan *appendPlan) (
	results []eventstore.AppendResult, ok bool, err error) {
	if len(plan.reqs) == 1 && len(plan.reqs[0].Events) == 1 {
		return s.appendFastOne(ctx, conn, plan)
	}
	heads := make(map[string]uint64, len(plan.reqs))
	all := make([]int, len(plan.reqs))
	results = make([]eventstore.AppendResult, len(plan.reqs))
	for i := range plan.reqs {
		v, _ := plan.reqs[i].Expected.ExactVersion()
		heads[plan.reqs[i].Stream] = v
		all[i] = i
		results[i].Stream = plan.reqs[i].Stream
	}
	w := newWriteSet(plan, heads, results, all)
	expected := make([]int64, len(plan.reqs))
	for i := range plan.reqs {
		expected[i] = int64(heads[plan.reqs[i].Stream])
	}
	channel := s.cfg.NotifyChannel
	added := plan.markSent(all)
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	if !s.appendDefaults {
		b.Queue(sqlFastSettings)
	}
	b.Queue(sqlFastWrite, w.fastArgs(expected, channel)...)
	b.Queue("COMMIT")
	br := conn.SendBatch(ctx, b)
	base, err := readFast(br, !s.appendDefaults)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if ok, err := fastOutcome(ctx, conn, plan, added, err); !ok || err != nil {
		return nil, ok, err
	}
	w.fillPositions(results, uint64(base))
	return results, true, nil
}

// appendFastOne is the fast append of one request of one event with
// sqlFastOne, one statement in one round trip. On the append pool's
// connections (appendDefaults) it is sent alone, one implicit
// transaction; otherwise inside BEGIN, the settings and COMMIT.
func (s *Store) appendFastOne(ctx context.Context, conn *pgxpool.Conn, plan *appendPlan) (
	[]eventstore.AppendResult, bool, error) {
	r := &plan.reqs[0]
	expected, _ := r.Expected.ExactVersion() // NoStream is Exact(0)
	e := &r.Events[0]
	version := int64(expected) + 1
	args := []any{r.Stream, int64(expected), version, pgtype.UUID{Bytes: e.ID, Valid: true}, e.Type,
		int64(e.SchemaVersion), e.ContentType, e.Data, metadataParam(e.Metadata), s.cfg.NotifyChannel}
	added := plan.markSent([]int{0})
	var base int64
	var err error
	if s.appendDefaults {
		err = conn.QueryRow(ctx, sqlFastOne, args...).Scan(&base, nil, nil)
	} else {
		b := &pgx.Batch{}
		b.Queue("BEGIN")
		b.Queue(sqlFastSettings)
		b.Queue(sqlFastOne, args...)
		b.Queue("COMMIT")
		br := conn.SendBatch(ctx, b)
		base, err = readFast(br, true)
		if cerr := br.Close(); err == nil {
			err = cerr
		}
	}
	if ok, err := fastOutcome(ctx, conn, plan, added, err); !ok || err != nil {
		return nil, ok, err
	}
	pos := uint64(base) + 1
	return []eventstore.AppendResult{{Stream: r.Stream, FirstVersion: uint64(version),
		LastVersion: uint64(version), FirstPosition: pos, LastPosition: pos}}, true, nil
}

// metadataParam is an event's metadata as one parameter: its JSON text,
// or NULL when it has none (encodeMetadata's "" is the arrays' NULL, not
// a JSON value).
func metadataParam(m map[string]string) any {
	if js := encodeMetadata(m); js != "" {
		return js
	}
	return nil
}

// fastOutcome sorts the error of a fast append: nil is committed (ok);
// a refusal is not an error but not ok, and leaves the connection out of
// any transaction with the requests added unmarked (certainly not
// committed); anything else is returned.
func fastOutcome(ctx context.Context, conn *pgxpool.Conn, plan *appendPlan, added []int, err error) (
	ok bool, _ error) {
	if err == nil {
		return true, nil
	}
	if !refused(err) {
		return false, err
	}
	plan.unmarkSent(added)
	if conn.Conn().PgConn().TxStatus() != 'I' {
		if _, rerr := conn.Exec(ctx, "ROLLBACK"); rerr != nil {
			return false, rerr
		}
	}
	return false, nil
}

// readFast reads BEGIN, the settings when sent, the statement's row (the
// counter's old value first) and COMMIT.
func readFast(br pgx.BatchResults, settings bool) (int64, error) {
	if _, err := br.Exec(); err != nil {
		return 0, err
	}
	if settings {
		if err := br.QueryRow().Scan(nil, nil); err != nil {
			return 0, err
		}
	}
	var base int64
	if err := br.QueryRow().Scan(&base, nil, nil); err != nil {
		return 0, err
	}
	_, err := br.Exec()
	return base, err
}

// refused reports the errors of a fast append that mean "take the locking
// way": the fence, a unique index (a stored event ID or version), or a
// lock wait given up (lock_not_available).
func refused(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) &&
		(pgErr.Code == fenceCode || pgErr.Code == "23505" || pgErr.Code == "55P03")
}
