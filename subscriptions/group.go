package subscriptions

import (
	"cmp"
	"slices"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/wire"
)

// groupActor is a consumer group: the one subscriber of a durable
// subscription, it hands each event to one member, chosen per stream by
// consistent hashing, with per-member credits.
//
// Order and at-least-once: a stream whose events are unacknowledged at a
// member stays with that member until they are acknowledged, whatever the
// ring says, so each stream is processed by one member at a time, in
// order; rebalancing moves a stream only when it is idle. A member that
// leaves or dies gives its unacknowledged events back: they go, in
// position order, to the stream's new owner. The group acknowledges to the
// durable subscription (and so to its checkpoint) only the positions below
// the oldest event not yet acknowledged by a member, and grants it credits
// as events complete, so the group holds at most its window in memory.
type groupActor struct {
	sh      *shared
	sp      spec // of the first member: filter, start, durable name
	window  int
	sub     *actors.PID // the durable subscription
	members map[string]*member
	ring    ring
	queue   []*groupEvent          // received, not yet handed to a member
	order   []*groupEvent          // received, not yet acknowledged to sub, in position order
	load    map[string]*streamLoad // stream -> member holding unacknowledged events
}

type groupEvent struct {
	msg    *messages.RecordedEvent // nil for a Checkpoint marker
	pos    uint64
	stream string
	done   bool
}

type member struct {
	id       string
	pid      *actors.PID
	subID    string
	credits  int
	seq      uint64
	inflight []*groupEvent
}

type streamLoad struct {
	member string
	n      int
}

func newGroupActor(sh *shared, sp spec) *groupActor {
	return &groupActor{sh: sh, sp: sp, window: min(4*sp.window, sh.cfg.MaxWindow),
		members: map[string]*member{}, load: map[string]*streamLoad{}}
}

func (g *groupActor) Receive(c actors.Context) {
	switch m := c.Message().(type) {
	case *actors.Started:
		req := g.sp
		req.id, req.subscriber, req.window = "group/"+g.sp.durable, RefOf(c.Self()), g.window
		c.Request(c.Parent(), req.request())
	case *messages.SubscribeRequest:
		g.join(c, m)
	case *messages.Subscribed:
		g.subscribed(c, m)
	case *messages.SubscriptionEvent:
		e := m.GetEvent()
		g.receive(&groupEvent{msg: e, pos: e.GetPosition(), stream: e.GetStream()})
		g.dispatch(c)
	case *messages.Checkpoint:
		g.receive(&groupEvent{pos: m.GetPosition(), done: true})
		g.advance(c)
	case *messages.SubscriptionDropped:
		g.end(c, wire.ErrorFromProto(m.GetError()))
	case *messages.Credit, *messages.Ack, *messages.Nack, *messages.Unsubscribe:
		g.fromMember(c, m)
	case *actors.Terminated:
		g.terminated(c, m.Who)
	case statsRequest:
		c.Respond(g.stats())
	case *actors.Stopping: // the hub is closing: tell the members left
		g.end(c, eventstore.ErrClosed)
	}
}

func (g *groupActor) receive(e *groupEvent) {
	g.order = append(g.order, e)
	if !e.done {
		g.queue = append(g.queue, e)
	}
}

func (g *groupActor) subscribed(c actors.Context, m *messages.Subscribed) {
	if m.GetError() != nil {
		g.end(c, wire.ErrorFromProto(m.GetError()))
		return
	}
	if g.sub == nil {
		g.sub = PIDOf(m.GetSubscription())
		c.Watch(g.sub)
	}
}

func (g *groupActor) join(c actors.Context, m *messages.SubscribeRequest) {
	sp, err := parseRequest(m, g.sh.cfg)
	if err != nil {
		c.Respond(&messages.Subscribed{SubscriptionId: m.GetSubscriptionId(), Error: wire.ErrorToProto(err)})
		return
	}
	pid := PIDOf(sp.subscriber)
	mb := &member{id: pidKey(pid), pid: pid, subID: sp.id, credits: sp.window}
	g.members[mb.id] = mb
	g.rebuild()
	c.Watch(pid)
	reply := &messages.Subscribed{SubscriptionId: sp.id, Subscription: RefOf(c.Self())}
	c.Respond(reply)
	c.Send(pid, reply)
	g.dispatch(c)
}

func (g *groupActor) rebuild() {
	ids := make([]string, 0, len(g.members))
	for id := range g.members {
		ids = append(ids, id)
	}
	g.ring = newRing(ids)
}

// dispatch hands queued events to members with credits, in position
// order per stream: a stream whose first queued event cannot go now holds
// back its later events too.
func (g *groupActor) dispatch(c actors.Context) {
	blocked := map[string]bool{}
	rest := g.queue[:0]
	for _, e := range g.queue {
		mb := g.target(e.stream)
		if blocked[e.stream] || mb == nil || mb.credits <= 0 {
			blocked[e.stream] = true
			rest = append(rest, e)
			continue
		}
		mb.credits--
		mb.seq++
		mb.inflight = append(mb.inflight, e)
		l := g.load[e.stream]
		if l == nil {
			l = &streamLoad{member: mb.id}
			g.load[e.stream] = l
		}
		l.n++
		c.Send(mb.pid, &messages.SubscriptionEvent{SubscriptionId: mb.subID, Sequence: mb.seq, Event: e.msg})
	}
	clear(g.queue[len(rest):])
	g.queue = rest
}

// target is the member a stream's next event goes to: the one still
// holding its unacknowledged events, else its owner on the ring.
func (g *groupActor) target(stream string) *member {
	if l := g.load[stream]; l != nil {
		return g.members[l.member]
	}
	return g.members[g.ring.owner(stream)]
}

func (g *groupActor) fromMember(c actors.Context, msg any) {
	sender := c.Sender()
	var mb *member
	if sender != nil {
		mb = g.members[pidKey(sender)]
	}
	switch m := msg.(type) {
	case *messages.Credit:
		if mb = g.memberOf(c, mb); mb != nil {
			mb.credits = min(mb.credits+int(m.GetN()), g.sh.cfg.MaxWindow)
		}
	case *messages.Ack:
		if mb = g.memberOf(c, mb); mb != nil {
			g.complete(mb, m.GetPosition(), false)
		}
	case *messages.Nack:
		if mb = g.memberOf(c, mb); mb != nil && g.sub != nil {
			c.Send(g.sub, m) // the durable subscription parks it
			g.complete(mb, m.GetPosition(), true)
		}
	case *messages.Unsubscribe:
		if mb = g.memberOf(c, mb); mb != nil {
			g.leave(c, mb)
		}
	}
	g.advance(c)
	g.dispatch(c)
}

// memberOf finds the member a message came from: its sender, or the only
// member whose subscription ID... members send without a sender through
// Go mailboxes, so fall back to the subscription ID carried by the message.
func (g *groupActor) memberOf(c actors.Context, mb *member) *member {
	if mb != nil {
		return mb
	}
	id := subscriptionIDOf(c.Message())
	for _, m := range g.members {
		if m.subID == id {
			return m
		}
	}
	return nil
}

// complete marks the member's events up to pos (only pos for a Nack) done.
func (g *groupActor) complete(mb *member, pos uint64, only bool) {
	rest := mb.inflight[:0]
	for _, e := range mb.inflight {
		if e.pos > pos || (only && e.pos != pos) {
			rest = append(rest, e)
			continue
		}
		e.done = true
		if l := g.load[e.stream]; l != nil {
			if l.n--; l.n == 0 {
				delete(g.load, e.stream)
			}
		}
	}
	clear(mb.inflight[len(rest):])
	mb.inflight = rest
}

// advance acknowledges to the durable subscription the events completed
// from the oldest on, and grants it as many credits.
func (g *groupActor) advance(c actors.Context) {
	n := 0
	for n < len(g.order) && g.order[n].done {
		n++
	}
	if n == 0 || g.sub == nil {
		return
	}
	last := g.order[n-1].pos
	clear(g.order[:n])
	g.order = g.order[n:]
	c.Send(g.sub, &messages.Ack{Position: last})
	c.Send(g.sub, &messages.Credit{N: uint32(n)})
}

// leave removes a member: its unacknowledged events go back to the queue,
// in position order, for the streams' new owners.
func (g *groupActor) leave(c actors.Context, mb *member) {
	delete(g.members, mb.id)
	c.Unwatch(mb.pid)
	for _, e := range mb.inflight {
		if l := g.load[e.stream]; l != nil && l.member == mb.id {
			delete(g.load, e.stream)
		}
	}
	g.queue = append(g.queue, mb.inflight...)
	slices.SortFunc(g.queue, func(a, b *groupEvent) int { return cmp.Compare(a.pos, b.pos) })
	mb.inflight = nil
	g.rebuild()
	if len(g.members) == 0 {
		c.Stop(c.Self())
	}
}

func (g *groupActor) terminated(c actors.Context, who *actors.PID) {
	if actors.SamePID(who, g.sub) {
		g.end(c, eventstore.ErrClosed)
		return
	}
	if mb := g.members[pidKey(who)]; mb != nil {
		g.leave(c, mb)
		g.dispatch(c)
	}
}

// end tells every member the group is gone, and stops.
func (g *groupActor) end(c actors.Context, err error) {
	for _, mb := range g.members {
		c.Send(mb.pid, &messages.SubscriptionDropped{SubscriptionId: mb.subID, Error: wire.ErrorToProto(err)})
	}
	g.members = map[string]*member{}
	c.Stop(c.Self())
}

// subscriptionIDOf returns the subscription ID a subscriber message carries.
func subscriptionIDOf(msg any) string {
	if m, ok := msg.(interface{ GetSubscriptionId() string }); ok {
		return m.GetSubscriptionId()
	}
	return ""
}

// pidKey identifies an actor by address and ID.
func pidKey(pid *actors.PID) string { return pid.GetAddress() + "/" + pid.GetId() }

// groupStats is a group actor's answer to statsRequest (tests).
type groupStats struct {
	Members map[string][2]int // member -> credits, in flight
	Queued  int
	Unacked int
	Streams int // streams held by a member
}

func (g *groupActor) stats() groupStats {
	s := groupStats{Members: map[string][2]int{}, Queued: len(g.queue), Unacked: len(g.order), Streams: len(g.load)}
	for id, m := range g.members {
		s.Members[id] = [2]int{m.credits, len(m.inflight)}
	}
	return s
}
