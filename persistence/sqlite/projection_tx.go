package sqlite

import (
	"context"
	"database/sql"
)

// InWriteTx runs fn in one write transaction on the store's single writer
// connection (BEGIN IMMEDIATE, in the writer's arrival order) and commits
// when fn returns nil (rolls back otherwise). Appends wait while fn runs, so
// keep it short. It is how projections hand the user's handler a *sql.Tx
// that commits together with the projection's checkpoint
// (docs/adr/0019-projections.md). It is not retried: the caller owns its
// retry policy. ctx bounds the transaction (the store's Timeout when ctx
// has no deadline).
func (s *Store) InWriteTx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return err
	}
	defer leave()
	if err := s.turn.take(ctx); err != nil {
		return err
	}
	defer s.turn.give()
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if err := fn(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}
