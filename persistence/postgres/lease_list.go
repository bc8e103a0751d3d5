package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/actorstore/actorstore/persistence"
)

var _ persistence.LeaseLister = (*Store)(nil)

// sqlListLeases: the running leases under a prefix (the primary key's
// range: starts_with is not indexable, a range of the "C"-collated key is).
const sqlListLeases = `SELECT name, owner, token, expires_at FROM actorstore_leases
	WHERE starts_with(name, $1) AND expires_at > now() ORDER BY name`

// ListLeases implements persistence.LeaseLister.
func (s *Store) ListLeases(ctx context.Context, prefix string) ([]persistence.Lease, error) {
	return runOp(ctx, s, "list_leases", IsTransient, func(ctx context.Context) ([]persistence.Lease, error) {
		rows, err := s.pool.Query(ctx, sqlListLeases, prefix)
		if err != nil {
			return nil, err
		}
		var out []persistence.Lease
		var l persistence.Lease
		_, err = pgx.ForEachRow(rows, []any{&l.Name, &l.Owner, &l.Token, &l.Expires}, func() error {
			out = append(out, l)
			return nil
		})
		return out, err
	})
}
