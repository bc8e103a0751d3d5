package actorstore

import (
	"path/filepath"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/instruments"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/postgres"
	"github.com/actorstore/actorstore/persistence/sqlite"
	"github.com/actorstore/actorstore/schemas"
	"github.com/actorstore/actorstore/streams"
	"github.com/actorstore/actorstore/subscriptions"
)

// Defaults of Config; a zero field means its default.
const (
	// DefaultDataDir holds the embedded store's file when no PostgreSQL URL is given.
	DefaultDataDir = "data"
	// EmbeddedFileName is the embedded store's file inside DataDir.
	EmbeddedFileName = "actorstore.db"
)

// Config configures Open. Every field is optional: the zero Config runs on
// the embedded store in ./data with the defaults listed on each field.
type Config struct {
	// PostgresURL selects PostgreSQL (a postgres:// URL or libpq string).
	// Empty selects the embedded SQLite store in DataDir. The URL's password
	// never appears in errors or logs.
	PostgresURL string
	// DataDir is the directory of the embedded store (default "data"); it is
	// created when missing. Ignored with PostgresURL.
	DataDir string

	// Pool configures PostgreSQL connections (ignored on the embedded store).
	Pool PoolConfig

	// RequestTimeout bounds an Append, ReadStream or ReadAll whose ctx has
	// no deadline. Default 10s.
	RequestTimeout time.Duration
	// TxTimeout bounds a Transact whose ctx has no earlier deadline; when it
	// passes, the transaction is aborted and its streams are free again.
	// Default 5s.
	TxTimeout time.Duration
	// Retry is how transient database errors are retried: exponential
	// backoff with jitter. Defaults: 5 attempts, 50ms base, 2s cap.
	Retry RetryPolicy
	// Limits bound what one append may contain. Defaults: stream IDs 512
	// bytes, types 256 bytes, 1 MiB per event, 100,000 events per batch.
	Limits eventstore.Limits

	// IdleTimeout passivates a stream actor idle for this long. Default 1m.
	IdleTimeout time.Duration
	// MaxLiveStreams is the soft cap on live stream actors; above it the
	// least recently used idle ones are passivated. Default 10,000.
	MaxLiveStreams int
	// CacheBytes is each live stream's budget of recent events kept to serve
	// reads; negative disables the cache. Default 64 KiB.
	CacheBytes int
	// MaxBatchEvents and MaxBatchBytes cap one group commit. Defaults 2,000
	// events and 4 MiB.
	MaxBatchEvents int
	MaxBatchBytes  int

	// SharedWriters says that other processes append to the same database:
	// the nodes of a cluster (`actorstore serve --cluster-name` sets it).
	// Stream actors then verify a conflict against the database before
	// answering it, and stream reads go to the database instead of the
	// actors' caches, because another node may have written the stream
	// since an actor loaded it. Requires PostgreSQL. Default false.
	SharedWriters bool

	// Schemas, when set, validates every appended event against its type's
	// schema (strict, warn or off per type: a strict failure rejects the
	// whole append or transaction with a *ValidationError), stores the
	// schema version it chose, and upcasts events to the latest version of
	// their type on ReadStream, ReadAll and Subscribe. Nil: no validation.
	// Register types before Open; the registry is safe for concurrent use.
	Schemas *schemas.Registry

	// Subscriptions configures the subscription hub: default credit window,
	// catch-up page size, checkpoint frequency of durable subscriptions.
	// Zero fields mean the defaults of package subscriptions.
	Subscriptions SubscriptionsConfig
	// Scavenge runs background scavenges (docs/lifecycle.md). Default: none.
	Scavenge ScavengeConfig
	// Encryption turns on crypto-shredding (docs/lifecycle.md). Default: off.
	Encryption EncryptionConfig

	// Logger receives the logs of the store, its actors and protoactor.
	// The zero value logs nothing.
	Logger zerolog.Logger

	// MeterProvider receives the store's synchronous instruments (append
	// and read latency, errors by code, group-commit sizes and times,
	// bytes appended, events delivered; see docs/operations.md). Nil: a
	// private provider whose metrics the telemetry package serves at
	// /metrics. With a provider of your own, open with OpenEngine and call
	// telemetry.Register(mp, engine) for the asynchronous instruments, and
	// export with your provider.
	MeterProvider metric.MeterProvider
	// TracerProvider, when set, traces every operation: spans for the
	// caller, the stream actor, the group-commit writer (linked to the
	// appends it commits) and the database commit, and for subscription
	// deliveries. Nil: no spans (operations still get trace IDs).
	TracerProvider trace.TracerProvider
}

// PoolConfig configures the PostgreSQL connection pool. Zero fields mean
// the defaults of persistence/postgres.
type PoolConfig struct {
	// MaxConns is the most connections the store opens. Default 10.
	MaxConns int32
	// AppendConns of MaxConns form the appends' own pool. Default 2 (1
	// when MaxConns is 2); negative: appends share the one pool (the
	// default when MaxConns is 1). Must be below MaxConns.
	AppendConns int32
	// MinConns idle connections are kept open. Default 0.
	MinConns int32
	// MaxConnLifetime closes older connections. Default 1h.
	MaxConnLifetime time.Duration
	// MaxConnIdleTime closes connections idle this long. Default 30m.
	MaxConnIdleTime time.Duration
	// StatementCacheMode: "prepare" (default), "describe" (for PgBouncer in
	// transaction mode), "exec" or "simple".
	StatementCacheMode string
	// StatementCacheCapacity statements are cached per connection. Default 512.
	StatementCacheCapacity int
}

// Validate reports the first bad field of c as an *InputError naming it.
func (c Config) Validate() error {
	bad := func(field, msg string) error {
		return &eventstore.InputError{Field: field, Rule: "range", Message: msg}
	}
	switch {
	case c.RequestTimeout < 0 || c.TxTimeout < 0 || c.IdleTimeout < 0:
		return bad("Timeout", "timeouts must not be negative")
	case c.MaxLiveStreams < 0:
		return bad("MaxLiveStreams", "must not be negative")
	case c.MaxBatchEvents < 0 || c.MaxBatchBytes < 0:
		return bad("MaxBatchEvents", "batch caps must not be negative")
	case c.Retry.MaxAttempts < 0 || c.Retry.Base < 0 || c.Retry.Cap < 0:
		return bad("Retry", "retry settings must not be negative")
	}
	if err := c.Scavenge.validate(); err != nil {
		return err
	}
	if err := c.Encryption.validate(); err != nil {
		return err
	}
	if err := c.Subscriptions.hub().Validate(); err != nil {
		return &eventstore.InputError{Field: "Subscriptions", Rule: "valid", Message: err.Error()}
	}
	if c.SharedWriters && c.Embedded() {
		return &eventstore.InputError{Field: "SharedWriters", Rule: "postgres",
			Message: "shared writers (a cluster) need PostgreSQL: the embedded store belongs to one process"}
	}
	if c.PostgresURL != "" {
		return c.postgresConfig().Validate()
	}
	return c.sqliteConfig().Validate()
}

// Embedded reports whether c selects the embedded store.
func (c Config) Embedded() bool { return c.PostgresURL == "" }

func (c Config) dataDir() string {
	if c.DataDir == "" {
		return DefaultDataDir
	}
	return c.DataDir
}

func (c Config) postgresConfig() postgres.Config {
	return postgres.Config{
		URL:                    c.PostgresURL,
		MaxConns:               c.Pool.MaxConns,
		AppendConns:            c.Pool.AppendConns,
		MinConns:               c.Pool.MinConns,
		MaxConnLifetime:        c.Pool.MaxConnLifetime,
		MaxConnIdleTime:        c.Pool.MaxConnIdleTime,
		StatementCacheMode:     c.Pool.StatementCacheMode,
		StatementCacheCapacity: c.Pool.StatementCacheCapacity,
		RetryPolicy:            c.Retry.policy(),
		Limits:                 c.Limits,
		Logger:                 c.Logger,
	}
}

func (c Config) sqliteConfig() sqlite.Config {
	return sqlite.Config{
		Path:      filepath.Join(c.dataDir(), EmbeddedFileName),
		Exclusive: true, // one process at a time: the stream actors trust their heads
		Limits:    c.Limits,
		Retry:     c.Retry.policy(),
		Logger:    c.Logger,
	}
}

func (c Config) streamsConfig(store persistence.Store) streams.Config {
	cfg := streams.Config{
		Store:          store,
		Logger:         c.Logger,
		Limits:         c.Limits,
		IdleTimeout:    c.IdleTimeout,
		MaxLiveStreams: c.MaxLiveStreams,
		CacheBytes:     c.CacheBytes,
		MaxBatchEvents: c.MaxBatchEvents,
		MaxBatchBytes:  c.MaxBatchBytes,
		TxTimeout:      c.TxTimeout,
		RequestTimeout: c.RequestTimeout,
	}
	if c.SharedWriters {
		cfg.VerifyConflicts, cfg.CacheBytes = true, -1
	}
	if c.Encryption.MasterKey != nil {
		cfg.CacheBytes = -1 // no plaintext kept in memory past a Forget
	}
	return cfg
}

// telemetry creates the store's instruments and tracer: with
// MeterProvider, or with a private provider read through reader.
func (c Config) telemetry() (*instruments.Set, *sdkmetric.ManualReader, *sdkmetric.MeterProvider, error) {
	mp := c.MeterProvider
	var (
		reader *sdkmetric.ManualReader
		own    *sdkmetric.MeterProvider
	)
	if mp == nil {
		reader = sdkmetric.NewManualReader()
		own = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
		mp = own
	}
	t, err := instruments.New(mp, c.TracerProvider)
	return t, reader, own, err
}

// RetryPolicy says how often and how long a failure is retried:
// MaxAttempts counts the first try (1: no retries); waits grow
// exponentially from Base, doubling up to Cap, with jitter. Zero fields
// mean the defaults: 5 attempts, 50ms, 2s.
type RetryPolicy struct {
	MaxAttempts int
	Base, Cap   time.Duration
}

func (p RetryPolicy) policy() persistence.RetryPolicy {
	return persistence.RetryPolicy{MaxAttempts: p.MaxAttempts, Base: p.Base, Cap: p.Cap}
}

// SubscriptionsConfig configures the subscription hub. Zero fields mean
// the defaults of package subscriptions (named there).
type SubscriptionsConfig struct {
	// Window is the default credit window; MaxWindow caps what a
	// subscriber may ask for.
	Window, MaxWindow int
	// BufferFactor bounds the live events a subscription holds, as a
	// multiple of its window.
	BufferFactor int
	// PageSize bounds one catch-up read.
	PageSize int
	// CheckpointEvery: a filtered all-stream subscription sends a
	// Checkpoint after this many positions passed with nothing delivered.
	CheckpointEvery uint64
	// RemoteGrace is how long the hub waits, after a notification of a
	// commit it was not handed in process, before it reads the commit from
	// the store (made by another process).
	RemoteGrace time.Duration
	// AckEvery and AckInterval: a durable subscription stores its
	// checkpoint after this many acknowledged positions, or this long after
	// the first acknowledgement not yet stored, whichever is first.
	AckEvery    int
	AckInterval time.Duration
	// StopTimeout bounds the last checkpoint write of a stopping durable
	// subscription and the hub's stop.
	StopTimeout time.Duration
	// LeaseTTL is the lease of a durable subscription's owner among all
	// processes on the database: a dead owner is replaced within 4/3 of it
	// (default 3 s; at least 30ms).
	LeaseTTL time.Duration
}

func (c SubscriptionsConfig) hub() subscriptions.Config {
	return subscriptions.Config{Window: c.Window, MaxWindow: c.MaxWindow, BufferFactor: c.BufferFactor,
		PageSize: c.PageSize, CheckpointEvery: c.CheckpointEvery, RemoteGrace: c.RemoteGrace,
		AckEvery: c.AckEvery, AckInterval: c.AckInterval, StopTimeout: c.StopTimeout, LeaseTTL: c.LeaseTTL}
}
