package postgres

import (
	"context"
	"fmt"
	"math"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/jackc/pgx/v5"
)

// The bulk path of `actorstore copy`: events are written exactly as another
// store recorded them (positions, versions, IDs, created times), with COPY,
// in one transaction per call. It is not part of persistence.Store: only a
// copy into an empty (or partly copied) database should use it.
const (
	sqlLockPosition    = `SELECT position FROM global_position FOR UPDATE`
	sqlImportLockHeads = `SELECT stream_id, version FROM streams WHERE stream_id = ANY($1::text[]) FOR UPDATE`
	sqlImportHeads     = `INSERT INTO streams (stream_id, version, last_position)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, last_position = excluded.last_position`
	sqlImportFinish = `UPDATE global_position SET position = $1::bigint`
	sqlNotify       = `SELECT pg_notify($1, ($2::bigint)::text)`
	sqlCheckpoints  = `SELECT name, position FROM checkpoints`
)

// Import appends evs exactly as given, in one transaction: their positions,
// versions, event IDs, metadata and created times are kept. evs must have
// contiguous positions starting right after the store's last position, and
// each stream's events contiguous versions continuing its head; otherwise
// nothing is written and the error is an *eventstore.InputError (bad
// positions or versions within evs, or a first position that does not
// follow the store's) or a *eventstore.ConcurrencyError (a stream whose
// head is not the version before its first event here). The event ID index
// rejects IDs already stored (*eventstore.DuplicateEventError is not
// produced: the error is the database's). Safe for concurrent use, but
// concurrent appends make it fail (positions move).
func (s *Store) Import(ctx context.Context, evs []eventstore.RecordedEvent) error {
	if len(evs) == 0 {
		return nil
	}
	heads, err := importHeads(evs)
	if err != nil {
		return err
	}
	_, err = runOp(ctx, s, "import", IsTransient, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			return s.importTx(ctx, tx, evs, heads)
		})
	})
	return err
}

// importHead is what evs do to one stream.
type importHead struct {
	first, last  eventstore.Version
	lastPosition eventstore.Position
}

// importHeads checks evs' positions and versions and returns each stream's
// versions and last position.
func importHeads(evs []eventstore.RecordedEvent) (map[string]*importHead, error) {
	bad := func(i int, rule, msg string) error {
		return &eventstore.InputError{Field: fmt.Sprintf("events[%d]", i), Rule: rule, Message: msg, Stream: evs[i].Stream}
	}
	heads := map[string]*importHead{}
	for i, e := range evs {
		switch {
		case e.Position == 0 || e.Position > math.MaxInt64 || e.Version == 0 || e.Version > math.MaxInt64:
			return nil, bad(i, "range", "position and version must be 1 to 2^63-1")
		case i > 0 && e.Position != evs[i-1].Position+1:
			return nil, bad(i, "contiguous", "positions must be contiguous")
		}
		h := heads[e.Stream]
		if h == nil {
			heads[e.Stream] = &importHead{first: e.Version, last: e.Version, lastPosition: e.Position}
			continue
		}
		if e.Version != h.last+1 {
			return nil, bad(i, "contiguous", "a stream's versions must be contiguous")
		}
		h.last, h.lastPosition = e.Version, e.Position
	}
	return heads, nil
}

func (s *Store) importTx(ctx context.Context, tx pgx.Tx, evs []eventstore.RecordedEvent, heads map[string]*importHead) error {
	var last int64
	if err := tx.QueryRow(ctx, sqlLockPosition).Scan(&last); err != nil {
		return err
	}
	if uint64(last)+1 != evs[0].Position {
		return &eventstore.InputError{Field: "events[0].position", Rule: "next",
			Message: fmt.Sprintf("the first position is %d but the store's last is %d", evs[0].Position, last)}
	}
	names := make([]string, 0, len(heads))
	for name := range heads {
		names = append(names, name)
	}
	if err := checkImportHeads(ctx, tx, names, heads); err != nil {
		return err
	}
	rows := pgx.CopyFromSlice(len(evs), func(i int) ([]any, error) {
		e := &evs[i]
		var meta []byte
		if m := encodeMetadata(e.Metadata); m != "" {
			meta = []byte(m)
		}
		return []any{int64(e.Position), e.Stream, int64(e.Version), e.ID, e.Type, int64(e.SchemaVersion),
			e.ContentType, e.Data, meta, e.Created}, nil
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"events"}, copyColumns, rows); err != nil {
		return err
	}
	versions, positions := make([]int64, len(names)), make([]int64, len(names))
	for i, name := range names {
		versions[i], positions[i] = int64(heads[name].last), int64(heads[name].lastPosition)
	}
	lastPos := int64(evs[len(evs)-1].Position)
	b := &pgx.Batch{}
	b.Queue(sqlImportHeads, names, versions, positions)
	b.Queue(sqlImportFinish, lastPos)
	b.Queue(sqlNotify, s.cfg.NotifyChannel, lastPos)
	return tx.SendBatch(ctx, b).Close()
}

// checkImportHeads fails with a *eventstore.ConcurrencyError when a
// stream's stored version is not the one before its first imported event.
func checkImportHeads(ctx context.Context, tx pgx.Tx, names []string, heads map[string]*importHead) error {
	rows, err := tx.Query(ctx, sqlImportLockHeads, names)
	if err != nil {
		return err
	}
	stored := map[string]int64{}
	for rows.Next() {
		var name string
		var v int64
		if err := rows.Scan(&name, &v); err != nil {
			rows.Close()
			return err
		}
		stored[name] = v
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, name := range names {
		if h := heads[name]; uint64(stored[name]) != h.first-1 {
			return &eventstore.ConcurrencyError{Stream: name, Expected: eventstore.Exact(h.first - 1),
				Actual: uint64(stored[name])}
		}
	}
	return nil
}

// Checkpoints returns every stored checkpoint, by name.
func (s *Store) Checkpoints(ctx context.Context) (map[string]eventstore.Position, error) {
	return runOp(ctx, s, "checkpoints", IsTransient, func(ctx context.Context) (map[string]eventstore.Position, error) {
		rows, err := s.pool.Query(ctx, sqlCheckpoints)
		if err != nil {
			return nil, err
		}
		out := map[string]eventstore.Position{}
		var name string
		var pos int64
		_, err = pgx.ForEachRow(rows, []any{&name, &pos}, func() error {
			out[name] = uint64(pos)
			return nil
		})
		return out, err
	})
}
