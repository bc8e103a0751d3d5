package subscriptions

import (
	"context"
	"testing"
	"time"

	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/persistence"
)

// TestNeverAckingSubscriberIsBounded: a subscriber that never grants
// credits receives exactly its window, the subscription holds at most
// BufferFactor*window events, appends and a second subscriber go on; once
// it grants credits it gets everything, in order (FellBehind, CaughtUp).
func TestNeverAckingSubscriberIsBounded(t *testing.T) {
	eachBackend(t, func(t *testing.T, st persistence.Store, _ func(testing.TB) persistence.Store) {
		sys := newSystem(t)
		hub := newHub(t, sys, st, Config{BufferFactor: 2})
		w := writer{st: st, hub: hub}
		w.appendN(t, "p-1", 5, "e")
		who, out := spawnCollector(t, sys)
		const window = 8
		sub, _, err := hub.SubscribeActor(context.Background(), who, Options{Window: window})
		if err != nil {
			t.Fatal(err)
		}
		fast := &recorder{}
		fs, err := hub.Subscribe(context.Background(), HandlerOptions{}, fast.handle)
		if err != nil {
			t.Fatal(err)
		}
		defer fs.Close()
		eventually(t, 10*time.Second, "subscriptions live", func() bool { return subLive(t, hub, 2) })
		maxHeld := 0
		for i := range 100 {
			w.appendN(t, "p-2", 20, "e")
			if i%10 == 0 {
				s := statsOf(t, hub, sub)
				maxHeld = max(maxHeld, s.Queued+s.Pending)
			}
		}
		eventually(t, 30*time.Second, "the fast subscriber to see all", func() bool { l, _, _ := fast.state(); return l == 2005 })
		s := statsOf(t, hub, sub)
		if s.Sent != window || s.Credits != 0 || s.Queued+s.Pending > 2*window || maxHeld > 2*window {
			t.Fatalf("stalled subscriber: %+v, max held %d (window %d)", s, maxHeld, window)
		}
		// Now it consumes: every event once, in order, after FellBehind
		// and before CaughtUp.
		var last uint64
		fell, caught := false, false
		for last < 2005 || !caught {
			var msg any
			select {
			case msg = <-out:
			case <-time.After(10 * time.Second):
				t.Fatalf("stuck at %d (fell behind %v, caught up %v)", last, fell, caught)
			}
			switch m := msg.(type) {
			case *messages.SubscriptionEvent:
				if p := m.GetEvent().GetPosition(); p != last+1 {
					t.Fatalf("got %d after %d", p, last)
				}
				last = m.GetEvent().GetPosition()
				sys.Send(sub, &messages.Credit{N: 1})
			case *messages.Checkpoint:
				sys.Send(sub, &messages.Credit{N: 1})
			case *messages.FellBehind:
				fell = true
			case *messages.CaughtUp:
				caught = fell
			}
		}
		if s := statsOf(t, hub, sub); !s.Live || s.Sent > 2005+100 {
			t.Fatalf("after catching up: %+v", s)
		}
	})
}

// That a stalled subscriber does not slow appends made through the stream
// actors is shown at the root: TestStalledSubscriberIsBoundedByItsWindow
// and BenchmarkAppendWithStalledSubscriber (this package cannot reach the
// stream actors).
