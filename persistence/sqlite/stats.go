package sqlite

import "github.com/actorstore/actorstore/persistence"

var _ persistence.StatsReporter = (*Store)(nil)

// StoreStats returns the retry counter; the embedded store has no
// connection pool to report (Pool is nil). Safe for concurrent use.
func (s *Store) StoreStats() persistence.StoreStats {
	return persistence.StoreStats{Retries: s.retries.Load()}
}
