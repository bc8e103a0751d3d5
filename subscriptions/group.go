package subscriptions

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/leasing"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/persistence"
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
	sp      spec // of the first member: filter, start, durable name, slots
	window  int
	slots   []*groupSlot // one durable subscription each (group_slots; one by default)
	share   *leasing.Share
	stop    context.CancelFunc // ends the share's goroutines
	members map[string]*member
	ring    ring
	queue   []*groupEvent          // received, not yet handed to a member
	load    map[string]*streamLoad // stream -> member holding unacknowledged events
}

// groupSlot is one of the group's durable subscriptions: the events of the
// streams in its slot (all of them with one slot). With several slots a
// slot's subscription exists only while this process should hold the slot
// (leasing.Share): it is subscribed when the slot becomes this process's
// and given back (yield) when another process should hold it.
type groupSlot struct {
	id       string      // its subscription's ID (a new one each time it is subscribed again)
	subs     int         // how often it was subscribed
	durable  string      // its durable name: its checkpoint and its lease
	sub      *actors.PID // nil while not subscribed
	pending  bool        // a subscribe request is out
	yielding bool        // being given back: nothing more is dispatched from it
	order    []*groupEvent
}

type groupEvent struct {
	msg        *messages.RecordedEvent // nil for a Checkpoint marker
	pos        uint64
	seq        uint64 // its sequence at the member it was handed to
	stream     string
	slot       int
	done       bool
	dispatched bool
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

// slotsChanged: the processes sharing the group's slots changed.
type slotsChanged struct{}

func newGroupActor(sh *shared, sp spec) *groupActor {
	g := &groupActor{sh: sh, sp: sp, window: min(4*sp.window, sh.cfg.MaxWindow),
		members: map[string]*member{}, load: map[string]*streamLoad{}}
	for i := range sp.groupSlots {
		sl := &groupSlot{id: "group/" + sp.durable, durable: sp.durable}
		if sp.groupSlots > 1 {
			sl.durable = fmt.Sprintf("%s#%d", sp.durable, i)
		}
		g.slots = append(g.slots, sl)
	}
	return g
}

func (g *groupActor) Receive(c actors.Context) {
	switch m := c.Message().(type) {
	case *actors.Started:
		g.start(c)
	case slotsChanged:
		g.reconcile(c)
	case *messages.SubscribeRequest:
		g.join(c, m)
	case *messages.Subscribed:
		g.subscribed(c, m)
	case *messages.SubscriptionEvent:
		e := m.GetEvent()
		g.receive(m.GetSubscriptionId(), &groupEvent{msg: e, pos: e.GetPosition(), stream: e.GetStream()})
		g.dispatch(c)
	case *messages.Checkpoint:
		g.receive(m.GetSubscriptionId(), &groupEvent{pos: m.GetPosition(), done: true})
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
	case *actors.Stopped:
		if g.stop != nil {
			g.stop()
		}
	}
}

// start subscribes the group's one slot, or, with several, starts sharing
// them with the other processes (the slots this process should hold are
// subscribed once the first listing of the participants arrives).
func (g *groupActor) start(c actors.Context) {
	if len(g.slots) == 1 {
		g.subscribe(c, 0)
		return
	}
	leaser, _ := g.sh.store.(persistence.Leaser)
	lister, _ := g.sh.store.(persistence.LeaseLister)
	if leaser == nil {
		lister = nil // no leases: this process holds every slot
	}
	g.share = leasing.New(leaser, lister, "$group/"+g.sp.durable, g.sh.owner, g.sh.cfg.LeaseTTL, g.sh.cfg.Logger)
	ctx, stop := context.WithCancel(g.sh.ctx)
	g.stop = stop
	self, sys := c.Self(), g.sh.sys
	g.sh.goIO(func() { g.share.Run(ctx) })
	g.sh.goIO(func() {
		for {
			select {
			case <-g.share.Changed():
				sys.Send(self, slotsChanged{})
			case <-ctx.Done():
				return
			}
		}
	})
	if lister == nil {
		g.reconcile(c)
	}
}

// reconcile subscribes the slots this process should hold and gives back
// the others.
func (g *groupActor) reconcile(c actors.Context) {
	for i, sl := range g.slots {
		want := g.share == nil || g.share.Mine(i)
		switch {
		case want && sl.sub == nil && !sl.pending:
			g.subscribe(c, i)
		case !want && sl.sub != nil && !sl.yielding:
			g.yield(c, i)
		}
	}
}

// subscribe asks the hub for slot i's durable subscription (it stands by
// until it holds the slot's lease).
func (g *groupActor) subscribe(c actors.Context, i int) {
	sl := g.slots[i]
	if len(g.slots) > 1 {
		// A new ID, and so a new lease owner, each time: the subscription
		// given back may still hold the slot's lease until it has stopped,
		// and its release must not end the new one's.
		sl.subs++
		sl.id = fmt.Sprintf("group/%s/%d", sl.durable, sl.subs)
	}
	req := g.sp
	req.id, req.durable, req.subscriber, req.window = sl.id, sl.durable, RefOf(c.Self()), g.window
	req.group, req.groupSlots = false, 1
	if len(g.slots) > 1 {
		req.slot, req.slots = i, len(g.slots)
	}
	sl.pending = true
	c.Request(c.Parent(), req.request())
}

// slotOf finds the slot a subscription ID belongs to.
func (g *groupActor) slotOf(id string) (int, *groupSlot) {
	for i, sl := range g.slots {
		if sl.id == id {
			return i, sl
		}
	}
	return -1, nil
}

// receive takes an event (or a Checkpoint marker) of the slot subscription
// id. A slot being given back takes nothing more: what it did not dispatch
// is read again by its next owner.
func (g *groupActor) receive(id string, e *groupEvent) {
	i, sl := g.slotOf(id)
	if sl == nil || sl.sub == nil || sl.yielding {
		return
	}
	e.slot = i
	sl.order = append(sl.order, e)
	if !e.done {
		g.queue = append(g.queue, e)
	}
}

func (g *groupActor) subscribed(c actors.Context, m *messages.Subscribed) {
	if m.GetError() != nil {
		g.end(c, wire.ErrorFromProto(m.GetError()))
		return
	}
	_, sl := g.slotOf(m.GetSubscriptionId())
	if sl != nil && sl.pending { // the hub's answer and the subscription's first message both say it
		sl.pending = false
		sl.sub = PIDOf(m.GetSubscription())
		c.Watch(sl.sub)
		g.reconcile(c) // the slot may have become another process's meanwhile
	}
}

func (g *groupActor) join(c actors.Context, m *messages.SubscribeRequest) {
	sp, err := parseRequest(m, g.sh.cfg)
	if err == nil && sp.groupSlots != len(g.slots) {
		err = &eventstore.InputError{Field: "group_slots", Rule: "conflict",
			Message: fmt.Sprintf("consumer group %q runs with %d slot(s) here; every member must give the same number",
				g.sp.durable, len(g.slots))}
	}
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
		e.dispatched, e.seq = true, mb.seq
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
			if seq := m.GetSequence(); seq > 0 {
				g.completeUpTo(mb, seq)
			} else {
				g.complete(mb, m.GetPosition(), false)
			}
		}
	case *messages.Nack:
		if mb = g.memberOf(c, mb); mb != nil {
			for _, e := range mb.inflight {
				if sl := g.slots[e.slot]; e.pos == m.GetPosition() && sl.sub != nil {
					c.Send(sl.sub, m) // the slot's durable subscription parks it
				}
			}
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

// completeUpTo marks the member's events up to its message seq done (a
// member that acknowledges by sequence: it processes in delivery order).
func (g *groupActor) completeUpTo(mb *member, seq uint64) {
	k := 0
	for k < len(mb.inflight) && mb.inflight[k].seq <= seq {
		e := mb.inflight[k]
		e.done = true
		if l := g.load[e.stream]; l != nil {
			if l.n--; l.n == 0 {
				delete(g.load, e.stream)
			}
		}
		k++
	}
	mb.inflight = slices.Delete(mb.inflight, 0, k)
}

// advance acknowledges to each slot's durable subscription the events
// completed from the oldest on, and grants it as many credits; then it
// finishes the give-backs whose events are all done.
func (g *groupActor) advance(c actors.Context) {
	for i, sl := range g.slots {
		n := 0
		for n < len(sl.order) && sl.order[n].done {
			n++
		}
		if n > 0 && sl.sub != nil {
			last := sl.order[n-1].pos
			clear(sl.order[:n])
			sl.order = sl.order[n:]
			c.Send(sl.sub, &messages.Ack{Position: last})
			c.Send(sl.sub, &messages.Credit{N: uint32(n)})
		}
		if sl.yielding && !g.inflight(i) {
			g.release(c, i)
		}
	}
}

// yield starts giving slot i back: its events not yet handed to a member
// leave the queue (its next owner reads them again from the checkpoint),
// and only the events before the first of them may still be acknowledged.
// Once the members have finished the slot's events in flight, release
// unsubscribes it: its last checkpoint is stored and its lease released.
func (g *groupActor) yield(c actors.Context, i int) {
	sl := g.slots[i]
	sl.yielding = true
	rest := g.queue[:0]
	for _, e := range g.queue {
		if e.slot != i {
			rest = append(rest, e)
		}
	}
	clear(g.queue[len(rest):])
	g.queue = rest
	for k, e := range sl.order {
		if !e.done && !e.dispatched {
			clear(sl.order[k:])
			sl.order = sl.order[:k]
			break
		}
	}
	g.sh.cfg.Logger.Info().Str("group", g.sp.durable).Int("slot", i).Msg("consumer group: giving the slot back")
	g.advance(c)
}

// inflight reports whether a member holds an event of slot i.
func (g *groupActor) inflight(i int) bool {
	for _, mb := range g.members {
		for _, e := range mb.inflight {
			if e.slot == i {
				return true
			}
		}
	}
	return false
}

// release ends a given-back slot's subscription and takes the slot again
// if it became this process's meanwhile.
func (g *groupActor) release(c actors.Context, i int) {
	sl := g.slots[i]
	c.Unwatch(sl.sub)
	c.Send(sl.sub, &messages.Unsubscribe{SubscriptionId: sl.id})
	sl.sub, sl.yielding, sl.order = nil, false, nil
	g.reconcile(c)
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
		if !g.slots[e.slot].yielding { // a slot being given back dispatches nothing more
			e.dispatched = false
			g.queue = append(g.queue, e)
		}
	}
	slices.SortFunc(g.queue, func(a, b *groupEvent) int { return cmp.Compare(a.pos, b.pos) })
	mb.inflight = nil
	g.rebuild()
	if len(g.members) == 0 {
		c.Stop(c.Self())
	}
}

func (g *groupActor) terminated(c actors.Context, who *actors.PID) {
	for _, sl := range g.slots {
		if sl.sub != nil && actors.SamePID(who, sl.sub) {
			g.end(c, eventstore.ErrClosed)
			return
		}
	}
	if mb := g.members[pidKey(who)]; mb != nil {
		g.leave(c, mb)
		g.advance(c)
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
	Streams int   // streams held by a member
	Slots   []int // the slots this process holds (subscribed, not being given back)
}

func (g *groupActor) stats() groupStats {
	s := groupStats{Members: map[string][2]int{}, Queued: len(g.queue), Streams: len(g.load)}
	for i, sl := range g.slots {
		s.Unacked += len(sl.order)
		if sl.sub != nil && !sl.yielding {
			s.Slots = append(s.Slots, i)
		}
	}
	for id, m := range g.members {
		s.Members[id] = [2]int{m.credits, len(m.inflight)}
	}
	return s
}
