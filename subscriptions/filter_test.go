package subscriptions

import (
	"context"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/persistence"
)

// TestFilters: a category filter and an event-type filter deliver exactly
// the matching events, in order, in catch-up and live; system streams are
// skipped unless asked for.
func TestFilters(t *testing.T) {
	eachBackend(t, func(t *testing.T, st persistence.Store, _ func(testing.TB) persistence.Store) {
		sys := newSystem(t)
		hub := newHub(t, sys, st, Config{PageSize: 7})
		w := writer{st: st, hub: hub}
		write := func() {
			for i := range 10 {
				w.appendN(t, "order-1", 2, "placed")
				w.appendN(t, "invoice-1", 1, "sent")
				w.appendN(t, "order-2", 1, "shipped")
				if i%3 == 0 {
					w.appendN(t, "$parked-x", 1, "placed")
				}
			}
		}
		write()
		type want struct {
			o     Options
			match func(e eventstore.RecordedEvent) bool
		}
		cases := map[string]want{
			"category": {Options{Filter: eventstore.CategoryFilter("order")},
				func(e eventstore.RecordedEvent) bool { return e.Stream[:5] == "order" }},
			"types": {Options{Filter: eventstore.Filter{EventTypes: []string{"placed", "sent"}}},
				func(e eventstore.RecordedEvent) bool { return e.Stream[0] != '$' && e.Type != "shipped" }},
			"both": {Options{Filter: eventstore.Filter{StreamPrefix: "order-", EventTypes: []string{"shipped"}}},
				func(e eventstore.RecordedEvent) bool { return e.Stream == "order-2" }},
			"system": {Options{IncludeSystemStreams: true, Filter: eventstore.Filter{StreamPrefix: "$"}},
				func(e eventstore.RecordedEvent) bool { return e.Stream[0] == '$' }},
			"stream-types": {Options{Stream: "order-1", Filter: eventstore.Filter{EventTypes: []string{"placed"}}},
				func(e eventstore.RecordedEvent) bool { return e.Stream == "order-1" }},
		}
		recs := map[string]*[]eventstore.RecordedEvent{}
		chans := map[string]chan eventstore.RecordedEvent{}
		for name, c := range cases {
			ch := make(chan eventstore.RecordedEvent, 1000)
			chans[name] = ch
			s, err := hub.Subscribe(context.Background(), HandlerOptions{Options: c.o},
				func(_ context.Context, e eventstore.RecordedEvent) error { ch <- e; return nil })
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			recs[name] = new([]eventstore.RecordedEvent)
		}
		write() // live
		all, err := st.ReadAll(context.Background(), eventstore.AllRead{From: 1, Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		for name, c := range cases {
			var exp []uint64
			for _, e := range all {
				if c.match(e) {
					exp = append(exp, e.Position)
				}
			}
			for i, p := range exp {
				select {
				case e := <-chans[name]:
					if e.Position != p {
						t.Fatalf("%s: event %d at %d, want %d", name, i, e.Position, p)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("%s: got %d of %d events", name, i, len(exp))
				}
			}
			select {
			case e := <-chans[name]:
				t.Fatalf("%s: unexpected %+v", name, e)
			default:
			}
		}
	})
}

// TestSparseFilterGetsCheckpoints: a filtered subscription that matches
// nothing still hears how far it got, in catch-up and live.
func TestSparseFilterGetsCheckpoints(t *testing.T) {
	eachBackend(t, func(t *testing.T, st persistence.Store, _ func(testing.TB) persistence.Store) {
		sys := newSystem(t)
		hub := newHub(t, sys, st, Config{CheckpointEvery: 50, PageSize: 10})
		w := writer{st: st, hub: hub}
		w.appendN(t, "noise-1", 120, "e")
		who, out := spawnCollector(t, sys)
		sub, _, err := hub.SubscribeActor(context.Background(), who, Options{Filter: eventstore.CategoryFilter("rare"), Window: 4})
		if err != nil {
			t.Fatal(err)
		}
		cp := expect[*messages.Checkpoint](t, out, 5*time.Second)
		if cp.GetPosition() < 50 || cp.GetSequence() != 1 {
			t.Fatalf("first checkpoint %v", cp)
		}
		sys.Send(sub, &messages.Credit{N: 1})
		expect[*messages.CaughtUp](t, out, 5*time.Second)
		for range 3 {
			w.appendN(t, "noise-1", 40, "e")
		}
		for {
			cp = expect[*messages.Checkpoint](t, out, 5*time.Second)
			sys.Send(sub, &messages.Credit{N: 1})
			if cp.GetPosition() >= 200 {
				break
			}
		}
		w.appendN(t, "rare-1", 1, "e")
		ev := expect[*messages.SubscriptionEvent](t, out, 5*time.Second)
		if ev.GetEvent().GetPosition() != 241 || ev.GetEvent().GetStream() != "rare-1" {
			t.Fatalf("event %v", ev)
		}
	})
}

// TestOtherProcessWakesSubscribers: commits made through a second store
// instance on the same PostgreSQL database (another process: nothing is
// published to the hub) reach subscribers through notifications alone.
func TestOtherProcessWakesSubscribers(t *testing.T) {
	st, again := backends[1].open(t)
	other := again(t)
	sys := newSystem(t)
	hub := newHub(t, sys, st, Config{})
	rec, srec := &recorder{}, &recorder{byStream: true}
	for _, x := range []struct {
		r *recorder
		o Options
	}{{rec, Options{}}, {srec, Options{Stream: "o-2"}}} {
		s, err := hub.Subscribe(context.Background(), HandlerOptions{Options: x.o}, x.r.handle)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
	}
	eventually(t, 10*time.Second, "subscriptions live", func() bool { return subLive(t, hub, 2) })
	remote, local := writer{st: other}, writer{st: st, hub: hub}
	for range 20 {
		remote.appendN(t, "o-1", 3, "e")
		local.appendN(t, "o-2", 2, "e")
		remote.appendN(t, "o-2", 1, "e")
	}
	eventually(t, 20*time.Second, "every event", func() bool {
		l, _, _ := rec.state()
		sl, _, _ := srec.state()
		return l == 120 && sl == 60
	})
	for _, r := range []*recorder{rec, srec} {
		if _, n, err := r.state(); err != nil || (n != 120 && n != 60) {
			t.Fatalf("count %d err %v", n, err)
		}
	}
}
