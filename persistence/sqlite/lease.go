package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

var _ persistence.Leaser = (*Store)(nil)

// nowMS is SQLite's clock in Unix milliseconds.
const nowMS = `CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`

// The lease statements (docs/adr/0011-consumer-leases.md). Each is one
// statement on the single writer connection, so it is atomic and ordered
// with every other write.
const (
	sqlAcquireLease = `INSERT INTO leases (name, owner, token, expires_ms) VALUES (?1, ?2, 1, ` + nowMS + ` + ?3)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner,
			token = CASE WHEN leases.owner = excluded.owner THEN leases.token ELSE leases.token + 1 END,
			expires_ms = excluded.expires_ms
		WHERE leases.owner = excluded.owner OR leases.expires_ms <= ` + nowMS + `
		RETURNING owner, token, expires_ms`
	sqlLeaseHolder = `SELECT owner, expires_ms FROM leases WHERE name = ?`
	sqlRenewLease  = `UPDATE leases SET expires_ms = ` + nowMS + ` + ?3 WHERE name = ?1 AND token = ?2
		RETURNING owner, token, expires_ms`
	sqlReleaseLease     = `UPDATE leases SET expires_ms = ` + nowMS + ` WHERE name = ? AND token = ?`
	sqlFencedCheckpoint = `INSERT INTO checkpoints (name, position)
		SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM leases WHERE name = ?3 AND token = ?4)
		ON CONFLICT (name) DO UPDATE SET position = excluded.position`
)

// AcquireLease implements persistence.Leaser.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (persistence.Lease, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return persistence.Lease{}, err
	}
	defer leave()
	if err := persistence.ValidateLease(name, &owner, &ttl); err != nil {
		return persistence.Lease{}, s.fail(ctx, "acquire lease", 0, err)
	}
	type got struct {
		lease persistence.Lease
		held  *persistence.LeaseHeldError
	}
	r, err := run(ctx, s, "acquire lease", func(ctx context.Context) (got, error) {
		if err := s.turn.take(ctx); err != nil {
			return got{}, err
		}
		defer s.turn.give()
		l := persistence.Lease{Name: name}
		var ms int64
		err := s.writer.QueryRowContext(ctx, sqlAcquireLease, name, owner, ttl.Milliseconds()).Scan(&l.Owner, &l.Token, &ms)
		if !errors.Is(err, sql.ErrNoRows) {
			l.Expires = time.UnixMilli(ms)
			return got{lease: l}, err
		}
		h := &persistence.LeaseHeldError{Name: name}
		err = s.writer.QueryRowContext(ctx, sqlLeaseHolder, name).Scan(&h.Owner, &ms)
		h.Expires = time.UnixMilli(ms)
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
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return persistence.Lease{}, err
	}
	defer leave()
	if err := persistence.ValidateLease(name, nil, &ttl); err != nil {
		return persistence.Lease{}, s.fail(ctx, "renew lease", 0, err)
	}
	type got struct {
		lease persistence.Lease
		lost  bool
	}
	r, err := run(ctx, s, "renew lease", func(ctx context.Context) (got, error) {
		if err := s.turn.take(ctx); err != nil {
			return got{}, err
		}
		defer s.turn.give()
		l := persistence.Lease{Name: name}
		var ms int64
		err := s.writer.QueryRowContext(ctx, sqlRenewLease, name, token, ttl.Milliseconds()).Scan(&l.Owner, &l.Token, &ms)
		if errors.Is(err, sql.ErrNoRows) {
			return got{lost: true}, nil
		}
		l.Expires = time.UnixMilli(ms)
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
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return err
	}
	defer leave()
	if err := persistence.ValidateLease(name, nil, nil); err != nil {
		return s.fail(ctx, "release lease", 0, err)
	}
	_, err = run(ctx, s, "release lease", func(ctx context.Context) (struct{}, error) {
		if err := s.turn.take(ctx); err != nil {
			return struct{}{}, err
		}
		defer s.turn.give()
		_, err := s.writer.ExecContext(ctx, sqlReleaseLease, name, token)
		return struct{}{}, err
	})
	return err
}

// SetCheckpointFenced implements persistence.Leaser.
func (s *Store) SetCheckpointFenced(ctx context.Context, checkpoint string, pos eventstore.Position,
	lease string, token int64) error {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return err
	}
	defer leave()
	if err := validateName(checkpoint); err != nil {
		return s.fail(ctx, "set checkpoint", 0, err)
	}
	if err := persistence.ValidateLease(lease, nil, nil); err != nil {
		return s.fail(ctx, "set checkpoint", 0, err)
	}
	written, err := run(ctx, s, "set checkpoint", func(ctx context.Context) (bool, error) {
		if err := s.turn.take(ctx); err != nil {
			return false, err
		}
		defer s.turn.give()
		res, err := s.writer.ExecContext(ctx, sqlFencedCheckpoint, checkpoint, clamp(pos), lease, token)
		if err != nil {
			return false, err
		}
		n, err := res.RowsAffected()
		return n == 1, err
	})
	if err != nil {
		return err
	}
	if !written {
		return &persistence.LeaseLostError{Name: lease, Token: token}
	}
	return nil
}
