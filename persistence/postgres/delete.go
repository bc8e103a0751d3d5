package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

var _ persistence.StreamDeleter = (*Store)(nil)

// A delete is one transaction: create the stream's row if it has none (a
// tombstone may name a stream that never had an event), lock it, check the
// expectation against its version, then mark the row (the appends' fence),
// record the boundary for the reads and drop the snapshot.
const (
	sqlDeleteCreate = `INSERT INTO streams (stream_id, version, last_position)
VALUES ($1, 0, 0) ON CONFLICT (stream_id) DO NOTHING`
	sqlDeleteLock = `SELECT version, deleted_through, tombstone FROM streams WHERE stream_id = $1 FOR UPDATE`
	sqlDeleteMark = `UPDATE streams SET deleted_through = $2, tombstone = $3 WHERE stream_id = $1`
	sqlDeleteRead = `INSERT INTO stream_retention (stream_id, through, tombstone, deleted_at)
VALUES ($1, $2, $3, now())
ON CONFLICT (stream_id) DO UPDATE SET through = EXCLUDED.through, tombstone = EXCLUDED.tombstone,
    deleted_at = EXCLUDED.deleted_at`
	sqlDeleteSnapshot = `DELETE FROM snapshots WHERE stream_id = $1`
)

// DeleteStream implements persistence.StreamDeleter.
func (s *Store) DeleteStream(ctx context.Context, r eventstore.DeleteRequest) (eventstore.DeleteResult, error) {
	if err := s.cfg.Limits.ValidateDelete(r); err != nil {
		return eventstore.DeleteResult{}, err
	}
	return runOp(ctx, s, "delete_stream", IsTransient, func(ctx context.Context) (eventstore.DeleteResult, error) {
		var res eventstore.DeleteResult
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) (err error) {
			res, err = deleteTx(ctx, tx, r)
			return err
		})
		return res, err
	})
}

// deleteTx runs in the transaction; an error rolls it back (the row a
// soft delete of an unknown stream created included).
func deleteTx(ctx context.Context, tx pgx.Tx, r eventstore.DeleteRequest) (eventstore.DeleteResult, error) {
	res := eventstore.DeleteResult{Stream: r.Stream, Hard: r.Hard}
	if _, err := tx.Exec(ctx, sqlDeleteCreate, r.Stream); err != nil {
		return res, err
	}
	var (
		version, through int64
		tombstone        bool
	)
	if err := tx.QueryRow(ctx, sqlDeleteLock, r.Stream).Scan(&version, &through, &tombstone); err != nil {
		return res, err
	}
	res.Version = uint64(version)
	if err := persistence.DecideDelete(r, res.Version, persistence.Retention{Through: uint64(through), Tombstone: tombstone}); err != nil {
		return res, err
	}
	if !r.Hard && through == version {
		return res, nil // nothing left to hide
	}
	if _, err := tx.Exec(ctx, sqlDeleteMark, r.Stream, version, r.Hard); err != nil {
		return res, err
	}
	if _, err := tx.Exec(ctx, sqlDeleteRead, r.Stream, version, r.Hard); err != nil {
		return res, err
	}
	_, err := tx.Exec(ctx, sqlDeleteSnapshot, r.Stream)
	return res, err
}

// failDeleted fails the requests of hard-deleted streams (dead) with a
// *StreamDeletedError, aborts their transaction groups, and returns the
// requests still to write.
func (p *appendPlan) failDeleted(results []eventstore.AppendResult, dead map[string]bool) []int {
	for i := range p.reqs {
		if dead[p.reqs[i].Stream] {
			results[i] = eventstore.AppendResult{Stream: p.reqs[i].Stream,
				Err: &eventstore.StreamDeletedError{Stream: p.reqs[i].Stream}}
		}
	}
	abortGroups(p.reqs, results)
	var writes []int
	for i := range results {
		if results[i].Err == nil && !results[i].Idempotent {
			writes = append(writes, i)
		}
	}
	return writes
}
