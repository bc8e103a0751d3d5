package actors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/cluster/clusterproviders/automanaged"
	"github.com/asynkron/protoactor-go/cluster/clusterproviders/etcd"
	"github.com/asynkron/protoactor-go/cluster/identitylookup/disthash"
	"github.com/asynkron/protoactor-go/remote"
	"github.com/labstack/echo"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// Defaults of ClusterConfig.
const (
	// DefaultClusterListen is where a member's membership endpoint listens:
	// protoactor's automanaged provider, plain HTTP (GET /_health answers
	// the member's address and kinds). Loopback unless told otherwise.
	DefaultClusterListen = "127.0.0.1:6330"
	// DefaultMembershipRefresh is how often a member polls the seeds; a
	// killed member leaves the topology within about one refresh.
	DefaultMembershipRefresh = time.Second
	// DefaultAttemptTimeout bounds one attempt of a routed request; a
	// request to a member that died without closing its connection is
	// retried after it.
	DefaultAttemptTimeout = 3 * time.Second
)

// ErrNoOwner: no member hosts the identity (the topology is empty or the
// lookup failed); the request was not delivered and can be retried.
var ErrNoOwner = errors.New("no cluster member hosts the identity")

// ClusterConfig configures a cluster member.
type ClusterConfig struct {
	// Name of the cluster; members of other names are ignored. Required.
	Name string
	// Seeds are the membership endpoints (host:port) of the members, this
	// one included. Required.
	Seeds []string
	// Etcd, when set, finds the members through the etcd cluster at these
	// endpoints (host:port or URLs) with protoactor's etcd provider, for
	// deployments where members come and go; Seeds, Listen and Refresh are
	// then unused. Members register under the key prefix /actorstore.
	Etcd []string
	// Listen is the host:port of this member's membership endpoint; the
	// other members reach it through their seed lists. Default
	// DefaultClusterListen.
	Listen string
	// Refresh is how often the seeds are polled. Default
	// DefaultMembershipRefresh.
	Refresh time.Duration
	// AttemptTimeout bounds one attempt of Request. Default
	// DefaultAttemptTimeout.
	AttemptTimeout time.Duration
	// Remote configures the member's remote endpoint.
	Remote RemoteConfig
	// Kinds are the virtual actor kinds this member hosts: kind name ->
	// props of its actors. An activation gets the messages sent to its
	// identity through Request.
	Kinds map[string]*Props
	// OnTopology, when set, is called with the member addresses after every
	// change of the topology. It runs on protoactor's event goroutine and
	// must not block.
	OnTopology func(members []string)
}

// Validate reports the first bad field.
func (c ClusterConfig) Validate() error {
	switch {
	case c.Name == "":
		return errors.New("actors: the cluster needs a name")
	case len(c.Etcd) > 0 && len(c.Seeds) > 0:
		return errors.New("actors: the cluster takes seeds or etcd endpoints, not both")
	case len(c.Seeds) == 0 && len(c.Etcd) == 0:
		return errors.New("actors: the cluster needs at least one seed (host:port of a membership endpoint) or etcd endpoints")
	case c.Refresh < 0 || c.AttemptTimeout < 0:
		return errors.New("actors: cluster durations must not be negative")
	}
	if c.Listen != "" {
		if _, _, err := splitHostPort(c.Listen); err != nil {
			return fmt.Errorf("actors: cluster listen: %w", err)
		}
	}
	for _, e := range c.Etcd {
		if strings.TrimSpace(e) == "" {
			return errors.New("actors: empty etcd endpoint")
		}
	}
	for _, s := range c.Seeds {
		if _, p, err := net.SplitHostPort(s); err != nil {
			return fmt.Errorf("actors: cluster seed %q: %w", s, err)
		} else if n, err := strconv.Atoi(p); err != nil || n <= 0 || n > 65535 {
			return fmt.Errorf("actors: cluster seed %q: bad port", s)
		}
	}
	return c.Remote.Validate()
}

// WithDefaults returns c with every zero field set to its default.
func (c ClusterConfig) WithDefaults() ClusterConfig {
	if c.Listen == "" {
		c.Listen = DefaultClusterListen
	}
	if c.Refresh == 0 {
		c.Refresh = DefaultMembershipRefresh
	}
	if c.AttemptTimeout == 0 {
		c.AttemptTimeout = DefaultAttemptTimeout
	}
	c.Remote = c.Remote.WithDefaults()
	return c
}

// Cluster is a running cluster member: protoactor's cluster with the
// automanaged provider (seed list) and distributed-hash identity lookup.
// It owns the system's remote endpoint. Safe for concurrent use.
type Cluster struct {
	c        *cluster.Cluster
	provider cluster.ClusterProvider
	rm       *Remote
	cfg      ClusterConfig
	sys      *System
	port     int // of the membership endpoint

	mu      sync.RWMutex
	members []string
	joined  bool
	changed chan struct{} // closed and replaced at every topology change (cluster_departed.go)

	unsubscribe func()
	leave, once sync.Once
}

// StartCluster makes sys a member of the cluster cfg names: it starts the
// remote endpoint (instead of StartRemote), the membership endpoint, gossip
// and the identity lookup. It returns once the member is started; it has
// joined when the first topology that includes it arrives (Joined).
// Call Shutdown before sys.Shutdown.
func StartCluster(sys *System, cfg ClusterConfig) (cl *Cluster, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	host, port, _ := splitHostPort(cfg.Remote.Address)
	rm := &Remote{sys: sys, cfg: cfg.Remote}
	if rm.cfg.Logger == nil {
		l := sys.Logger()
		rm.cfg.Logger = &l
	}
	cl = &Cluster{sys: sys, rm: rm, cfg: cfg}
	var membership *echo.Echo
	if len(cfg.Etcd) > 0 {
		p, err := etcd.NewWithConfig("/actorstore", clientv3.Config{Endpoints: cfg.Etcd, DialTimeout: 5 * time.Second})
		if err != nil {
			return nil, fmt.Errorf("actors: cluster etcd provider: %w", err)
		}
		cl.provider = p
	} else {
		if membership, err = cl.membershipEndpoint(); err != nil {
			return nil, err
		}
		// The provider's own endpoint would listen on 0.0.0.0 and print to
		// stdout; it serves ours instead (NewWithTesting is the only way in).
		cl.provider = automanaged.NewWithTesting(cfg.Refresh, cl.port, membership, cfg.Seeds...)
	}
	var kinds []*cluster.Kind
	for _, name := range slices.Sorted(maps.Keys(cfg.Kinds)) {
		kinds = append(kinds, cluster.NewKind(name, cfg.Kinds[name]))
	}
	ccfg := cluster.Configure(cfg.Name, cl.provider, disthash.New(),
		remote.Configure(host, port, rm.options()...), cluster.WithKinds(kinds...))
	cl.unsubscribe = func() {}
	defer func() { // New and StartMember panic when they fail (the remote cannot listen)
		if p := recover(); p != nil {
			cl.unsubscribe()
			if membership != nil {
				_ = membership.Close()
			}
			err = fmt.Errorf("actors: start cluster member on %s: %v", cfg.Remote.Address, p)
		}
	}()
	cl.c = cluster.New(sys.as, ccfg)
	cl.unsubscribe = cl.watchTopology()
	cl.c.StartMember()
	rm.r = cl.c.Remote
	return cl, nil
}

// membershipEndpoint binds cfg.Listen and returns the HTTP server the
// automanaged provider runs on it: GET /_health answers this member's
// cluster name, remote address and kinds, as the provider's own would.
func (cl *Cluster) membershipEndpoint() (*echo.Echo, error) {
	l, err := net.Listen("tcp", cl.cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("actors: cluster membership endpoint: %w", err)
	}
	cl.port = l.Addr().(*net.TCPAddr).Port
	e := echo.New()
	e.HideBanner, e.HidePort, e.Listener = true, true, l
	e.Logger.SetOutput(io.Discard)
	e.GET("/_health", func(c echo.Context) error {
		host, port, err := cl.sys.as.GetHostPort()
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, automanaged.NewNode(cl.cfg.Name, cl.sys.as.ID, host, port, cl.port,
			cl.c.GetClusterKinds()))
	})
	return e, nil
}

// MembershipAddress is the address the membership endpoint listens on,
// or the etcd endpoints when the members are found through etcd.
func (cl *Cluster) MembershipAddress() string {
	if len(cl.cfg.Etcd) > 0 {
		return "etcd " + strings.Join(cl.cfg.Etcd, ",")
	}
	host, _, _ := net.SplitHostPort(cl.cfg.Listen)
	return net.JoinHostPort(host, strconv.Itoa(cl.port))
}

func (cl *Cluster) watchTopology() func() {
	sub := cl.sys.as.EventStream.Subscribe(func(evt any) {
		t, ok := evt.(*cluster.ClusterTopology)
		if !ok {
			return
		}
		members := make([]string, 0, len(t.Members))
		for _, m := range t.Members {
			members = append(members, m.Address())
		}
		slices.Sort(members)
		self := cl.sys.as.Address()
		cl.mu.Lock()
		cl.members = members
		cl.joined = cl.joined || slices.Contains(members, self)
		cl.signalTopologyLocked()
		cl.mu.Unlock()
		if cl.cfg.OnTopology != nil {
			cl.cfg.OnTopology(members)
		}
	})
	return func() { cl.sys.as.EventStream.Unsubscribe(sub) }
}

// Remote is the member's remote endpoint.
func (cl *Cluster) Remote() *Remote { return cl.rm }

// Name is the cluster's name.
func (cl *Cluster) Name() string { return cl.cfg.Name }

// Config is the configuration in effect, defaults applied.
func (cl *Cluster) Config() ClusterConfig { return cl.cfg }

// Members returns the addresses of the members in the current topology,
// sorted, and whether this member has been part of a topology since it
// started.
func (cl *Cluster) Members() (members []string, joined bool) {
	cl.mu.RLock()
	defer cl.mu.RUnlock()
	return slices.Clone(cl.members), cl.joined
}

// Request sends msg to the activation of identity of kind, wherever it is
// placed, and waits for its reply. Each attempt is bounded by
// AttemptTimeout and ctx; an attempt that finds no owner, reaches an
// activation that no longer exists, times out, or gets a reply for which
// retry returns true is retried with exponential backoff (the cached
// placement is dropped first) until ctx ends. A message may therefore be
// delivered more than once: make it idempotent. It returns ctx's error
// when ctx is cancelled, and the last attempt's error (a *eventstore.TimeoutError,
// ErrNoOwner, ErrDeadLetter) when ctx's deadline passes first.
//
// protoactor's own cluster.Request is not used: its call options mutate a
// shared default and its timeouts ignore ctx.
func (cl *Cluster) Request(ctx context.Context, kind, identity string, msg any, retry func(reply any) bool) (any, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cl.sys.requestTimeout)
		defer cancel()
	}
	policy := persistence.RetryPolicy{MaxAttempts: 1 << 20, Base: 25 * time.Millisecond, Cap: 500 * time.Millisecond}
	reply, _, err := persistence.Retry(ctx, policy, func(error) bool { return true },
		func(ctx context.Context) (any, error) { return cl.attempt(ctx, kind, identity, msg, retry) })
	if err != nil && errors.Is(err, errRetryReply) {
		return reply, nil // the last reply, retryable or not, is the answer
	}
	if err != nil && ctx.Err() == context.Canceled {
		return nil, ctx.Err()
	}
	return reply, err
}

var errRetryReply = errors.New("reply asks for a retry")

func (cl *Cluster) attempt(ctx context.Context, kind, identity string, msg any, retry func(any) bool) (any, error) {
	pid, err := cl.lookup(ctx, kind, identity)
	if err != nil {
		return nil, err
	}
	actx, cancel := context.WithTimeout(ctx, cl.cfg.AttemptTimeout)
	defer cancel()
	defer cl.cancelIfDeparted(actx, pid.Address, cancel)()
	reply, err := Request(actx, cl.sys, pid, msg)
	if err == nil && retry != nil && retry(reply) {
		err = errRetryReply
	}
	if err != nil {
		cl.c.PidCache.RemoveByValue(identity, kind, pid)
	}
	return reply, err
}

// lookup finds the activation's PID: from protoactor's PID cache, else
// through the identity lookup (which activates it on its owner). The
// lookup has its own fixed 5s timeout; lookup returns earlier when ctx
// ends, leaving it to finish in the background.
func (cl *Cluster) lookup(ctx context.Context, kind, identity string) (*PID, error) {
	if pid, ok := cl.c.PidCache.Get(identity, kind); ok && pid != nil {
		return pid, nil
	}
	found := make(chan *PID, 1)
	go func() { found <- cl.c.Get(identity, kind) }()
	select {
	case pid := <-found:
		if pid == nil {
			return nil, fmt.Errorf("%w: %s/%s", ErrNoOwner, kind, identity)
		}
		cl.c.PidCache.Set(identity, kind, pid)
		return pid, nil
	case <-ctx.Done():
		return nil, &eventstore.TimeoutError{Target: kind + "/" + identity}
	}
}

// Leave starts leaving the cluster: it marks the member as gracefully left
// and stops the membership endpoint, so the others drop this member within
// a refresh and its identities move; requests in flight still work.
// Shutdown calls it. Safe to call more than once.
func (cl *Cluster) Leave() {
	cl.leave.Do(func() {
		cl.c.Gossip.SetState(cluster.GracefullyLeftKey, &emptypb.Empty{})
		_ = cl.provider.Shutdown(true)
	})
}

// Shutdown leaves the cluster (Leave), stops the activations, gossip and
// the remote endpoint. It does not shut the actor system down. Safe to
// call more than once.
func (cl *Cluster) Shutdown() {
	cl.once.Do(func() {
		cl.Leave()
		cl.c.IdentityLookup.Shutdown()
		cl.c.Gossip.Shutdown()
		cl.unsubscribe()
		cl.rm.Shutdown()
	})
}
