package postgres

import (
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/actorstore/actorstore/persistence"
)

var _ persistence.StatsReporter = (*Store)(nil)

// StoreStats returns the retry counter and a snapshot of the connection
// pools (pgxpool.Stat of the append pool and of the other, summed: at
// most Config.MaxConns connections in all), in
// persistence's types so that no pgx type leaks upward. Safe for
// concurrent use, also after Close.
func (s *Store) StoreStats() persistence.StoreStats {
	p := &persistence.PoolStats{}
	pools := []*pgxpool.Pool{s.pool, s.appends}
	if s.appends == s.pool {
		pools = pools[:1]
	}
	for _, pool := range pools {
		st := pool.Stat()
		p.MaxConns += int64(st.MaxConns())
		p.TotalConns += int64(st.TotalConns())
		p.AcquiredConns += int64(st.AcquiredConns())
		p.IdleConns += int64(st.IdleConns())
		p.ConstructingConns += int64(st.ConstructingConns())
		p.Acquires += st.AcquireCount()
		p.EmptyAcquires += st.EmptyAcquireCount()
		p.CanceledAcquires += st.CanceledAcquireCount()
		p.AcquireWait += st.AcquireDuration()
		p.NewConns += st.NewConnsCount()
		p.LifetimeClosed += st.MaxLifetimeDestroyCount()
		p.IdleClosed += st.MaxIdleDestroyCount()
	}
	return persistence.StoreStats{Retries: s.retries.Load(), Pool: p}
}

// countRetries adds the attempts of one operation after its first.
func (s *Store) countRetries(attempts int) {
	if attempts > 1 {
		s.retries.Add(int64(attempts - 1))
	}
}
