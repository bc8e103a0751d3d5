package persistence

import "time"

// StatsReporter is implemented by stores that count their own work; the
// telemetry package reads it at each metrics collection. Both backends
// implement it.
type StatsReporter interface {
	// StoreStats returns a snapshot of the store's counters. It is cheap
	// and safe for concurrent use, also after Close.
	StoreStats() StoreStats
}

// StoreStats is a snapshot of a store's counters since it was opened.
type StoreStats struct {
	// Retries counts attempts of an operation after its first one, made
	// because a transient error (a lost connection, a busy database) was
	// retried.
	Retries int64
	// Pool is the connection pool; nil for stores without one (the
	// embedded store).
	Pool *PoolStats
}

// PoolStats is a snapshot of a database connection pool.
type PoolStats struct {
	// MaxConns is the pool's size.
	MaxConns int64
	// TotalConns are open now: Acquired (in use), Idle, and Constructing
	// (being opened).
	TotalConns, AcquiredConns, IdleConns, ConstructingConns int64
	// Acquires counts connections handed out; EmptyAcquires those that
	// had to wait because no idle connection was free; CanceledAcquires
	// those whose caller gave up first.
	Acquires, EmptyAcquires, CanceledAcquires int64
	// AcquireWait is the total time callers waited for a connection.
	AcquireWait time.Duration
	// NewConns counts connections opened; LifetimeClosed and IdleClosed
	// those closed for their age or idleness.
	NewConns, LifetimeClosed, IdleClosed int64
}
