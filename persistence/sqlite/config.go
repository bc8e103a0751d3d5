package sqlite

import (
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// Defaults of Config. A zero field of Config means its default.
const (
	// DefaultReaders is the number of reader connections.
	DefaultReaders = 4
	// DefaultBusyTimeout is how long SQLite itself waits for a lock held by
	// another connection (or process) before it reports SQLITE_BUSY.
	DefaultBusyTimeout = 5 * time.Second
	// DefaultTimeout bounds every call whose ctx has no deadline.
	DefaultTimeout = 30 * time.Second
)

// Config configures Open. The zero value of every field but Path means its
// default; Validate reports what is wrong.
type Config struct {
	// Path of the database file; it is created when missing. Required. It
	// must not contain '?' (the driver reads options after it). The WAL
	// (Path + "-wal") and shared-memory (Path + "-shm") files live next to it.
	Path string

	// Exclusive takes an exclusive OS lock (flock on Path + ".lock", which
	// holds the holder's process ID) for as long as the store is open: a
	// second Exclusive opener, in this or another process, fails at once with
	// a *LockedError naming the holder. The OS drops the lock when the holder
	// dies. actorstore.Open sets it, because its stream actors trust their
	// in-memory heads; openers without it are not checked (SQLite itself is
	// safe for several processes). Unix only; elsewhere no lock is taken.
	Exclusive bool

	// Readers is the number of reader connections (default DefaultReaders).
	// Writes always go through one writer connection.
	Readers int

	// BusyTimeout is SQLite's busy_timeout (default DefaultBusyTimeout).
	// A write that still finds the database locked after it is retried
	// with Retry.
	BusyTimeout time.Duration

	// Timeout bounds each call whose ctx has no deadline (default DefaultTimeout).
	Timeout time.Duration

	// Limits bound appends (zero fields: eventstore.DefaultLimits).
	Limits eventstore.Limits

	// Retry is the policy for transient SQLITE_BUSY / SQLITE_LOCKED errors
	// (zero fields: persistence.DefaultRetryPolicy).
	Retry persistence.RetryPolicy

	// Logger receives the store's few log lines (open, migrations, retries,
	// close). The zero value logs nothing, like zerolog.Nop().
	Logger zerolog.Logger
}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.Readers <= 0 {
		c.Readers = DefaultReaders
	}
	if c.BusyTimeout <= 0 {
		c.BusyTimeout = DefaultBusyTimeout
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	c.Limits = c.Limits.WithDefaults()
	c.Retry = c.Retry.WithDefaults()
	return c
}

// Validate reports the first problem of c as an *eventstore.InputError
// naming the field. Zero fields are valid: they mean their default.
func (c Config) Validate() error {
	bad := func(field, rule, msg string) error {
		return &eventstore.InputError{Field: field, Rule: rule, Message: msg}
	}
	switch {
	case strings.TrimSpace(c.Path) == "":
		return bad("Path", "required", "the database file path is empty")
	case strings.ContainsAny(c.Path, "?\x00"):
		return bad("Path", "format", "the database file path must not contain '?' or NUL")
	case c.Readers < 0:
		return bad("Readers", "positive", "Readers must not be negative")
	case c.BusyTimeout < 0:
		return bad("BusyTimeout", "positive", "BusyTimeout must not be negative")
	case c.Timeout < 0:
		return bad("Timeout", "positive", "Timeout must not be negative")
	case c.Limits.MaxStreamIDLength < 0, c.Limits.MaxTypeLength < 0,
		c.Limits.MaxEventSize < 0, c.Limits.MaxBatchEvents < 0:
		return bad("Limits", "positive", "limits must not be negative")
	case c.Retry.MaxAttempts < 0, c.Retry.Base < 0, c.Retry.Cap < 0:
		return bad("Retry", "positive", "retry policy fields must not be negative")
	}
	return nil
}
