package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"

	"github.com/actorstore/actorstore/actors"
)

// Node serves a Store to peers: an actor system with a remote endpoint and
// the API actor. All methods are safe for concurrent use.
type Node struct {
	cfg    Config
	store  Store
	sys    *actors.System
	remote *actors.Remote
	// cluster is the node's membership; nil when it is not clustered.
	cluster *actors.Cluster
	grains  atomic.Int64 // stream grains hosted now
	// batchesServed counts AppendBatchRequests (batch.go).
	batchesServed atomic.Int64
	// workers run requests off the API actor's mailbox (workers.go).
	workers *workers
	// ownSystem: sys was made by Start and is shut down by Close.
	ownSystem bool
	pid       *actors.PID
	log       zerolog.Logger
	started   time.Time
	tracer    trace.Tracer // nil: no spans
	// spanless: no span is started from a request's context, by the
	// node or the store (see spanless); trace IDs go in contexts alone.
	spanless bool

	// life ends at Close: it cancels every request in flight that outlives
	// the drain.
	life     context.Context
	cancel   context.CancelFunc
	inFlight atomic.Int64
	work     sync.WaitGroup
	mu       sync.RWMutex // orders work.Add against Close's closing and work.Wait
	closing  bool
	close    sync.Once
	closeErr error
}

// Start starts a node serving store on cfg.Address. Close it when done.
func Start(store Store, cfg Config) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	log := cfg.Logger
	if cfg.System == nil && cfg.Engine != nil {
		cfg.System = cfg.Engine.System
	}
	sys, own := cfg.System, cfg.System == nil
	if own {
		var err error
		if sys, err = actors.NewSystem(actors.Config{Logger: &log, RequestTimeout: cfg.RequestTimeout}); err != nil {
			return nil, err
		}
	}
	life, cancel := context.WithCancel(context.Background())
	n := &Node{cfg: cfg, store: store, sys: sys, ownSystem: own, log: log, started: time.Now(),
		life: life, cancel: cancel}
	n.workers = newWorkers(life.Done())
	n.spanless = spanless(cfg)
	if cfg.TracerProvider != nil {
		n.tracer = cfg.TracerProvider.Tracer(scopeName)
	}
	var err error
	if cfg.Cluster != nil {
		n.remote, err = n.startCluster(cfg.Cluster)
	} else {
		n.remote, err = actors.StartRemote(sys, cfg.remoteConfig())
	}
	if err != nil {
		cancel()
		if own {
			sys.Shutdown()
		}
		return nil, fmt.Errorf("node: %w", err)
	}
	rm := n.remote
	pid, err := sys.SpawnNamed(actors.PropsOf(func() actors.Actor { return &apiActor{n: n} }), APIActorName)
	if err != nil {
		n.shutdownTransport()
		return nil, fmt.Errorf("node: spawn API actor: %w", err)
	}
	n.pid = pid
	sys.MarkVital("node API actor "+APIActorName, pid) // readiness fails if it ever stops
	ev := log.Info().Str("address", rm.Address()).Str("actor", APIActorName).
		Int("max_message_bytes", cfg.MaxMessageBytes).Bool("tls", cfg.ServerTLS != nil)
	if n.cluster != nil {
		cc := n.cluster.Config()
		ev = ev.Str("cluster", cc.Name).Strs("seeds", cc.Seeds).Str("membership", n.cluster.MembershipAddress())
	}
	ev.Msg("node API listening")
	return n, nil
}

// Address is the host:port peers reach the node at.
func (n *Node) Address() string { return n.remote.Address() }

// PID is the API actor's address.
func (n *Node) PID() *actors.PID { return n.pid }

// System is the node's actor system, for other actors peers should reach
// (a subscription hub): they share the remote endpoint.
func (n *Node) System() *actors.System { return n.sys }

// Remote is the node's remote endpoint (address, recovered panics).
func (n *Node) Remote() *actors.Remote { return n.remote }

// InFlight is the number of requests being worked on.
func (n *Node) InFlight() int { return int(n.inFlight.Load()) }

// Close stops taking requests (later ones are answered ERROR_CODE_CLOSED
// until the API actor is gone), waits for the requests in flight to be
// answered or ctx to end (then cancels them), and stops the transport and
// the actor system (unless it was given in Config.System). It does not
// close the store. Safe to call more than
// once; later calls return the first result.
func (n *Node) Close(ctx context.Context) error {
	n.close.Do(func() {
		if n.cluster != nil {
			// The other members move this node's streams while it drains;
			// requests they route here meanwhile are answered CLOSED and
			// retried by them.
			n.cluster.Leave()
		}
		n.mu.Lock()
		n.closing = true
		n.mu.Unlock()
		n.closeErr = n.drain(ctx)
		stopErr := n.sys.StopWait(ctx, n.pid)
		n.cancel()
		n.work.Wait()
		n.shutdownTransport()
		n.closeErr = errors.Join(n.closeErr, stopErr)
		n.log.Info().Msg("node API stopped")
	})
	return n.closeErr
}

func (n *Node) drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() { n.work.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("node: %d request(s) still in flight at close: %w", n.InFlight(), ctx.Err())
	}
}

func (n *Node) shutdownTransport() {
	if n.cluster != nil {
		n.cluster.Shutdown()
	}
	n.remote.Shutdown()
	if n.ownSystem {
		n.sys.Shutdown()
	}
}
