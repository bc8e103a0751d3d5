package bench

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Scenario names, in the order Run runs them.
const (
	Writers  = "writers"  // Config.Writers writers, each appending single events to its own stream
	Hot      = "hot"      // Config.Writers writers appending single events to Config.HotStreams streams
	Mixed    = "mixed"    // writers on their own streams; Config.ReadRatio of the calls read the stream's tail
	CatchUp  = "catchup"  // preloads Config.CatchUpEvents, then reads all of them in global order, in pages
	FanOut   = "fanout"   // Config.Subscribers live subscribers to all streams while writers append
	Transact = "transact" // writers commit transactions over Config.TxStreams streams of a shared pool
	// Growth runs the writers scenario (GrowthEmpty), writes
	// Config.GrowthEvents synthetic events straight into the store's tables,
	// and runs it again (GrowthPreloaded). Opt-in: not in AllScenarios.
	Growth = "growth"
)

// The results of the growth scenario.
const (
	GrowthEmpty     = "growth-empty"
	GrowthPreloaded = "growth-preloaded"
)

// Event ID kinds (Config.EventIDs).
const (
	EventIDsRandom      = "random"       // UUID version 4 (uuid.New), the default
	EventIDsTimeOrdered = "time-ordered" // UUID version 7 (uuid.NewV7)
)

// OptInScenarios run only when named: the growth scenario writes ten
// million events by default.
var OptInScenarios = []string{Growth}

// AllScenarios lists every scenario in run order.
var AllScenarios = []string{Writers, Hot, Mixed, CatchUp, FanOut, Transact}

// Baseline names: the first two on PostgreSQL, the third for the embedded
// store, the last for a node.
const (
	BaselineGroupCommit       = "raw-group-commit"        // N clients, one goroutine batching all pending requests into one transaction
	BaselineTxPerEvent        = "raw-tx-per-event"        // one transaction per event from Config.TxConns connections
	BaselineSQLiteGroupCommit = "raw-sqlite-group-commit" // the group commit on a SQLite file with the embedded store's schema
	BaselineRemoteRequest     = "raw-remote-request"      // N callers' request/reply round trips to the node's API actor
)

// Defaults of Config; a zero field means its default.
const (
	DefaultWriters       = 256
	DefaultDuration      = 10 * time.Second
	DefaultEventSize     = 200
	DefaultHotStreams    = 1
	DefaultReadRatio     = 0.5
	DefaultCatchUpEvents = 200_000
	DefaultPageSize      = 1000
	DefaultSubscribers   = 100
	DefaultFanOutWriters = 32
	DefaultTxStreams     = 3
	DefaultTxPool        = 1000
	DefaultTxConns       = 32
	DefaultSample        = time.Second
	DefaultGrowthEvents  = 10_000_000
	// GrowthPerStream is the length of the growth scenario's synthetic streams.
	GrowthPerStream = 100
)

// Config says what Run measures. Exactly one of PostgresURL and Node may
// be set; with neither, the embedded store in DataDir (a temporary
// directory when empty) is measured.
type Config struct {
	PostgresURL string
	Node        string
	DataDir     string

	// Scenarios to run, from AllScenarios (default all, in that order).
	Scenarios []string
	// Duration of each scenario's measured phase (default 10s).
	Duration time.Duration
	// Writers is the number of concurrent callers (default 256).
	Writers int
	// EventSize is the payload size in bytes (default 200).
	EventSize int
	// HotStreams shared by the writers of the hot scenario (default 1).
	HotStreams int
	// ReadRatio of the mixed scenario's calls are reads (default 0.5).
	ReadRatio float64
	// CatchUpEvents preloaded by the catchup scenario (default 200,000) and
	// PageSize of its reads (default 1000).
	CatchUpEvents int
	PageSize      int
	// Subscribers of the fanout scenario (default 100) and the writers
	// feeding them (default 32).
	Subscribers   int
	FanOutWriters int
	// TxStreams per transaction (default 3) drawn from a pool of TxPool
	// streams (default 1000).
	TxStreams int
	TxPool    int
	// Baselines runs the target's raw baselines first: two pgx ones on
	// PostgreSQL, a SQLite group commit with the same schema for the
	// embedded store, remote request/reply for a node. TxConns is the
	// connection count of the pgx one-transaction-per-event baseline
	// (default 32).
	Baselines bool
	TxConns   int
	// NoCheckpoint leaves out the CHECKPOINT that a PostgreSQL run issues
	// before each measured phase (baselines and scenarios). With it, a
	// checkpoint that the WAL volume of the earlier phases forces lands
	// in whichever phase runs then, which is the later ones (the
	// scenarios after the baselines); see checkpoint in run.go.
	NoCheckpoint bool
	// EventIDs is the kind of event IDs every scenario and baseline
	// generates: EventIDsRandom (default) or EventIDsTimeOrdered.
	EventIDs string
	// GrowthEvents written between the growth scenario's two measured
	// phases (default 10,000,000).
	GrowthEvents int
	// MaxAppendBatch is client.Config.MaxAppendBatch of a node target:
	// how many concurrent appends the client coalesces into one message
	// (0: the client's default; 1: every append alone, as before ADR 0027).
	MaxAppendBatch int
	// Sample is the interval of latency-over-time samples (default 1s).
	Sample time.Duration
	// Progress, when set, is called about ten times a second with the
	// running scenario and the fraction of the whole run done (0..1).
	Progress func(scenario string, done float64)
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Writers, DefaultWriters)
	def(&c.EventSize, DefaultEventSize)
	def(&c.HotStreams, DefaultHotStreams)
	def(&c.CatchUpEvents, DefaultCatchUpEvents)
	def(&c.PageSize, DefaultPageSize)
	def(&c.Subscribers, DefaultSubscribers)
	def(&c.FanOutWriters, DefaultFanOutWriters)
	def(&c.TxStreams, DefaultTxStreams)
	def(&c.TxPool, DefaultTxPool)
	def(&c.TxConns, DefaultTxConns)
	def(&c.GrowthEvents, DefaultGrowthEvents)
	if c.Duration == 0 {
		c.Duration = DefaultDuration
	}
	if c.Sample == 0 {
		c.Sample = DefaultSample
	}
	if c.ReadRatio == 0 {
		c.ReadRatio = DefaultReadRatio
	}
	if c.EventIDs == "" {
		c.EventIDs = EventIDsRandom
	}
	if len(c.Scenarios) == 0 {
		c.Scenarios = AllScenarios
	}
	return c
}

// Validate reports the first bad field of c (after defaults) as a *ConfigError.
func (c Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &ConfigError{Field: field, Message: fmt.Sprintf(format, args...)}
	}
	switch {
	case c.PostgresURL != "" && c.Node != "":
		return bad("target", "give a PostgreSQL URL or a node, not both")
	case c.Duration < 0 || c.Sample < 0:
		return bad("duration", "must not be negative")
	case c.Writers < 0 || c.FanOutWriters < 0 || c.TxConns < 0:
		return bad("writers", "must not be negative")
	case c.EventSize < 0 || c.EventSize > 1<<20:
		return bad("event-size", "must be 0 to 1 MiB, got %d", c.EventSize)
	case c.ReadRatio < 0 || c.ReadRatio > 1:
		return bad("read-ratio", "must be within 0..1, got %g", c.ReadRatio)
	case c.HotStreams < 0 || c.CatchUpEvents < 0 || c.PageSize < 0 || c.Subscribers < 0:
		return bad("scenario", "counts must not be negative")
	case c.TxStreams < 0 || c.TxPool < 0 || (c.TxStreams > 0 && c.TxPool > 0 && c.TxStreams > c.TxPool):
		return bad("tx-streams", "must be positive and at most --tx-pool")
	case c.MaxAppendBatch < 0 || c.MaxAppendBatch > 1024:
		return bad("max-append-batch", "must be 0 (the client's default) to 1024, got %d", c.MaxAppendBatch)
	case c.GrowthEvents < 0:
		return bad("growth-events", "must not be negative")
	case c.EventIDs != EventIDsRandom && c.EventIDs != EventIDsTimeOrdered:
		return bad("event-ids", "must be %s or %s, got %q", EventIDsRandom, EventIDsTimeOrdered, c.EventIDs)
	}
	for _, s := range c.Scenarios {
		if !slices.Contains(AllScenarios, s) && !slices.Contains(OptInScenarios, s) {
			return bad("scenario", "unknown scenario %q (known: %s)", s,
				strings.Join(slices.Concat(AllScenarios, OptInScenarios), ", "))
		}
		if s == Growth && c.Node != "" {
			return bad("scenario", "growth writes into the store's tables: give --data-dir or --postgres-url, not --node")
		}
	}
	return nil
}

// TargetKind names what c measures: "embedded", "postgres" or "node".
func (c Config) TargetKind() string {
	switch {
	case c.PostgresURL != "":
		return "postgres"
	case c.Node != "":
		return "node"
	}
	return "embedded"
}
