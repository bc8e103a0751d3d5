package actors

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"github.com/rs/zerolog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"
)

// Defaults of RemoteConfig.
const (
	// DefaultRemoteAddress listens on loopback on a free port.
	DefaultRemoteAddress = "127.0.0.1:0"
	// DefaultMaxMessageBytes is the largest single message (request or
	// reply) a remote system sends or accepts: room for one event of the
	// default 1 MiB limit several times over, with its envelope.
	DefaultMaxMessageBytes = 4 << 20
	// DefaultBatchSize is how many messages protoactor's endpoint writer
	// packs into one gRPC frame (protoactor's own default is 1000, which
	// lets a frame grow past any sane limit).
	DefaultBatchSize = 16
	// DefaultKeepaliveTime is the idle time after which a connection is
	// pinged; DefaultKeepaliveTimeout how long an unanswered ping may take
	// before the connection is closed. The server side uses them as they
	// are (a frozen peer is dropped in about 10s); gRPC raises the dialing
	// side's ping interval to its minimum of 10s (about 15s).
	DefaultKeepaliveTime    = 5 * time.Second
	DefaultKeepaliveTimeout = 5 * time.Second

	// envelopeOverhead bounds what protoactor adds to one message in a
	// frame: target and sender PIDs, type name, header.
	envelopeOverhead = 4 << 10
	// frameOverhead bounds the rest of a frame.
	frameOverhead = 64 << 10
)

// RemoteConfig configures the remote endpoint of a System: a gRPC server
// that peers send to, and the connections it opens to peers. The zero
// value is valid: loopback, a free port, plaintext.
type RemoteConfig struct {
	// Address is the host:port to listen on. Default DefaultRemoteAddress.
	// Port 0 picks a free port; Remote.Address tells which.
	Address string
	// AdvertisedAddress is the host:port peers reach this system at, when
	// it differs from the listen address (NAT, 0.0.0.0). Default: the
	// address actually bound.
	AdvertisedAddress string
	// MaxMessageBytes bounds one message. Default DefaultMaxMessageBytes.
	MaxMessageBytes int
	// BatchSize bounds the messages in one gRPC frame. Default
	// DefaultBatchSize. Frames are limited to FrameLimit bytes.
	BatchSize int
	// KeepaliveTime and KeepaliveTimeout detect dead and frozen peers on
	// both the server and the dialing side. Defaults above.
	KeepaliveTime    time.Duration
	KeepaliveTimeout time.Duration
	// ServerTLS, when set, makes the server speak TLS (set ClientAuth and
	// ClientCAs for mutual TLS). ClientTLS, when set, is used to dial peers.
	// Both nil: plaintext (loopback or trusted networks only).
	ServerTLS *tls.Config
	ClientTLS *tls.Config
	// Logger receives recovered transport panics. Default: the system's.
	Logger *zerolog.Logger
}

// Validate reports a bad field.
func (c RemoteConfig) Validate() error {
	switch {
	case c.MaxMessageBytes < 0 || c.BatchSize < 0:
		return errors.New("actors: MaxMessageBytes and BatchSize must not be negative")
	case c.KeepaliveTime < 0 || c.KeepaliveTimeout < 0:
		return errors.New("actors: keepalive durations must not be negative")
	case (c.ServerTLS == nil) != (c.ClientTLS == nil):
		return errors.New("actors: set both ServerTLS and ClientTLS, or neither")
	}
	if c.Address != "" {
		if _, _, err := splitHostPort(c.Address); err != nil {
			return err
		}
	}
	return nil
}

// WithDefaults returns c with every zero field set to its default.
func (c RemoteConfig) WithDefaults() RemoteConfig {
	if c.Address == "" {
		c.Address = DefaultRemoteAddress
	}
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.KeepaliveTime == 0 {
		c.KeepaliveTime = DefaultKeepaliveTime
	}
	if c.KeepaliveTimeout == 0 {
		c.KeepaliveTimeout = DefaultKeepaliveTimeout
	}
	return c
}

// FrameLimit is the largest gRPC frame sent or accepted: BatchSize
// messages of MaxMessageBytes with their envelopes. A frame over it is
// refused by the receiver and the connection is closed (never the
// process).
func (c RemoteConfig) FrameLimit() int {
	c = c.WithDefaults()
	return c.BatchSize*(c.MaxMessageBytes+envelopeOverhead) + frameOverhead
}

// Remote is a System's running remote endpoint.
type Remote struct {
	r        *remote.Remote
	sys      *System
	cfg      RemoteConfig
	panics   atomic.Int64
	refused  atomic.Int64 // lifecycle messages from peers dropped (remote_guard.go)
	shutdown atomic.Bool
}

// StartRemote starts sys's remote endpoint: from now on its PIDs carry the
// endpoint's address and peers can send to its named actors. Only
// protobuf messages cross it. Call Shutdown before sys.Shutdown.
func StartRemote(sys *System, cfg RemoteConfig) (rm *Remote, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	host, port, _ := splitHostPort(cfg.Address)
	rm = &Remote{sys: sys, cfg: cfg}
	if cfg.Logger == nil {
		l := sys.Logger()
		cfg.Logger = &l
		rm.cfg.Logger = &l
	}
	r := remote.NewRemote(sys.as, remote.Configure(host, port, rm.options()...))
	defer func() { // remote.Start panics when it cannot listen
		if p := recover(); p != nil {
			err = fmt.Errorf("actors: start remote on %s: %v", cfg.Address, p)
		}
	}()
	r.Start()
	rm.r = r
	return rm, nil
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("actors: remote address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("actors: remote address %q: bad port", addr)
	}
	return host, port, nil
}

func (rm *Remote) options() []remote.ConfigOption {
	c := rm.cfg
	opts := []remote.ConfigOption{
		remote.WithEndpointWriterBatchSize(c.BatchSize),
		remote.WithServerOptions(rm.serverOptions()...),
		remote.WithDialOptions(rm.dialOptions()...),
	}
	if c.AdvertisedAddress != "" {
		opts = append(opts, remote.WithAdvertisedHost(c.AdvertisedAddress))
	}
	return opts
}

func (rm *Remote) serverOptions() []grpc.ServerOption {
	c, limit := rm.cfg, rm.cfg.FrameLimit()
	opts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(limit),
		grpc.MaxSendMsgSize(limit),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: c.KeepaliveTime, Timeout: c.KeepaliveTimeout}),
		// Peers ping every KeepaliveTime; allow it (and idle pings).
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: c.KeepaliveTime / 2, PermitWithoutStream: true}),
		grpc.ChainStreamInterceptor(rm.recoverStream, rm.guardStream),
		grpc.ChainUnaryInterceptor(rm.recoverUnary),
	}
	if c.ServerTLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(c.ServerTLS)))
	}
	return opts
}

func (rm *Remote) dialOptions() []grpc.DialOption {
	c, limit := rm.cfg, rm.cfg.FrameLimit()
	creds := insecure.NewCredentials()
	if c.ClientTLS != nil {
		creds = credentials.NewTLS(c.ClientTLS)
	}
	return []grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(limit), grpc.MaxCallSendMsgSize(limit)),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: c.KeepaliveTime,
			Timeout: c.KeepaliveTimeout, PermitWithoutStream: true}),
	}
}

// Address is the address peers reach this system at (host:port).
func (rm *Remote) Address() string { return rm.sys.as.Address() }

// Config is the configuration in effect, defaults applied.
func (rm *Remote) Config() RemoteConfig { return rm.cfg }

// RecoveredPanics counts panics of the transport (a peer's unknown message
// type, garbage) that were recovered: each closed one connection.
func (rm *Remote) RecoveredPanics() int64 { return rm.panics.Load() }

// Shutdown stops the server and the connections to peers. Messages not
// yet sent are lost. It is safe to call more than once.
func (rm *Remote) Shutdown() {
	if rm.shutdown.Swap(true) {
		return
	}
	rm.r.Shutdown(false)
}

// NewPID addresses the actor named id on the system at address.
func NewPID(address, id string) *PID { return actor.NewPID(address, id) }

// Address is the system's address: "nonhost" until StartRemote, then the
// remote endpoint's host:port.
func (s *System) Address() string { return s.as.Address() }
