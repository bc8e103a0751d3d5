package postgres

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// Store is the PostgreSQL persistence.Store. It is safe for concurrent use;
// several Stores (in one process or many) may share one database.
type Store struct {
	cfg     Config
	pool    *pgxpool.Pool
	poolCfg *pgxpool.Config
	// appends is the pool AppendBatch runs on, and nothing else (or pool
	// itself when Config.AppendConns is negative): with
	// appendDefaults its connections carry the fast append's settings
	// (lock_timeout, plan_cache_mode) as session defaults
	// (docs/adr/0031-append-connections.md).
	appends        *pgxpool.Pool
	appendDefaults bool
	host           string // host:port, for errors
	password       string // never printed; used to redact error text
	log            zerolog.Logger
	notifier       *notifier

	closed    atomic.Bool
	retries   atomic.Int64 // attempts after the first, see StoreStats
	closeOnce sync.Once
	done      chan struct{} // closed by Close
}

var _ persistence.Store = (*Store)(nil)

// New opens a Store on url with the default Config.
func New(ctx context.Context, url string) (*Store, error) {
	return Open(ctx, Config{URL: url})
}

// Open checks cfg, connects, and applies the schema migrations the
// database lacks (safe to run from several processes at once). Transient
// failures are retried with cfg.RetryPolicy. The returned Store must be
// closed.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg = cfg.WithDefaults()
	pc, err := cfg.poolConfig()
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		return nil, &eventstore.InputError{Field: "URL", Rule: "format",
			Message: redact(err, cfg.URL).Error()}
	}
	appends, defaults := pool, false // MaxConns 1: one pool for all
	if apc, d := appendPoolConfig(pc, cfg); apc != nil {
		if appends, err = pgxpool.NewWithConfig(context.Background(), apc); err != nil {
			pool.Close()
			return nil, &eventstore.InputError{Field: "URL", Rule: "format",
				Message: redact(err, cfg.URL).Error()}
		}
		defaults = d
	}
	s := &Store{cfg: cfg, pool: pool, poolCfg: pc, appends: appends, appendDefaults: defaults,
		host: hostOf(pc), password: pc.ConnConfig.Password, log: cfg.Logger, done: make(chan struct{})}
	s.notifier = newNotifier(s)
	applied, err := runOp(ctx, s, "migrate", IsTransient, func(ctx context.Context) ([]string, error) {
		return migrate(ctx, pool)
	})
	if err != nil {
		pool.Close()
		appends.Close()
		return nil, err
	}
	if len(applied) > 0 {
		s.log.Info().Strs("migrations", applied).Str("host", s.host).Msg("postgres: schema migrated")
	}
	return s, nil
}

// Close stops notifications (closing their channels) and the pool. It
// waits for calls in progress to release their connections. Calls after
// Close return eventstore.ErrClosed.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.done)
		s.notifier.close()
		s.pool.Close()
		s.appends.Close()
	})
	return nil
}

// runOp runs one store operation: it applies the default timeout when ctx
// has none, retries fn while retryable says so (each attempt bounded by
// AttemptTimeout), and turns failures into the typed errors of the
// eventstore package, with no password (the trace ID of ctx goes to the
// log line of a failure; the API boundary attaches it to the error).
func runOp[T any](ctx context.Context, s *Store, op string, retryable func(error) bool,
	fn func(ctx context.Context) (T, error)) (T, error) {
	var zero T
	trace := eventstore.TraceID(ctx)
	if s.closed.Load() {
		return zero, eventstore.ErrClosed
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.OperationTimeout)
		defer cancel()
	}
	res, attempts, err := persistence.Retry(ctx, s.cfg.RetryPolicy, retryable,
		func(ctx context.Context) (T, error) {
			actx, cancel := context.WithTimeout(ctx, s.cfg.AttemptTimeout)
			defer cancel()
			return fn(actx)
		})
	s.countRetries(attempts)
	if err == nil {
		return res, nil
	}
	return zero, s.wrapError(op, attempts, err, trace)
}

// wrapError maps a failed operation's error to the error callers see.
func (s *Store) wrapError(op string, attempts int, err error, trace string) error {
	if isContractError(err) {
		return err
	}
	if s.closed.Load() {
		return eventstore.ErrClosed
	}
	s.log.Warn().Str("op", op).Str("host", s.host).Int("attempts", attempts).
		Str("trace_id", trace).Err(redact(err, s.password, s.cfg.URL)).Msg("postgres: operation failed")
	return &eventstore.ConnectionError{Host: s.host, Op: op, Attempts: attempts,
		Err: markCanceled(redact(err, s.password, s.cfg.URL))}
}

// isContractError reports the typed errors of the persistence contract,
// which are returned as they are.
func isContractError(err error) bool {
	for _, target := range []error{eventstore.ErrConcurrency, eventstore.ErrStreamNotFound,
		eventstore.ErrInvalidInput, eventstore.ErrDuplicateEvent, eventstore.ErrClosed,
		eventstore.ErrAborted, eventstore.ErrStreamDeleted} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
