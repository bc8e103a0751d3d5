package subscriptions

import (
	"time"

	"github.com/rs/zerolog"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/instruments"
	"github.com/actorstore/actorstore/persistence"
)

// Defaults of Config. A zero field of Config means its default.
const (
	// DefaultName is the name the hub actor is registered under, so peers
	// can address it as (node address, DefaultName).
	DefaultName = "subscriptions"
	// DefaultWindow is the credit window of a subscriber that asks for none.
	DefaultWindow = 256
	// DefaultMaxWindow caps the credits a subscriber may hold.
	DefaultMaxWindow = 65536
	// DefaultBufferFactor: a live subscription buffers at most
	// BufferFactor*window events for a subscriber out of credits before it
	// falls behind (drops the buffer and reads from the store again).
	DefaultBufferFactor = 2
	// DefaultPageSize is the most events one catch-up read returns.
	DefaultPageSize = 512
	// DefaultCheckpointEvery: a filtered all-stream subscription sends a
	// Checkpoint after this many positions passed with nothing delivered.
	DefaultCheckpointEvery = 256
	// DefaultRemoteGrace is how long the hub waits, after a notification of
	// a commit it has not been handed by Publish, before it reads the
	// commit from the store (it was made by another process).
	DefaultRemoteGrace = 20 * time.Millisecond
	// DefaultAckEvery and DefaultAckInterval: a durable subscription stores
	// its checkpoint after this many acknowledged positions, or this long
	// after the first acknowledgement not yet stored, whichever is first.
	DefaultAckEvery    = 100
	DefaultAckInterval = time.Second
	// DefaultStopTimeout bounds the last checkpoint write of a stopping
	// durable subscription and Hub.Close.
	DefaultStopTimeout = 5 * time.Second
	// DefaultLeaseTTL is the lease of a durable subscription's owner
	// (lease.go): it renews every third of it, a standby tries every third
	// of it, so a dead owner is replaced within 4/3 of it (4 s).
	DefaultLeaseTTL = 3 * time.Second
)

// Config configures a Hub. The zero value is valid: every zero field means
// its default.
type Config struct {
	// Name of the hub actor. Default DefaultName.
	Name string
	// Window is the default credit window. Default DefaultWindow.
	Window int
	// MaxWindow caps a subscriber's credits. Default DefaultMaxWindow.
	MaxWindow int
	// BufferFactor bounds live buffers (see DefaultBufferFactor).
	BufferFactor int
	// PageSize bounds catch-up reads. Default DefaultPageSize.
	PageSize int
	// CheckpointEvery: see DefaultCheckpointEvery.
	CheckpointEvery uint64
	// RemoteGrace: see DefaultRemoteGrace.
	RemoteGrace time.Duration
	// AckEvery and AckInterval: see DefaultAckEvery.
	AckEvery    int
	AckInterval time.Duration
	// StopTimeout: see DefaultStopTimeout.
	StopTimeout time.Duration
	// LeaseTTL: see DefaultLeaseTTL (at least 30ms).
	LeaseTTL time.Duration
	// Retry.Base paces the hub's next read of new commits after one failed
	// (four times Base; zero fields: persistence.DefaultRetryPolicy). Store
	// calls are not retried here: the store retries them under its own
	// policy (see Retries in doc.go). A catch-up read, park or checkpoint
	// write that still fails drops the subscription with
	// SubscriptionDropped.
	Retry persistence.RetryPolicy
	// Logger receives the hub's logs. The zero value logs nothing.
	Logger zerolog.Logger
	// Instruments count delivered events and traces deliveries. Default: none.
	Instruments *instruments.Set
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Window, DefaultWindow)
	def(&c.MaxWindow, DefaultMaxWindow)
	def(&c.BufferFactor, DefaultBufferFactor)
	def(&c.PageSize, DefaultPageSize)
	def(&c.AckEvery, DefaultAckEvery)
	if c.Name == "" {
		c.Name = DefaultName
	}
	if c.CheckpointEvery == 0 {
		c.CheckpointEvery = DefaultCheckpointEvery
	}
	if c.RemoteGrace <= 0 {
		c.RemoteGrace = DefaultRemoteGrace
	}
	if c.AckInterval <= 0 {
		c.AckInterval = DefaultAckInterval
	}
	if c.StopTimeout <= 0 {
		c.StopTimeout = DefaultStopTimeout
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = DefaultLeaseTTL
	}
	c.Retry = c.Retry.WithDefaults()
	if c.Instruments == nil {
		c.Instruments = instruments.Disabled()
	}
	return c
}

// Validate reports the first bad field as a *eventstore.InputError. Zero
// fields are valid (they mean their default).
func (c Config) Validate() error {
	bad := func(field, msg string) error {
		return &eventstore.InputError{Field: field, Rule: "range", Message: msg}
	}
	switch {
	case c.Window < 0, c.MaxWindow < 0, c.BufferFactor < 0, c.PageSize < 0, c.AckEvery < 0:
		return bad("Window/MaxWindow/BufferFactor/PageSize/AckEvery", "must not be negative")
	case c.MaxWindow > 0 && c.Window > c.MaxWindow:
		return bad("Window", "must not exceed MaxWindow")
	case c.RemoteGrace < 0, c.AckInterval < 0, c.StopTimeout < 0:
		return bad("RemoteGrace/AckInterval/StopTimeout", "must not be negative")
	case c.LeaseTTL != 0 && (c.LeaseTTL < 30*time.Millisecond || c.LeaseTTL > time.Hour):
		return bad("LeaseTTL", "must be between 30ms and 1h")
	}
	return nil
}
