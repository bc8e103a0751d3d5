package subscriptions

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/wire"
)

// Hub is a node's subscription fan-out: it spawns subscription actors,
// hands them every committed event, and wakes them on commits of other
// processes. Create it with NewHub; all methods are safe for concurrent use.
type Hub struct {
	sh     *shared
	pid    *actors.PID
	cancel context.CancelFunc
	once   sync.Once
}

// shared is what the hub and its subscription actors share: immutable
// after NewHub, except the WaitGroup of their I/O goroutines.
type shared struct {
	sys   *actors.System
	store persistence.Store
	cfg   Config
	ctx   context.Context // ends at Close: cancels every store call in flight
	wg    sync.WaitGroup
	flows sync.Map // *flowGauge of every live subscription, for metrics
	owner string   // this process incarnation, in lease owners
	// retained holds the streams deleted or given metadata through this
	// process: the events they hide are never delivered from then on
	// (retention.go).
	retained retentions
}

// goIO runs fn on a goroutine that Close waits for.
func (sh *shared) goIO(fn func()) {
	sh.wg.Add(1)
	go func() {
		defer sh.wg.Done()
		fn()
	}()
}

// NewHub starts a hub on sys over store. ctx bounds the start only (one
// LastPosition read and the Notifications subscription).
func NewHub(ctx context.Context, sys *actors.System, store persistence.Store, cfg Config) (*Hub, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	head, err := store.LastPosition(ctx)
	if err != nil {
		return nil, fmt.Errorf("subscriptions: start hub: %w", err)
	}
	life, cancel := context.WithCancel(context.Background())
	sh := &shared{sys: sys, store: store, cfg: cfg, ctx: life, owner: processOwner()}
	notes, err := store.Notifications(life)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("subscriptions: start hub: %w", err)
	}
	pid, err := sys.SpawnNamed(actors.PropsOf(func() actors.Actor { return newHubActor(sh, head) }), cfg.Name)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("subscriptions: start hub: %w", err)
	}
	sys.MarkVital("subscription hub "+cfg.Name, pid) // readiness fails if it ever stops
	sh.goIO(func() {
		for pos := range notes {
			sys.Send(pid, &notified{pos: pos})
		}
	})
	return &Hub{sh: sh, pid: pid, cancel: cancel}, nil
}

// PID is the hub actor's address: peers send it *messages.SubscribeRequest
// (it answers with *messages.Subscribed).
func (h *Hub) PID() *actors.PID { return h.pid }

// Publish hands the hub the events of one commit, in position order, as the
// writer's OnCommit hook does. It never blocks: the events are queued for
// the hub actor. The hub keeps the slice; the caller must not change it.
func (h *Hub) Publish(events []eventstore.RecordedEvent) {
	h.sh.retained.published(events)
	if len(events) > 0 {
		h.sh.sys.Send(h.pid, &published{events: events})
	}
}

// SubscribeActor subscribes subscriber (any PID, local or remote) with o and
// returns the address of the subscription actor. The subscriber then
// receives the messages of messages/subscriptions.proto.
func (h *Hub) SubscribeActor(ctx context.Context, subscriber *actors.PID, o Options) (*actors.PID, string, error) {
	reply, err := actors.Request(ctx, h.sh.sys, h.pid, o.request(RefOf(subscriber)))
	if err != nil {
		if errors.Is(err, actors.ErrDeadLetter) {
			return nil, "", ErrClosed
		}
		return nil, "", err
	}
	s, ok := reply.(*messages.Subscribed)
	if !ok {
		return nil, "", fmt.Errorf("%w: hub replied %T", ErrProtocol, reply)
	}
	if s.GetError() != nil {
		return nil, "", wire.ErrorFromProto(s.GetError())
	}
	return PIDOf(s.GetSubscription()), s.GetSubscriptionId(), nil
}

// subscribeLocal asks the hub for a subscription of a handler runner in
// this process, with its spec already parsed (sp.local is set).
func (h *Hub) subscribeLocal(ctx context.Context, sp spec) (*actors.PID, string, error) {
	reply, err := actors.Request(ctx, h.sh.sys, h.pid, &localSubscribe{sp: sp})
	if err != nil {
		if errors.Is(err, actors.ErrDeadLetter) {
			return nil, "", ErrClosed
		}
		return nil, "", err
	}
	s, ok := reply.(*messages.Subscribed)
	if !ok {
		return nil, "", fmt.Errorf("%w: hub replied %T", ErrProtocol, reply)
	}
	return PIDOf(s.GetSubscription()), s.GetSubscriptionId(), nil
}

// localSubscribe is Hub.Subscribe's request to the hub actor: a spec
// parsed (and checked) by the caller, never sent over the wire.
type localSubscribe struct{ sp spec }

// Stats is a snapshot of a hub.
type Stats struct {
	// Subscriptions is the number of live subscription actors.
	Subscriptions int
	// Groups is the number of live consumer groups.
	Groups int
	// Head is the newest position the hub has fanned out.
	Head eventstore.Position
}

// Stats asks the hub actor for a snapshot.
func (h *Hub) Stats(ctx context.Context) (Stats, error) {
	reply, err := actors.Request(ctx, h.sh.sys, h.pid, statsRequest{})
	if err != nil {
		return Stats{}, err
	}
	return reply.(Stats), nil
}

// Close stops every subscription (subscribers get SubscriptionDropped with
// ERROR_CODE_CLOSED), then the hub, and waits for their goroutines. It
// does not close the store. Safe to call more than once.
func (h *Hub) Close() error {
	var err error
	h.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), h.sh.cfg.StopTimeout)
		defer cancel()
		err = h.sh.sys.StopWait(ctx, h.pid)
		h.cancel()
		h.sh.wg.Wait()
	})
	return err
}

// timeAfter sends msg to pid after d, unless the returned timer is stopped.
func (sh *shared) timeAfter(d time.Duration, pid *actors.PID, msg any) *time.Timer {
	return time.AfterFunc(d, func() { sh.sys.Send(pid, msg) })
}
