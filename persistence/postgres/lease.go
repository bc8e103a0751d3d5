package postgres

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

var _ persistence.Leaser = (*Store)(nil)

// The lease statements (docs/adr/0011-consumer-leases.md). Times are the
// database's: now() of the statement's own transaction.
const (
	// sqlAcquireLease takes a free, expired or own lease; a change of owner
	// increments the token. No row: another owner's lease runs.
	sqlAcquireLease = `INSERT INTO actorstore_leases AS l (name, owner, token, expires_at)
		VALUES ($1, $2, 1, now() + $3 * interval '1 millisecond')
		ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner,
			token = CASE WHEN l.owner = EXCLUDED.owner THEN l.token ELSE l.token + 1 END,
			expires_at = EXCLUDED.expires_at
		WHERE l.owner = EXCLUDED.owner OR l.expires_at <= now()
		RETURNING owner, token, expires_at`
	sqlLeaseHolder = `SELECT owner, expires_at FROM actorstore_leases WHERE name = $1`
	sqlRenewLease  = `UPDATE actorstore_leases SET expires_at = now() + $3 * interval '1 millisecond'
		WHERE name = $1 AND token = $2 RETURNING owner, token, expires_at`
	sqlReleaseLease = `UPDATE actorstore_leases SET expires_at = now() WHERE name = $1 AND token = $2`
	// sqlFencedCheckpoint writes the checkpoint only while the token is the
	// lease's. FOR SHARE orders it with a takeover: a takeover that commits
	// first makes the row fail the token test (no write); one that comes
	// later waits until this write has committed, and its owner then reads it.
	sqlFencedCheckpoint = `WITH lease AS (
			SELECT 1 FROM actorstore_leases WHERE name = $3 AND token = $4 FOR SHARE)
		INSERT INTO checkpoints (name, position, updated_at) SELECT $1, $2, now() FROM lease
		ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at`
)

// AcquireLease implements persistence.Leaser.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (persistence.Lease, error) {
	if err := persistence.ValidateLease(name, &owner, &ttl); err != nil {
		return persistence.Lease{}, eventstore.AttachTraceID(err, eventstore.TraceID(ctx))
	}
	type got struct {
		lease persistence.Lease
		held  *persistence.LeaseHeldError
	}
	r, err := runOp(ctx, s, "acquire_lease", IsTransient, func(ctx context.Context) (got, error) {
		l := persistence.Lease{Name: name}
		err := s.pool.QueryRow(ctx, sqlAcquireLease, name, owner, ttl.Milliseconds()).Scan(&l.Owner, &l.Token, &l.Expires)
		if !errors.Is(err, pgx.ErrNoRows) {
			return got{lease: l}, err
		}
		h := &persistence.LeaseHeldError{Name: name}
		err = s.pool.QueryRow(ctx, sqlLeaseHolder, name).Scan(&h.Owner, &h.Expires)
		return got{held: h}, err
	})
	if err != nil {
		return persistence.Lease{}, err
	}
	if r.held != nil {
		return persistence.Lease{}, r.held
	}
	return r.lease, nil
}

// RenewLease implements persistence.Leaser.
func (s *Store) RenewLease(ctx context.Context, name string, token int64, ttl time.Duration) (persistence.Lease, error) {
	if err := persistence.ValidateLease(name, nil, &ttl); err != nil {
		return persistence.Lease{}, eventstore.AttachTraceID(err, eventstore.TraceID(ctx))
	}
	type got struct {
		lease persistence.Lease
		lost  bool
	}
	r, err := runOp(ctx, s, "renew_lease", IsTransient, func(ctx context.Context) (got, error) {
		l := persistence.Lease{Name: name}
		err := s.pool.QueryRow(ctx, sqlRenewLease, name, token, ttl.Milliseconds()).Scan(&l.Owner, &l.Token, &l.Expires)
		if errors.Is(err, pgx.ErrNoRows) {
			return got{lost: true}, nil
		}
		return got{lease: l}, err
	})
	if err != nil {
		return persistence.Lease{}, err
	}
	if r.lost {
		return persistence.Lease{}, &persistence.LeaseLostError{Name: name, Token: token}
	}
	return r.lease, nil
}

// ReleaseLease implements persistence.Leaser.
func (s *Store) ReleaseLease(ctx context.Context, name string, token int64) error {
	if err := persistence.ValidateLease(name, nil, nil); err != nil {
		return eventstore.AttachTraceID(err, eventstore.TraceID(ctx))
	}
	_, err := runOp(ctx, s, "release_lease", IsTransient, func(ctx context.Context) (struct{}, error) {
		_, err := s.pool.Exec(ctx, sqlReleaseLease, name, token)
		return struct{}{}, err
	})
	return err
}

// SetCheckpointFenced implements persistence.Leaser.
func (s *Store) SetCheckpointFenced(ctx context.Context, checkpoint string, pos eventstore.Position,
	lease string, token int64) error {
	if err := validateCheckpointName(checkpoint); err != nil {
		return eventstore.AttachTraceID(err, eventstore.TraceID(ctx))
	}
	if err := persistence.ValidateLease(lease, nil, nil); err != nil {
		return eventstore.AttachTraceID(err, eventstore.TraceID(ctx))
	}
	if pos > math.MaxInt64 {
		return eventstore.AttachTraceID(&eventstore.InputError{Field: "position", Rule: "max",
			Message: "position is out of range"}, eventstore.TraceID(ctx))
	}
	written, err := runOp(ctx, s, "set_checkpoint_fenced", IsTransient, func(ctx context.Context) (bool, error) {
		tag, err := s.pool.Exec(ctx, sqlFencedCheckpoint, checkpoint, int64(pos), lease, token)
		return tag.RowsAffected() == 1, err
	})
	if err != nil {
		return err
	}
	if !written {
		return &persistence.LeaseLostError{Name: lease, Token: token}
	}
	return nil
}
