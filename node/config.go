package node

import (
	"context"
	"crypto/tls"
	"errors"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/engine"
)

// Defaults of Config; a zero field means its default.
const (
	// DefaultAddress is loopback: a node is reachable from other hosts only
	// when told to listen elsewhere.
	DefaultAddress = "127.0.0.1:4150"
	// APIActorName is the name of the API actor on every node.
	APIActorName = "actorstore"
	// DefaultMaxInFlight requests are worked on at once; more are refused
	// with a retryable UNAVAILABLE error instead of queueing without bound.
	DefaultMaxInFlight = 1024
	// DefaultRequestTimeout bounds a request whose timeout_ms is 0.
	DefaultRequestTimeout = 10 * time.Second
	// DefaultMaxRequestTimeout caps the timeout_ms a peer may ask for.
	DefaultMaxRequestTimeout = time.Minute
	// Protocol names the wire protocol version.
	Protocol = "actorstore.v1"
)

// Config configures a node. The zero value is valid: loopback on port 4150,
// plaintext, default limits, no logs.
type Config struct {
	// Address to listen on (host:port). Default DefaultAddress; port 0
	// picks a free port (see Node.Address).
	Address string
	// AdvertisedAddress is the host:port peers reach the node at when it
	// differs from Address (0.0.0.0, NAT). Default: the bound address.
	AdvertisedAddress string
	// MaxInFlight bounds the requests worked on at once. Default 1024.
	MaxInFlight int
	// RequestTimeout is the default per-request timeout; MaxRequestTimeout
	// caps what a peer asks for. Defaults 10s and 1m.
	RequestTimeout    time.Duration
	MaxRequestTimeout time.Duration
	// MaxMessageBytes bounds one request or reply. Default
	// actors.DefaultMaxMessageBytes (4 MiB); it must leave room for one
	// event of Limits.MaxEventSize.
	MaxMessageBytes int
	// BatchSize bounds the messages in one gRPC frame (see
	// actors.RemoteConfig). Default actors.DefaultBatchSize.
	BatchSize int
	// KeepaliveTime and KeepaliveTimeout detect dead and frozen peers.
	// Defaults actors.DefaultKeepaliveTime and actors.DefaultKeepaliveTimeout.
	KeepaliveTime    time.Duration
	KeepaliveTimeout time.Duration
	// ServerTLS and ClientTLS turn on TLS for the transport (both or none;
	// see actors.LoadTLS). Default plaintext.
	ServerTLS *tls.Config
	ClientTLS *tls.Config
	// Limits are the store's append limits, to report in Status and to
	// check MaxMessageBytes against. Default eventstore.DefaultLimits.
	Limits eventstore.Limits
	// StoreKind ("embedded", "postgres") and Version are reported by Status.
	StoreKind string
	Version   string
	// Logger receives the node's logs. Default: none.
	Logger zerolog.Logger
	// Health answers peers' HealthRequests: the readiness checks of the
	// store the node serves (those of actorstore.Store.Health), in order;
	// the report is ready when every check is. Nil: the node answers with
	// ERROR_CODE_INTERNAL "no health checks".
	Health func(ctx context.Context) []HealthCheck
	// TracerProvider, when set, traces every request with a server span,
	// a child of the peer's span when its message header carries one
	// (the store's own spans then continue the same trace). Default: none.
	TracerProvider trace.TracerProvider
	// Cluster, when set, makes the node a member of a cluster of nodes on
	// one PostgreSQL database: appends and stream reads are routed to the
	// stream's owner (see ClusterConfig). It requires StoreKind "postgres".
	Cluster *ClusterConfig
	// Engine is the inside of the store the node serves, as
	// actorstore.OpenEngine returned it: the node serves on its actor
	// system (so peers reach its subscription hub and subscriptions reach
	// remote subscribers), reports its stream counters in Status, and in a
	// cluster passivates its idle stream actors when ownership changes.
	// Nil: Status reports zero counters and nothing is passivated.
	Engine *engine.Engine
	// System is the actor system to serve on. Default: Engine.System, else
	// a new system, shut down by Close. A process should have one remote
	// endpoint (see actors).
	System *actors.System
	// NoAppendBatch makes the node answer as one from before ADR 0027
	// did: NodeStatus.features lacks append_batch and an
	// AppendBatchRequest is refused as an unsupported message type. It is
	// there to test newer clients against older nodes.
	NoAppendBatch bool
}

// Validate reports the first bad field.
func (c Config) Validate() error {
	switch {
	case c.MaxInFlight < 0:
		return errors.New("node: MaxInFlight must not be negative")
	case c.RequestTimeout < 0 || c.MaxRequestTimeout < 0:
		return errors.New("node: timeouts must not be negative")
	}
	if err := c.validateCluster(); err != nil {
		return err
	}
	d := c.WithDefaults()
	if d.MaxMessageBytes < d.Limits.MaxEventSize+envelopeRoom {
		return errors.New("node: MaxMessageBytes must exceed Limits.MaxEventSize by at least 64 KiB")
	}
	return d.remoteConfig().Validate()
}

// envelopeRoom is what a request needs besides one event's data and
// metadata: stream, type, IDs, options.
const envelopeRoom = 64 << 10

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.Address == "" {
		c.Address = DefaultAddress
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = DefaultMaxInFlight
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.MaxRequestTimeout == 0 {
		c.MaxRequestTimeout = DefaultMaxRequestTimeout
	}
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = actors.DefaultMaxMessageBytes
	}
	c.Limits = c.Limits.WithDefaults()
	return c
}

func (c Config) remoteConfig() actors.RemoteConfig {
	return actors.RemoteConfig{
		Address:           c.Address,
		AdvertisedAddress: c.AdvertisedAddress,
		MaxMessageBytes:   c.MaxMessageBytes,
		BatchSize:         c.BatchSize,
		KeepaliveTime:     c.KeepaliveTime,
		KeepaliveTimeout:  c.KeepaliveTimeout,
		ServerTLS:         c.ServerTLS,
		ClientTLS:         c.ClientTLS,
		Logger:            &c.Logger,
	}
}

// ErrClusterNeedsPostgres: a cluster was configured on the embedded store,
// which one process owns.
var ErrClusterNeedsPostgres = errors.New("node: clustering needs PostgreSQL: the embedded store belongs to one process")

func (c Config) validateCluster() error {
	if c.Cluster == nil {
		return nil
	}
	if c.StoreKind == "embedded" {
		return ErrClusterNeedsPostgres
	}
	return c.Cluster.Validate()
}
