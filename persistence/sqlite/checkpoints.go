package sqlite

import (
	"context"

	"github.com/actorstore/actorstore/eventstore"
)

// Checkpoints returns every stored checkpoint, by name (for `actorstore
// copy`; not part of persistence.Store).
func (s *Store) Checkpoints(ctx context.Context) (map[string]eventstore.Position, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	return run(ctx, s, "checkpoints", func(ctx context.Context) (map[string]eventstore.Position, error) {
		rows, err := s.readers.QueryContext(ctx, `SELECT name, position FROM checkpoints`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := map[string]eventstore.Position{}
		for rows.Next() {
			var name string
			var pos int64
			if err := rows.Scan(&name, &pos); err != nil {
				return nil, err
			}
			out[name] = uint64(pos)
		}
		return out, rows.Err()
	})
}
