package postgres

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// Defaults used for zero fields of Config.
const (
	DefaultMaxConns               = 10
	DefaultAppendConns            = 2
	DefaultMaxConnLifetime        = time.Hour
	DefaultMaxConnIdleTime        = 30 * time.Minute
	DefaultStatementCacheMode     = "prepare"
	DefaultStatementCacheCapacity = 512
	DefaultOperationTimeout       = 10 * time.Second
	DefaultAttemptTimeout         = 5 * time.Second
	DefaultNotifyChannel          = "actorstore_events"
	DefaultCopyThreshold          = 4096
)

// Config configures a Store. The zero value of every field but URL means
// its default; Validate checks a Config and Open applies the defaults.
type Config struct {
	// URL is a libpq connection string or postgres:// URL (required). It is
	// never printed: errors and logs carry host:port only.
	URL string

	// MaxConns is the most connections the store opens. Default 10.
	// AppendConns of them form a pool of their own for appends; the rest
	// serve everything else.
	MaxConns int32
	// AppendConns is how many of MaxConns are set apart for appends, in a
	// pool whose connections carry the one-statement append's settings
	// (docs/adr/0031-append-connections.md). Default 2, or 1 when
	// MaxConns is 2 (one runtime commits one batch at a time, so its
	// appends hold one connection). Negative: no pool of their own; appends
	// share the one pool and send their settings with every commit (the
	// default when MaxConns is 1). It must be below MaxConns.
	AppendConns int32
	// MinConns is the number of idle connections kept open. Default 0.
	MinConns int32
	// MaxConnLifetime closes connections older than this. Default 1h.
	MaxConnLifetime time.Duration
	// MaxConnIdleTime closes connections idle for this long. Default 30m.
	MaxConnIdleTime time.Duration

	// StatementCacheMode is how pgx prepares statements: "prepare" (default:
	// prepared statements cached per connection), "describe" (cache only
	// the description; for PgBouncer in transaction mode), "exec" or
	// "simple" (no cache).
	StatementCacheMode string
	// StatementCacheCapacity is the number of statements cached per
	// connection. Default 512.
	StatementCacheCapacity int

	// OperationTimeout bounds a call whose ctx has no deadline, retries
	// included. Default 10s.
	OperationTimeout time.Duration
	// AttemptTimeout bounds one attempt of a call; an attempt that runs
	// out of time is retried. Default 5s (or OperationTimeout if smaller);
	// it must not exceed OperationTimeout. Set it above the time your
	// largest batches take to commit.
	AttemptTimeout time.Duration
	// RetryPolicy says how transient failures are retried.
	RetryPolicy persistence.RetryPolicy
	// Limits bound what one append may contain.
	Limits eventstore.Limits

	// CopyThreshold is the number of events of a batch from which the
	// events are inserted with COPY rather than one multi-row INSERT. Such
	// batches take the locking append (COPY needs the positions first);
	// smaller all-exact batches take the one-statement append (ADR 0009).
	// Default 4096: above the stream actors' largest group commit (2,000
	// events by default), so every one of them takes the one-statement
	// append, measured faster than the locking append with COPY up to
	// 1,000 events (BenchmarkFastVsCopy, docs/storage.md).
	CopyThreshold int

	// Logger receives the store's logs. Default zerolog.Nop().
	Logger zerolog.Logger
	// NotifyChannel is the LISTEN/NOTIFY channel that carries commit
	// positions. Every process sharing a database must use the same one.
	// Default "actorstore_events".
	NotifyChannel string
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	setDefault(&c.MaxConns, DefaultMaxConns)
	if c.AppendConns == 0 {
		c.AppendConns = min(DefaultAppendConns, c.MaxConns-1)
		if c.AppendConns == 0 {
			c.AppendConns = -1 // MaxConns 1: no pool of their own
		}
	}
	setDefault(&c.MaxConnLifetime, DefaultMaxConnLifetime)
	setDefault(&c.MaxConnIdleTime, DefaultMaxConnIdleTime)
	setDefault(&c.StatementCacheMode, DefaultStatementCacheMode)
	setDefault(&c.StatementCacheCapacity, DefaultStatementCacheCapacity)
	setDefault(&c.OperationTimeout, DefaultOperationTimeout)
	setDefault(&c.AttemptTimeout, min(DefaultAttemptTimeout, c.OperationTimeout))
	setDefault(&c.NotifyChannel, DefaultNotifyChannel)
	setDefault(&c.CopyThreshold, DefaultCopyThreshold)
	c.RetryPolicy = c.RetryPolicy.WithDefaults()
	c.Limits = c.Limits.WithDefaults()
	return c
}

func setDefault[T comparable](field *T, def T) {
	var zero T
	if *field == zero {
		*field = def
	}
}

// Validate reports the first problem of c (after defaults) as a
// *eventstore.InputError naming the field. Its text never contains the
// URL's password.
func (c Config) Validate() error {
	_, err := c.WithDefaults().poolConfig()
	return err
}

func (c Config) check() error {
	bad := func(field, rule, msg string) error {
		return &eventstore.InputError{Field: field, Rule: rule, Message: msg}
	}
	switch {
	case c.URL == "":
		return bad("URL", "required", "a PostgreSQL URL is required")
	case c.MaxConns < 1:
		return bad("MaxConns", "positive", "pool size must be positive")
	case c.AppendConns >= c.MaxConns:
		return bad("AppendConns", "range", "must be below MaxConns (the rest of the store needs a connection)")
	case c.MinConns < 0 || c.MinConns > c.MaxConns:
		return bad("MinConns", "range", "must be between 0 and MaxConns")
	case c.MaxConnLifetime < 0 || c.MaxConnIdleTime < 0:
		return bad("MaxConnLifetime", "positive", "connection lifetimes must not be negative")
	case c.CopyThreshold < 1:
		return bad("CopyThreshold", "positive", "must be positive")
	case c.StatementCacheCapacity < 0:
		return bad("StatementCacheCapacity", "positive", "must not be negative")
	case c.OperationTimeout < 0 || c.AttemptTimeout < 0:
		return bad("OperationTimeout", "positive", "timeouts must not be negative")
	case c.AttemptTimeout > c.OperationTimeout:
		return bad("AttemptTimeout", "range", "must not exceed OperationTimeout")
	case len(c.NotifyChannel) > 63:
		return bad("NotifyChannel", "max_length", "a channel name is at most 63 bytes")
	}
	if _, ok := execModes[c.StatementCacheMode]; !ok {
		return bad("StatementCacheMode", "enum", "want prepare, describe, exec or simple, got "+
			strconv.Quote(c.StatementCacheMode))
	}
	return nil
}

var execModes = map[string]pgx.QueryExecMode{
	"prepare":  pgx.QueryExecModeCacheStatement,
	"describe": pgx.QueryExecModeCacheDescribe,
	"exec":     pgx.QueryExecModeExec,
	"simple":   pgx.QueryExecModeSimpleProtocol,
}

// poolConfig checks c (defaults applied) and builds the pgxpool config.
func (c Config) poolConfig() (*pgxpool.Config, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	pc, err := pgxpool.ParseConfig(c.URL)
	if err != nil {
		// pgx's ParseConfigError redacts the password; keep only its text
		// and the redacted form of the URL.
		return nil, &eventstore.InputError{Field: "URL", Rule: "format",
			Message: redact(err, c.URL).Error()}
	}
	pc.MaxConns = c.MaxConns - max(c.AppendConns, 0) // the append pool's are set apart
	pc.MinConns = min(c.MinConns, pc.MaxConns)
	pc.MaxConnLifetime, pc.MaxConnIdleTime = c.MaxConnLifetime, c.MaxConnIdleTime
	pc.ConnConfig.DefaultQueryExecMode = execModes[c.StatementCacheMode]
	pc.ConnConfig.StatementCacheCapacity = c.StatementCacheCapacity
	pc.ConnConfig.DescriptionCacheCapacity = c.StatementCacheCapacity
	pc.AfterConnect = registerTypes
	return pc, nil
}

// appendPoolConfig is the configuration of the append pool (Store.appends):
// pc's, of AppendConns connections, no idle connections kept; nil when
// AppendConns is negative (appends share pc's pool and send their
// settings with every commit). With prepared statements
// (StatementCacheMode "prepare") each of its connections gets the fast
// append's settings as session defaults when it opens (defaults true);
// the other modes are meant for transaction poolers, where a session
// setting is not the session's own, so the fast append then sets them in
// its transaction (docs/adr/0031-append-connections.md).
func appendPoolConfig(pc *pgxpool.Config, c Config) (apc *pgxpool.Config, defaults bool) {
	if c.AppendConns < 0 {
		return nil, false
	}
	apc = pc.Copy()
	apc.MaxConns, apc.MinConns = c.AppendConns, 0
	if c.StatementCacheMode != "prepare" {
		return apc, false
	}
	apc.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		if err := registerTypes(ctx, conn); err != nil {
			return err
		}
		_, err := conn.Exec(ctx, sqlAppendConnDefaults)
		return err
	}
	return apc, true
}

// registerTypes tells pgx the PostgreSQL types of the Go types the store
// sends, which the exec and simple modes (no server-side description)
// need to encode uuid.UUID and []uuid.UUID.
func registerTypes(_ context.Context, conn *pgx.Conn) error {
	tm := conn.TypeMap()
	tm.RegisterDefaultPgType(uuid.UUID{}, "uuid")
	tm.RegisterDefaultPgType([]uuid.UUID{}, "_uuid")
	return nil
}

// hostOf renders the server address of a parsed config as host:port.
func hostOf(pc *pgxpool.Config) string {
	return net.JoinHostPort(pc.ConnConfig.Host, strconv.Itoa(int(pc.ConnConfig.Port)))
}

// String renders c without the password.
func (c Config) String() string {
	return fmt.Sprintf("postgres.Config{URL: %s, MaxConns: %d, OperationTimeout: %v}",
		redactURL(c.URL), c.MaxConns, c.OperationTimeout)
}
