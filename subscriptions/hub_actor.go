package subscriptions

import (
	"time"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/supervisor"
	"github.com/actorstore/actorstore/wire"
)

// Messages of the hub actor (local only).
type (
	// published carries the events of one local commit (Hub.Publish).
	published struct{ events []eventstore.RecordedEvent }
	// notified carries a store notification of the newest committed position.
	notified struct{ pos eventstore.Position }
	// checkHead: the grace after a notification has passed.
	checkHead struct{}
	// feedRead is the result of the hub's read of commits it was not handed.
	feedRead struct {
		events []eventstore.RecordedEvent
		err    error
	}
	statsRequest struct{}
	// childrenRequest asks for the subscription actors' PIDs (tests).
	childrenRequest struct{}
)

// hubActor is the parent of all subscription actors of a node. It keeps a
// feed of committed events that is contiguous in position (see feed.go)
// and fans it out: every event to all-stream subscriptions, the events of
// a stream to that stream's subscriptions.
type hubActor struct {
	sh       *shared
	feed     feed
	all      map[string]*actors.PID            // by child PID ID
	byStream map[string]map[string]*actors.PID // stream -> child PID ID -> PID
	streamOf map[string]string                 // child PID ID -> stream ("" for all)
	groups   map[string]*actors.PID            // consumer group name -> group actor
	groupOf  map[string]string                 // group actor PID ID -> name
}

func newHubActor(sh *shared, head eventstore.Position) *hubActor {
	return &hubActor{
		sh: sh, feed: feed{head: head, known: head},
		all: map[string]*actors.PID{}, byStream: map[string]map[string]*actors.PID{},
		streamOf: map[string]string{}, groups: map[string]*actors.PID{}, groupOf: map[string]string{},
	}
}

// childStrategy stops a failed subscription actor: a restart would lose
// its position and deliver twice. Its subscriber is told (Dropped).
func childStrategy(sh *shared) actors.Strategy {
	stop := func(any) supervisor.Directive { return supervisor.Stop }
	return actors.NewSupervisorStrategy(supervisor.Policy{Decider: stop}, sh.cfg.Logger, nil)
}

func (h *hubActor) Receive(c actors.Context) {
	switch m := c.Message().(type) {
	case *published:
		h.feed.onPublished(c, h, m.events)
	case *notified:
		h.feed.onNotified(c, h, m.pos)
	case checkHead:
		h.feed.onCheckHead(c, h)
	case *feedRead:
		h.feed.onRead(c, h, m)
	case *messages.SubscribeRequest:
		h.subscribe(c, m)
	case *localSubscribe:
		h.spawn(c, m.sp)
	case *actors.Terminated:
		h.forget(m.Who)
	case statsRequest:
		c.Respond(Stats{Subscriptions: len(h.streamOf), Groups: len(h.groups), Head: h.feed.head})
	case childrenRequest:
		c.Respond(c.Children())
	case *actors.Stopping:
		h.feed.stop()
	}
}

func (h *hubActor) subscribe(c actors.Context, m *messages.SubscribeRequest) {
	sp, err := parseRequest(m, h.sh.cfg)
	if err != nil {
		c.Respond(&messages.Subscribed{SubscriptionId: m.GetSubscriptionId(), Error: wire.ErrorToProto(err)})
		return
	}
	if sp.group {
		h.joinGroup(c, sp)
		return
	}
	h.spawn(c, sp)
}

// spawn starts the subscription actor of sp and answers the request.
func (h *hubActor) spawn(c actors.Context, sp spec) {
	props := actors.PropsOf(func() actors.Actor { return newSubActor(h.sh, sp) })
	child := c.Spawn(actors.WithStrategy(props, childStrategy(h.sh)))
	h.streamOf[child.Id] = sp.stream
	if sp.stream == "" {
		h.all[child.Id] = child
	} else {
		if h.byStream[sp.stream] == nil {
			h.byStream[sp.stream] = map[string]*actors.PID{}
		}
		h.byStream[sp.stream][child.Id] = child
	}
	c.Respond(&messages.Subscribed{SubscriptionId: sp.id, Subscription: RefOf(child)})
}

// joinGroup forwards a member's request to its group, started on first use.
func (h *hubActor) joinGroup(c actors.Context, sp spec) {
	pid := h.groups[sp.durable]
	if pid == nil {
		props := actors.PropsOf(func() actors.Actor { return newGroupActor(h.sh, sp) })
		pid = c.Spawn(actors.WithStrategy(props, childStrategy(h.sh)))
		h.groups[sp.durable], h.groupOf[pid.Id] = pid, sp.durable
	}
	c.Forward(pid)
}

func (h *hubActor) forget(who *actors.PID) {
	if name, ok := h.groupOf[who.Id]; ok {
		delete(h.groupOf, who.Id)
		delete(h.groups, name)
		return
	}
	stream, ok := h.streamOf[who.Id]
	if !ok {
		return
	}
	delete(h.streamOf, who.Id)
	if stream == "" {
		delete(h.all, who.Id)
		return
	}
	delete(h.byStream[stream], who.Id)
	if len(h.byStream[stream]) == 0 {
		delete(h.byStream, stream)
	}
}

// fanout sends events (contiguous, in position order) to the subscriptions
// that want them. The slices are shared: receivers must not change them.
func (h *hubActor) fanout(c actors.Context, events []eventstore.RecordedEvent) {
	if len(h.all) > 0 {
		batch := &liveBatch{events: events}
		for _, pid := range h.all {
			c.Send(pid, batch)
		}
	}
	if len(h.byStream) == 0 {
		return
	}
	per := map[string][]eventstore.RecordedEvent{}
	for i := range events {
		if _, ok := h.byStream[events[i].Stream]; ok {
			per[events[i].Stream] = append(per[events[i].Stream], events[i])
		}
	}
	for stream, evs := range per {
		batch := &liveBatch{events: evs}
		for _, pid := range h.byStream[stream] {
			c.Send(pid, batch)
		}
	}
}

// retryAfter is how long the hub waits before reading again after a
// failed feed read.
func (h *hubActor) retryAfter() time.Duration { return h.sh.cfg.Retry.Base * 4 }
