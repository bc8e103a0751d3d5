package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/actorstore/actorstore/eventstore"
)

// InTx runs fn in one transaction on the store's database and commits when
// fn returns nil (rolls back otherwise). It is how projections hand the
// user's handler a pgx.Tx that commits together with the projection's
// checkpoint (docs/adr/0019-projections.md). It is not retried: the caller
// owns its retry policy. Safe for concurrent use; ctx bounds the whole
// transaction (the store's OperationTimeout when ctx has no deadline).
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	if s.closed.Load() {
		return eventstore.ErrClosed
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.OperationTimeout)
		defer cancel()
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return fn(ctx, tx) })
}
