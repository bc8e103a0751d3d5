package streams

import (
	"errors"
	"time"

	"github.com/rs/zerolog"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/instruments"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/supervisor"
)

// Defaults of Config. A zero field of Config means its default.
const (
	DefaultIdleTimeout       = time.Minute
	DefaultMaxLiveStreams    = 10_000
	DefaultCacheBytes        = 64 << 10
	DefaultIdempotencyWindow = 1_000
	DefaultMaxBatchEvents    = 2_000
	DefaultMaxBatchBytes     = 4 << 20
	DefaultTxTimeout         = 5 * time.Second
	DefaultRequestTimeout    = 10 * time.Second
	DefaultMaxLoads          = 4
)

// Config configures a Runtime. Only Store is required.
type Config struct {
	// Store is where events are committed. Required. The Runtime does not close it.
	Store persistence.Store
	// System is the actor system to run in. When nil the Runtime starts its own
	// and shuts it down on Close.
	System *actors.System
	// Logger receives the runtime's logs. The zero value logs nothing.
	Logger zerolog.Logger
	// Limits validate every append at the API (zero fields: eventstore.DefaultLimits).
	Limits eventstore.Limits
	// IdleTimeout passivates (stops) a stream actor that got no message for
	// this long. Default DefaultIdleTimeout.
	IdleTimeout time.Duration
	// MaxLiveStreams is the number of stream actors above which idle ones are
	// passivated, least recently used first. It is a soft cap: a busy actor
	// is never passivated. Default DefaultMaxLiveStreams.
	MaxLiveStreams int
	// CacheBytes is the budget, per live stream, of recent events kept to
	// serve reads (sum of data and metadata sizes). Negative disables the
	// cache. Default DefaultCacheBytes.
	CacheBytes int
	// VerifyConflicts: other processes append to the same store (a
	// cluster, where single activation of a stream is not guaranteed and
	// transactions run on any node), so an actor's in-memory head may be
	// behind. A conflict found in memory is then answered only from a head
	// loaded (or committed by this actor) after the request arrived; else
	// the head is reloaded first. Set CacheBytes negative too: the cache
	// can be behind in the same way. Default false: this process is the
	// only writer.
	VerifyConflicts bool
	// MaxLoads is how many stream actors read their head and recent
	// events from the store at once when they start; the others wait
	// their turn. A burst of new or reactivated streams (256 callers
	// appending to new streams after a start) otherwise asks the store's
	// pool for as many connections at once, and the pool opens a new one
	// for each until it is full, which costs far more than the reads
	// themselves. An entity's load, which may fold many events, takes no
	// turn: it would hold up every other stream's start. Default
	// DefaultMaxLoads.
	MaxLoads int
	// IdempotencyWindow is how many recent event IDs each live stream
	// remembers to answer retries without the store. Default DefaultIdempotencyWindow.
	IdempotencyWindow int
	// MaxBatchEvents and MaxBatchBytes cap one group commit (one
	// Store.AppendBatch); a single larger append is still committed alone.
	// Defaults DefaultMaxBatchEvents and DefaultMaxBatchBytes.
	MaxBatchEvents int
	MaxBatchBytes  int
	// TxTimeout bounds a Transact whose ctx has no earlier deadline.
	// Default DefaultTxTimeout.
	TxTimeout time.Duration
	// RequestTimeout bounds Append and ReadStream calls whose ctx has no
	// deadline. Default DefaultRequestTimeout.
	RequestTimeout time.Duration
	// OnCommit, when set, receives the events of every group commit in
	// position order, from the writer actor: it must return quickly and must
	// not call back into the Runtime. The slice is the callee's to keep,
	// but not to change: the stream actors read the same recorded events
	// (built once per commit, immutable once recorded).
	// RecordedEvent.Created is the time the commit returned, as seen by this
	// node (the store's own timestamp may differ slightly).
	OnCommit func([]eventstore.RecordedEvent)
	// OnRetention, when set, receives the stream's new retention and
	// version after every committed delete and metadata write, from the
	// stream actor before the call is answered: it must return quickly and
	// must not call back into the Runtime (the subscription hub stops
	// delivering the events it hides with it).
	OnRetention func(stream string, r persistence.Retention, head eventstore.Version)
	// Supervision is the policy for stream actors (zero: supervisor defaults).
	Supervision supervisor.Policy
	// Instruments record group commits (batch size, commit time, bytes)
	// and the stream actor and writer spans of an append. Default: none.
	Instruments *instruments.Set

	// hooks are for tests in this package only.
	hooks hooks
}

// hooks let tests inject failures into actors.
type hooks struct {
	// beforeMessage runs in a stream actor before it handles msg (inflight:
	// a flush of the actor is being committed); a panic there is a failure
	// of the actor.
	beforeMessage func(stream string, msg any, inflight bool)
	// started runs when a stream actor has started, with its read cache.
	started func(stream string, cache *eventCache)
	// routed runs in the registry for every message it routes to a stream
	// actor.
	routed func(stream string, msg any)
	// lookedUp runs in a caller that found stream's live actor, before it
	// counts its message for it (live.go).
	lookedUp func(stream string)
}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	set := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	setD := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	setD(&c.IdleTimeout, DefaultIdleTimeout)
	set(&c.MaxLiveStreams, DefaultMaxLiveStreams)
	set(&c.CacheBytes, DefaultCacheBytes)
	set(&c.IdempotencyWindow, DefaultIdempotencyWindow)
	set(&c.MaxLoads, DefaultMaxLoads)
	set(&c.MaxBatchEvents, DefaultMaxBatchEvents)
	set(&c.MaxBatchBytes, DefaultMaxBatchBytes)
	setD(&c.TxTimeout, DefaultTxTimeout)
	setD(&c.RequestTimeout, DefaultRequestTimeout)
	c.Limits = c.Limits.WithDefaults()
	c.Supervision = c.Supervision.WithDefaults()
	if c.Instruments == nil {
		c.Instruments = instruments.Disabled()
	}
	return c
}

// Validate reports the first bad field of c.
func (c Config) Validate() error {
	switch {
	case c.Store == nil:
		return errors.New("streams: Config.Store is required")
	case c.IdleTimeout < 0, c.TxTimeout < 0, c.RequestTimeout < 0:
		return errors.New("streams: timeouts must not be negative")
	case c.MaxLiveStreams < 0, c.IdempotencyWindow < 0:
		return errors.New("streams: MaxLiveStreams and IdempotencyWindow must not be negative")
	case c.MaxBatchEvents < 0, c.MaxBatchBytes < 0:
		return errors.New("streams: batch caps must not be negative")
	case c.MaxLoads < 0:
		return errors.New("streams: MaxLoads must not be negative")
	case c.MaxBatchEvents > c.Limits.WithDefaults().MaxBatchEvents:
		return errors.New("streams: MaxBatchEvents is above Limits.MaxBatchEvents")
	}
	return nil
}
