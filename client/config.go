package client

import (
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"

	"github.com/actorstore/actorstore/actors"
)

// Defaults of Config; a zero field means its default.
const (
	// DefaultNodeAddress is a node on this host with its default port.
	DefaultNodeAddress = "127.0.0.1:4150"
	// DefaultListenAddress: the client's own endpoint, where the node's
	// replies arrive, on loopback on a free port.
	DefaultListenAddress = "127.0.0.1:0"
	// DefaultRequestTimeout bounds a call whose ctx has no deadline.
	DefaultRequestTimeout = 10 * time.Second
	// DefaultDialTimeout bounds Dial's first Status request.
	DefaultDialTimeout = 5 * time.Second
	// APIActorName is the name of the API actor on every node.
	APIActorName = "actorstore"
	// DefaultMaxAppendBatch is the most appends coalesced into one
	// message (the node takes up to 1,024).
	DefaultMaxAppendBatch = 16

	// featureAppendBatch in NodeStatus.features: the node serves
	// AppendBatchRequest.
	featureAppendBatch = "append_batch"
	maxAppendBatch     = 1024
)

// Config configures a client. The zero value talks to a node on this
// host's default port, in plaintext.
type Config struct {
	// NodeAddress is the node's host:port. Default DefaultNodeAddress.
	NodeAddress string
	// ListenAddress is where this client's own endpoint listens: the node
	// connects back to it to reply. Default DefaultListenAddress; a client
	// on another host must listen on an address the node can reach (and
	// may set AdvertisedAddress).
	ListenAddress     string
	AdvertisedAddress string
	// RequestTimeout bounds a call whose ctx has no deadline. Default 10s.
	RequestTimeout time.Duration
	// DialTimeout bounds Dial's check that the node answers. Default 5s.
	DialTimeout time.Duration
	// MaxMessageBytes bounds one request; larger ones are refused locally
	// with an *eventstore.InputError. It must match the node's (see
	// Status). Default actors.DefaultMaxMessageBytes.
	MaxMessageBytes int
	// KeepaliveTime and KeepaliveTimeout: see actors.RemoteConfig.
	KeepaliveTime    time.Duration
	KeepaliveTimeout time.Duration
	// ServerTLS and ClientTLS turn on TLS (both or none; see actors.LoadTLS).
	ServerTLS *tls.Config
	ClientTLS *tls.Config
	// Logger receives the client's transport logs. Default: none.
	Logger zerolog.Logger
	// MaxAppendBatch bounds how many concurrent appends the client
	// coalesces into one message to the node while an earlier one is in
	// flight (ADR 0027; a lone caller's append is always sent at once).
	// Default DefaultMaxAppendBatch, at most 1,024; 1 sends every append
	// alone. Coalescing needs a node that serves it (NodeStatus.features
	// "append_batch"), and is off while TracerProvider is set or for calls
	// whose ctx carries a span (a batch's header carries one trace
	// context); trace IDs always travel with each append.
	MaxAppendBatch int
	// TracerProvider, when set, wraps every call in a client span whose
	// context travels to the node in the request's message header, so the
	// node's spans join the caller's trace. Without it, calls still carry
	// their trace ID (the ctx's, or a new one) to the node.
	TracerProvider trace.TracerProvider
}

// Validate reports the first bad field.
func (c Config) Validate() error {
	if c.RequestTimeout < 0 || c.DialTimeout < 0 {
		return errors.New("client: timeouts must not be negative")
	}
	if c.MaxAppendBatch < 0 || c.MaxAppendBatch > maxAppendBatch {
		return fmt.Errorf("client: MaxAppendBatch must be 0 (default), 1 (off) or up to %d", maxAppendBatch)
	}
	return c.WithDefaults().remoteConfig().Validate()
}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.NodeAddress == "" {
		c.NodeAddress = DefaultNodeAddress
	}
	if c.ListenAddress == "" {
		c.ListenAddress = DefaultListenAddress
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = actors.DefaultMaxMessageBytes
	}
	if c.MaxAppendBatch == 0 {
		c.MaxAppendBatch = DefaultMaxAppendBatch
	}
	return c
}

func (c Config) remoteConfig() actors.RemoteConfig {
	return actors.RemoteConfig{
		Address:           c.ListenAddress,
		AdvertisedAddress: c.AdvertisedAddress,
		MaxMessageBytes:   c.MaxMessageBytes,
		KeepaliveTime:     c.KeepaliveTime,
		KeepaliveTimeout:  c.KeepaliveTimeout,
		ServerTLS:         c.ServerTLS,
		ClientTLS:         c.ClientTLS,
		Logger:            &c.Logger,
	}
}
