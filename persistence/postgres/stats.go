package postgres

import "github.com/actorstore/actorstore/persistence"

var _ persistence.StatsReporter = (*Store)(nil)

// StoreStats returns the retry counter and a snapshot of the connection
// pool (pgxpool.Stat), in persistence's types so that no pgx type leaks
// upward. Safe for concurrent use, also after Close.
func (s *Store) StoreStats() persistence.StoreStats {
	st := s.pool.Stat()
	return persistence.StoreStats{
		Retries: s.retries.Load(),
		Pool: &persistence.PoolStats{
			MaxConns:          int64(st.MaxConns()),
			TotalConns:        int64(st.TotalConns()),
			AcquiredConns:     int64(st.AcquiredConns()),
			IdleConns:         int64(st.IdleConns()),
			ConstructingConns: int64(st.ConstructingConns()),
			Acquires:          st.AcquireCount(),
			EmptyAcquires:     st.EmptyAcquireCount(),
			CanceledAcquires:  st.CanceledAcquireCount(),
			AcquireWait:       st.AcquireDuration(),
			NewConns:          st.NewConnsCount(),
			LifetimeClosed:    st.MaxLifetimeDestroyCount(),
			IdleClosed:        st.MaxIdleDestroyCount(),
		},
	}
}

// countRetries adds the attempts of one operation after its first.
func (s *Store) countRetries(attempts int) {
	if attempts > 1 {
		s.retries.Add(int64(attempts - 1))
	}
}
