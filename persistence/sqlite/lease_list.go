package sqlite

import (
	"context"
	"time"

	"github.com/actorstore/actorstore/persistence"
)

var _ persistence.LeaseLister = (*Store)(nil)

// sqlListLeases: the running leases under a prefix (substr, not LIKE: the
// prefix may hold % and _).
const sqlListLeases = `SELECT name, owner, token, expires_ms FROM leases
	WHERE substr(name, 1, length(?1)) = ?1 AND expires_ms > ` + nowMS + ` ORDER BY name`

// ListLeases implements persistence.LeaseLister.
func (s *Store) ListLeases(ctx context.Context, prefix string) ([]persistence.Lease, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	return run(ctx, s, "list leases", func(ctx context.Context) ([]persistence.Lease, error) {
		rows, err := s.readers.QueryContext(ctx, sqlListLeases, prefix)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []persistence.Lease
		for rows.Next() {
			var l persistence.Lease
			var ms int64
			if err := rows.Scan(&l.Name, &l.Owner, &l.Token, &ms); err != nil {
				return nil, err
			}
			l.Expires = time.UnixMilli(ms)
			out = append(out, l)
		}
		return out, rows.Err()
	})
}
