package subscriptions

import (
	"context"
	"testing"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
)

// sendRecorder is an actors.Context that keeps what the actor sends; the
// tests below hand messages to a subActor's handlers directly, in an order
// that the actor system produces only now and then.
type sendRecorder struct {
	actors.Context
	sent []any
}

func (r *sendRecorder) Send(_ *actors.PID, msg any) { r.sent = append(r.sent, msg) }

func (r *sendRecorder) versions() []uint64 {
	var vs []uint64
	for _, m := range r.sent {
		if e, ok := m.(*messages.SubscriptionEvent); ok {
			vs = append(vs, e.GetEvent().GetStreamVersion())
		}
	}
	return vs
}

func streamEvent(stream string, v uint64) eventstore.RecordedEvent {
	return eventstore.RecordedEvent{EventData: eventstore.EventData{Type: "E"}, Stream: stream, Version: v, Position: v}
}

// A live event that arrives while the last catch-up read is in flight is
// held; the read comes back short (it ran before that commit), and the
// subscription goes live with the held event queued. It must be sent then,
// while credits are left: no later message may be needed to send it (the
// subscriber has nothing to acknowledge, so none may ever come). This is
// the order behind client TestTailDeliversHistoryThenLive's intermittent
// "no event 5".
func TestHeldEventIsSentWhenTheSubscriptionGoesLive(t *testing.T) {
	sh := &shared{cfg: Config{}.WithDefaults(), ctx: context.Background()}
	a := newSubActor(sh, spec{id: "s", stream: "tail", window: 2, subscriber: &messages.ActorRef{Id: "who"}})
	a.resolved, a.next, a.credits = true, 5, 1 // events 1-4 sent; the credit for 4 came in during the read
	a.reading = true                           // the read of version 5 on
	c := &sendRecorder{}

	a.onLive(c, []eventstore.RecordedEvent{streamEvent("tail", 5)}) // held: not live yet
	if got := c.versions(); len(got) != 0 {
		t.Fatalf("sent %v before the subscription was live", got)
	}
	a.onRead(c, &readDone{job: readJob{next: 5, limit: 1}}) // short: nothing committed yet when it ran

	if !a.live {
		t.Fatal("the subscription did not go live")
	}
	if got := c.versions(); len(got) != 1 || got[0] != 5 {
		t.Fatalf("sent versions %v, want [5] (queued %d, credits %d)", got, len(a.queue), a.credits)
	}
	if a.credits != 0 || len(a.queue) != 0 {
		t.Fatalf("credits %d, queued %d after sending: want 0 and 0", a.credits, len(a.queue))
	}
}

// The same order with no credits left: the held event waits for a credit
// and goes with it, once.
func TestHeldEventWaitsForACreditWhenNoneIsLeft(t *testing.T) {
	sh := &shared{cfg: Config{}.WithDefaults(), ctx: context.Background()}
	a := newSubActor(sh, spec{id: "s", stream: "tail", window: 2, subscriber: &messages.ActorRef{Id: "who"}})
	a.resolved, a.next, a.credits, a.reading = true, 5, 0, true
	c := &sendRecorder{}

	a.onLive(c, []eventstore.RecordedEvent{streamEvent("tail", 5), streamEvent("tail", 6)})
	a.onRead(c, &readDone{job: readJob{next: 5, limit: 1}})
	if got := c.versions(); len(got) != 0 {
		t.Fatalf("sent %v without credits", got)
	}
	a.credits = 2 // what Receive does with a Credit, before flush
	a.flush(c)
	if got := c.versions(); len(got) != 2 || got[0] != 5 || got[1] != 6 {
		t.Fatalf("sent versions %v, want [5 6]", got)
	}
}
