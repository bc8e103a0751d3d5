package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/wire"
)

// StreamKind is the cluster kind of the stream virtual actors: one
// activation per stream ID, placed on a member by the stream ID's hash.
const StreamKind = "stream"

// ClusterConfig makes a node a member of a cluster of nodes that share
// one PostgreSQL database (see docs/cluster.md). The zero values of the
// optional fields mean the defaults of actors.ClusterConfig.
type ClusterConfig struct {
	// Name of the cluster. Required.
	Name string
	// Seeds are the membership endpoints (host:port) of all members, this
	// one included. Required.
	Seeds []string
	// Etcd, instead of Seeds, finds the members through the etcd cluster
	// at these endpoints (protoactor's etcd provider); Listen and Refresh
	// are then unused.
	Etcd []string
	// Listen is the host:port of this member's membership endpoint (plain
	// HTTP; the seeds of the other members name it). Default
	// actors.DefaultClusterListen (loopback).
	Listen string
	// Refresh is how often the seeds are polled. Default
	// actors.DefaultMembershipRefresh.
	Refresh time.Duration
	// AttemptTimeout bounds one attempt of a routed request. Default
	// actors.DefaultAttemptTimeout.
	AttemptTimeout time.Duration
	// GrainIdleTimeout stops a stream grain unused this long (its next
	// request activates it again). Default DefaultGrainIdleTimeout.
	GrainIdleTimeout time.Duration
}

// Validate checks the membership settings (the remote endpoint's are
// checked with the node's Config). It needs no network and no store, so a
// program can call it before it opens anything.
func (c ClusterConfig) Validate() error {
	if c.GrainIdleTimeout < 0 {
		return errors.New("node: cluster GrainIdleTimeout must not be negative")
	}
	return actors.ClusterConfig{Name: c.Name, Seeds: c.Seeds, Etcd: c.Etcd, Listen: c.Listen, Refresh: c.Refresh,
		AttemptTimeout: c.AttemptTimeout}.Validate()
}

// DefaultGrainIdleTimeout is ClusterConfig.GrainIdleTimeout's default.
const DefaultGrainIdleTimeout = time.Minute

// passivateAfterTopology: after a topology change idle stream actors are
// stopped at once and again at these delays (an actor busy at the change
// is stopped once it is idle).
var passivateAfterTopology = []time.Duration{0, time.Second, 3 * time.Second}

// startCluster makes the node a cluster member; it hosts the stream grains.
func (n *Node) startCluster(c *ClusterConfig) (*actors.Remote, error) {
	grain := actors.PropsOf(func() actors.Actor { return &streamGrain{n: n} })
	cl, err := actors.StartCluster(n.sys, actors.ClusterConfig{
		Name: c.Name, Seeds: c.Seeds, Etcd: c.Etcd, Listen: c.Listen, Refresh: c.Refresh, AttemptTimeout: c.AttemptTimeout,
		Remote: n.cfg.remoteConfig(), Kinds: map[string]*actors.Props{StreamKind: grain},
		OnTopology: n.onTopology,
	})
	if err != nil {
		return nil, err
	}
	n.cluster = cl
	return cl.Remote(), nil
}

// onTopology logs the new members and passivates idle stream actors: the
// streams this node owns changed, and an actor of a stream another member
// wrote meanwhile has a stale head.
func (n *Node) onTopology(members []string) {
	n.log.Info().Strs("members", members).Msg("cluster topology changed")
	// A clustered node stops idle stream actors whose in-memory head may
	// be behind the database: after a topology change, and after a
	// transaction over streams that other members may own.
	p := n.cfg.Engine
	if p == nil {
		return
	}
	for _, d := range passivateAfterTopology {
		time.AfterFunc(d, func() {
			if n.life.Err() == nil {
				p.PassivateIdle()
			}
		})
	}
}

// streamGrain is the activation of one stream on its owner: it serves the
// appends and stream reads routed to it through this node's own stream
// actors and group-commit writer, off its mailbox (like the API actor). It
// holds no state of the stream, so a second activation during a topology
// change does no harm: both hand their requests to the same node's stream
// actor, or to two nodes' actors fenced by the database.
//
// A grain unused for GrainIdleTimeout stops itself; a request that reaches
// it after that gets a dead letter and is retried by its sender (see
// actors.Cluster.Request), which activates it again. Its clock is a timer
// that sends it a message (protoactor's receive timeout races).
type streamGrain struct {
	n    *Node
	used time.Time
}

// grainTick makes a grain check whether it has been idle.
type grainTick struct{}

func (g *streamGrain) Receive(c actors.Context) {
	switch m := c.Message().(type) {
	case *actors.Started:
		g.n.grains.Add(1)
		g.used = time.Now()
		g.schedule(c.Self(), g.n.grainIdle())
	case *actors.Stopped:
		g.n.grains.Add(-1)
	case *grainTick:
		if idle := time.Since(g.used); idle >= g.n.grainIdle() {
			c.Poison(c.Self())
		} else {
			g.schedule(c.Self(), g.n.grainIdle()-idle)
		}
	case *messages.AppendRequest, *messages.ReadStreamRequest, *messages.ExecuteRequest,
		*messages.DeleteStreamRequest, *messages.SetStreamMetadataRequest:
		g.used = time.Now()
		g.n.handle(c.Sender(), m, true, actors.TraceContext(context.Background(), c))
	}
}

func (g *streamGrain) schedule(self *actors.PID, after time.Duration) {
	time.AfterFunc(after, func() { g.n.sys.Send(self, &grainTick{}) })
}

func (n *Node) grainIdle() time.Duration {
	if d := n.cfg.Cluster.GrainIdleTimeout; d > 0 {
		return d
	}
	return DefaultGrainIdleTimeout
}

// clustered wraps run for a clustered node: appends, stream reads, entity
// commands, deletes and metadata writes go to the stream's owner (unless
// local: they are at the owner), transactions
// run here and then passivate their stream actors.
func (n *Node) clustered(msg proto.Message, run runFunc, fail failFunc, local bool) runFunc {
	switch m := msg.(type) {
	case *messages.AppendRequest:
		if !local {
			return n.route(m.GetStream(), m, &m.Options, fail)
		}
	case *messages.ReadStreamRequest:
		if !local {
			return n.route(m.GetStream(), m, &m.Options, fail)
		}
	case *messages.ExecuteRequest:
		if !local {
			return n.route(m.GetStream(), m, &m.Options, fail)
		}
	case *messages.DeleteStreamRequest:
		if !local {
			return n.route(m.GetStream(), m, &m.Options, fail)
		}
	case *messages.SetStreamMetadataRequest:
		if !local {
			return n.route(m.GetStream(), m, &m.Options, fail)
		}
	case *messages.TransactRequest:
		return func(ctx context.Context) proto.Message {
			reply := run(ctx)
			if p := n.cfg.Engine; p != nil {
				streams := make([]string, len(m.GetAppends()))
				for i, a := range m.GetAppends() {
					streams[i] = a.GetStream()
				}
				p.PassivateIdle(streams...)
			}
			return reply
		}
	}
	return run
}

// route sends msg to the grain of stream and returns its reply. The
// forwarded request carries the caller's trace ID and the time left.
func (n *Node) route(stream string, msg proto.Message, opts **messages.RequestOptions, fail failFunc) runFunc {
	return func(ctx context.Context) proto.Message {
		trace := eventstore.TraceID(ctx)
		if *opts == nil {
			*opts = &messages.RequestOptions{}
		}
		(*opts).TraceId = trace
		if dl, ok := ctx.Deadline(); ok {
			(*opts).TimeoutMs = uint32(max(time.Until(dl).Milliseconds(), 1))
		}
		reply, err := n.cluster.Request(ctx, StreamKind, stream, msg, ownerClosing)
		if err != nil {
			return fail(wire.ErrorToProto(err)) // run attaches the trace ID
		}
		if pm, ok := reply.(proto.Message); ok {
			return pm
		}
		return fail(&messages.Error{Code: messages.ErrorCode_ERROR_CODE_INTERNAL,
			Message: fmt.Sprintf("stream owner replied with %T", reply)})
	}
}

// ownerClosing reports a reply of an owner that is shutting down: the
// request was not served there and is retried (the stream moves once the
// owner has left).
func ownerClosing(reply any) bool {
	var e *messages.Error
	switch r := reply.(type) {
	case *messages.AppendReply:
		e = r.GetError()
	case *messages.ReadReply:
		e = r.GetError()
	case *messages.ExecuteReply:
		e = r.GetError()
	}
	return e.GetCode() == messages.ErrorCode_ERROR_CODE_CLOSED
}

// Cluster is the node's cluster membership, nil when it is not clustered.
func (n *Node) Cluster() *actors.Cluster { return n.cluster }

// ErrNotJoined: the node is a cluster member that has not (yet) seen a
// topology that includes it.
var ErrNotJoined = errors.New("cluster membership not joined")

// ClusterHealth is the readiness check of a clustered node: nil once it
// has joined its cluster (it saw a topology with itself among the
// members), else an error wrapping ErrNotJoined. A node that is not
// clustered always passes.
func (n *Node) ClusterHealth(context.Context) error {
	if n.cluster == nil {
		return nil
	}
	members, joined := n.cluster.Members()
	if !joined {
		return fmt.Errorf("%w: cluster %q, %d member(s) seen, this node not among them yet",
			ErrNotJoined, n.cluster.Name(), len(members))
	}
	return nil
}

func (n *Node) clusterStatus() *messages.ClusterStatus {
	if n.cluster == nil {
		return nil
	}
	members, joined := n.cluster.Members()
	return &messages.ClusterStatus{Name: n.cluster.Name(), Members: members, Joined: joined,
		Grains: uint64(max(n.grains.Load(), 0))}
}
