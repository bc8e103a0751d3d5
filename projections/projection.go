package projections

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// TxHandler applies a batch of events inside tx, a transaction on the
// store's own database. The projection writes its checkpoint in the same
// transaction and commits: the batch's effects and the new checkpoint
// land together or not at all (exactly once). An error rolls both back;
// the batch is retried (Projection.Retry), then handled event by event
// and the failing event parked or the partition stopped
// (Projection.OnFailure). Events of one stream arrive in version order.
type TxHandler func(ctx context.Context, tx Tx, events []eventstore.RecordedEvent) error

// Handler applies a batch of events to a read model outside the store's
// database (another database, a search index, a cache). It is at least
// once: after a crash between the handler's writes and the checkpoint, the
// batch is handed over again. Use each event's Position (unique, growing
// in commit order) as the idempotency key of its effect.
type Handler func(ctx context.Context, events []eventstore.RecordedEvent) error

// FailurePolicy says what a partition does with an event whose handler
// keeps failing after Projection.Retry.
type FailurePolicy int

const (
	// Stop parks the event as "stopped" and holds its partition until an
	// operator retries or skips it (RetryParked, SkipParked). The default.
	Stop FailurePolicy = iota
	// SkipAndPark parks the event as "parked" (with its error), moves the
	// checkpoint past it in the same transaction, and goes on.
	SkipAndPark
)

func (p FailurePolicy) String() string {
	if p == SkipAndPark {
		return "skip-and-park"
	}
	return "stop"
}

// Projection describes a named, versioned read model and how it is fed.
type Projection struct {
	// Name identifies the projection (1 to 200 bytes of UTF-8, no NUL
	// and no '/').
	Name string
	// Version: a new version runs from position 0 beside the old ones
	// (rebuild). Default 1.
	Version int
	// Filter selects the events (stream prefix/category, types), evaluated
	// by the database.
	Filter eventstore.Filter
	// IncludeSystemStreams delivers "$"-prefixed streams too.
	IncludeSystemStreams bool

	// Handle is the exactly-once handler (writes in the store's database).
	// HandleAtLeastOnce the at-least-once one (writes elsewhere). Set one.
	Handle            TxHandler
	HandleAtLeastOnce Handler

	// Partitions splits the streams by hash of the stream name; each
	// partition has its own checkpoint and lease, and runs in one process
	// among all those on the database. Default 1, at most 256. A version
	// keeps the partition count it was first run with.
	Partitions int
	// BatchSize is the most events handed to one handler call. Default
	// 100, at most 10000.
	BatchSize int
	// MaxWait is how long a partition at the head of the log waits for more
	// events to fill a batch before handling what it has. Default 0: handle
	// at once.
	MaxWait time.Duration
	// PollInterval: a partition also looks for new events this often
	// (besides the store's commit notifications, which the embedded store
	// only gives for its own process). Default 1s.
	PollInterval time.Duration

	// Retry is the backoff of a failing batch (persistence.RetryPolicy,
	// docs/adr/0013; zero fields take its defaults).
	Retry persistence.RetryPolicy
	// OnFailure: Stop (default) or SkipAndPark.
	OnFailure FailurePolicy

	// LeaseTTL bounds how long a partition stays unowned after its process
	// died. Default 5s; the lease is renewed every third of it.
	LeaseTTL time.Duration
	// Owner names this process in the leases (default host:pid:random).
	Owner string
	// ManualPromote keeps this version from becoming the live one by
	// itself when all its partitions have caught up; then Promote does it.
	ManualPromote bool

	// Logger receives the projection's logs (default: none).
	Logger zerolog.Logger
	// Observer receives batch and error counts (telemetry); may be nil.
	Observer Observer
}

// Limits of a Projection.
const (
	MaxPartitions = 256
	MaxBatchSize  = 10000
	maxNameBytes  = 200
)

// withDefaults returns p with zero fields set to their defaults.
func (p Projection) withDefaults() Projection {
	if p.Version == 0 {
		p.Version = 1
	}
	if p.Partitions == 0 {
		p.Partitions = 1
	}
	if p.BatchSize == 0 {
		p.BatchSize = 100
	}
	if p.PollInterval == 0 {
		p.PollInterval = time.Second
	}
	if p.LeaseTTL == 0 {
		p.LeaseTTL = 5 * time.Second
	}
	if p.Owner == "" {
		host, _ := os.Hostname()
		p.Owner = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), uuid.NewString()[:8])
	}
	if p.Observer == nil {
		p.Observer = nopObserver{}
	}
	return p
}

// Validate checks p (after defaults) and returns an *eventstore.InputError
// naming the first bad field.
func (p Projection) Validate() error {
	bad := func(field, rule, msg string) error {
		return &eventstore.InputError{Field: field, Rule: rule, Message: msg}
	}
	p = p.withDefaults()
	if err := ValidateName(p.Name); err != nil {
		return err
	}
	switch {
	case p.Version < 1:
		return bad("Version", "min", "projection version must be at least 1")
	case (p.Handle == nil) == (p.HandleAtLeastOnce == nil):
		return bad("Handle", "required", "set exactly one of Handle (exactly once) and HandleAtLeastOnce")
	case p.Partitions < 1 || p.Partitions > MaxPartitions:
		return bad("Partitions", "range", fmt.Sprintf("partitions must be between 1 and %d", MaxPartitions))
	case p.BatchSize < 1 || p.BatchSize > MaxBatchSize:
		return bad("BatchSize", "range", fmt.Sprintf("batch size must be between 1 and %d", MaxBatchSize))
	case p.MaxWait < 0 || p.MaxWait > time.Minute:
		return bad("MaxWait", "range", "max wait must be between 0 and 1m")
	case p.PollInterval < time.Millisecond || p.PollInterval > time.Hour:
		return bad("PollInterval", "range", "poll interval must be between 1ms and 1h")
	case p.LeaseTTL < 100*time.Millisecond || p.LeaseTTL > time.Hour:
		return bad("LeaseTTL", "range", "lease TTL must be between 100ms and 1h")
	case p.OnFailure != Stop && p.OnFailure != SkipAndPark:
		return bad("OnFailure", "enum", "failure policy must be Stop or SkipAndPark")
	}
	owner := p.Owner
	return persistence.ValidateLease(leaseName(p.Name, p.Version, p.Partitions-1), &owner, &p.LeaseTTL)
}

// ValidateName checks a projection name.
func ValidateName(name string) error {
	if name == "" || len(name) > maxNameBytes || !utf8.ValidString(name) || strings.ContainsAny(name, "\x00/") {
		return &eventstore.InputError{Field: "Name", Rule: "format",
			Message: "projection name must be 1 to 200 bytes of UTF-8 without NUL or '/'"}
	}
	return nil
}

// leaseName is the lease (and its prefix, leasePrefix) of one partition.
func leaseName(name string, version, part int) string {
	return fmt.Sprintf("%s%d", leasePrefix(name, version), part)
}

func leasePrefix(name string, version int) string {
	return fmt.Sprintf("$projection/%s/v%d/p", name, version)
}

// likePrefix is a LIKE pattern (escape character backslash) matching every
// string that starts with prefix.
func likePrefix(prefix string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(prefix) + "%"
}
