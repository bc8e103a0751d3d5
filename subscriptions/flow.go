package subscriptions

import (
	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/wire"
)

// delivery is a SubscriptionEvent for a subscriber in this process (a
// handler runner): the event stays a Go value, so nothing is converted to
// protobuf and back. It never leaves the process: remote subscribers (and
// SubscribeActor's subscribers) get *messages.SubscriptionEvent.
type delivery struct {
	subscriptionID string
	sequence       uint64
	event          eventstore.RecordedEvent
}

// examine takes the event whose position (version) is next: it queues it
// when it matches the filter. It reports false, taking nothing, when e is
// beyond next (a gap: the events between must come from the store).
// Events before next were seen already and are skipped (dedupe).
func (a *subActor) examine(e *eventstore.RecordedEvent) bool {
	s := a.sp.seq(e)
	switch {
	case s < a.next:
		return true
	case s > a.next:
		return false
	}
	a.next++
	if a.sp.matches(e) {
		a.queue = append(a.queue, *e)
	}
	return true
}

// onLive handles a batch of the hub's live feed. While catching up, the
// batch is held (bounded by bufLimit; beyond that the held events are
// dropped: they will be read from the store). While live, every event is
// examined; a gap sends the subscription back to the store.
func (a *subActor) onLive(c actors.Context, events []eventstore.RecordedEvent) {
	if n := len(events); n > 0 {
		a.seen = max(a.seen, a.sp.seq(&events[n-1]))
	}
	if !a.live {
		a.hold(events)
		return
	}
	for i := range events {
		if !a.examine(&events[i]) {
			a.live = false
			a.hold(events[i:])
			break
		}
	}
	if len(a.queue) > a.bufLimit {
		a.fallBehind(c)
	}
	a.flush(c)
	a.pump(c)
}

func (a *subActor) hold(events []eventstore.RecordedEvent) {
	if len(a.pending)+len(events) > a.bufLimit {
		a.pending = nil
		return
	}
	a.pending = append(a.pending, events...)
}

// tryLive runs after a short catch-up page: the store had nothing more. It
// examines the held live events; when they continue what was read (and no
// dropped live event is still unexamined), the subscription is live and
// sends what it queued.
func (a *subActor) tryLive(c actors.Context) {
	for len(a.pending) > 0 && a.examine(&a.pending[0]) {
		a.pending = a.pending[1:]
	}
	if len(a.pending) > 0 || a.seen >= a.next {
		return // a gap remains: read again
	}
	a.pending = nil
	a.live = true
	// The held events just queued go now, while credits last: no later
	// message may come to send them (the subscriber may have nothing left
	// to acknowledge).
	a.flush(c)
	c.Send(a.who, &messages.CaughtUp{SubscriptionId: a.sp.id, Position: a.next - 1})
	if len(a.queue) > a.bufLimit {
		a.fallBehind(c)
	}
}

// fallBehind drops the live buffer of a subscriber out of credits: the
// subscription reads from the store again, from the first event not sent.
func (a *subActor) fallBehind(c actors.Context) {
	a.next = a.sp.seq(&a.queue[0])
	a.queue, a.pending, a.live = nil, nil, false
	c.Send(a.who, &messages.FellBehind{SubscriptionId: a.sp.id, Position: a.next})
}

// flush sends queued events while credits last, then, for an all-stream
// subscription that passed CheckpointEvery positions without sending
// anything, a Checkpoint.
func (a *subActor) flush(c actors.Context) {
	n, sent := 0, 0
	for ; n < len(a.queue) && a.credits > 0; n++ {
		e := &a.queue[n]
		if a.sh.retained.hides(e) {
			continue // deleted or out of retention since it was read or published (retention.go)
		}
		sent++
		a.seq++
		a.credits--
		a.signal = e.Position
		if a.sp.local {
			c.Send(a.who, &delivery{subscriptionID: a.sp.id, sequence: a.seq, event: *e})
		} else {
			c.Send(a.who, &messages.SubscriptionEvent{
				SubscriptionId: a.sp.id, Sequence: a.seq, Event: wire.RecordedEventToProto(e),
			})
		}
	}
	a.delivered(sent)
	if a.queue = a.queue[n:]; len(a.queue) == 0 {
		a.queue = nil
	}
	if a.sp.stream != "" || len(a.queue) > 0 || a.credits <= 0 || !a.resolved {
		return
	}
	if pos := a.next - 1; pos >= a.signal+a.sh.cfg.CheckpointEvery {
		a.seq++
		a.credits--
		a.signal = pos
		c.Send(a.who, &messages.Checkpoint{SubscriptionId: a.sp.id, Sequence: a.seq, Position: pos})
	}
}
