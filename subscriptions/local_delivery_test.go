package subscriptions

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// TestHandlerDeliveryStaysInGo: a handler subscription (all streams and
// one stream, catch-up then live, durable) gets every event as a Go value
// (*delivery): its runner receives no *messages.SubscriptionEvent, so no
// event is converted to protobuf and back in the process.
func TestHandlerDeliveryStaysInGo(t *testing.T) {
	eachBackend(t, func(t *testing.T, st persistence.Store, _ func(testing.TB) persistence.Store) {
		sys := newSystem(t)
		hub := newHub(t, sys, st, Config{Window: 8, PageSize: 8})
		w := writer{st: st, hub: hub}
		w.appendN(t, "go-1", 20, "e") // read from the store (catch-up)
		cases := []struct {
			o        Options
			byStream bool
		}{
			{o: Options{}},
			{o: Options{Stream: "go-1"}, byStream: true},
			{o: Options{Durable: "go-durable"}},
		}
		type run struct {
			s   *Subscription
			rec *recorder
		}
		runs := make([]run, 0, len(cases))
		for _, tc := range cases {
			rec := &recorder{byStream: tc.byStream}
			s, err := hub.Subscribe(context.Background(), HandlerOptions{Options: tc.o}, rec.handle)
			if err != nil {
				t.Fatal(err)
			}
			runs = append(runs, run{s, rec})
		}
		eventually(t, 10*time.Second, "live", func() bool { return subLive(t, hub, len(cases)) })
		w.appendN(t, "go-1", 20, "e") // live
		for _, r := range runs {
			eventually(t, 10*time.Second, "delivery", func() bool { _, n, _ := r.rec.state(); return n == 40 })
			if err := r.s.Close(); err != nil {
				t.Fatal(err)
			}
			if _, _, err := r.rec.state(); err != nil {
				t.Fatal(err)
			}
			// Close waited for the handler goroutine: its counters are final.
			if got := r.s.r.wireEvents; got != 0 {
				t.Errorf("runner got %d protobuf events, want 0", got)
			}
			if got := r.s.r.localEvents; got != 40 {
				t.Errorf("runner got %d Go events, want 40", got)
			}
		}
	})
}

// TestHandlerOptionsErrorsMatchWire: Hub.Subscribe checks its options
// with the rules of a peer's SubscribeRequest, so each bad option gives
// the same *eventstore.InputError on both paths.
func TestHandlerOptionsErrorsMatchWire(t *testing.T) {
	st, _ := backends[0].open(t)
	sys := newSystem(t)
	hub := newHub(t, sys, st, Config{MaxWindow: 100})
	who, _ := spawnCollector(t, sys)
	for _, o := range []Options{
		{Stream: "s", Filter: eventstore.Filter{StreamPrefix: "p"}},
		{Start: 7},
		{Window: 101},
		{Group: true},
	} {
		_, goErr := hub.Subscribe(context.Background(), HandlerOptions{Options: o},
			func(context.Context, eventstore.RecordedEvent) error { return nil })
		_, _, wireErr := hub.SubscribeActor(context.Background(), who, o)
		var g, w *eventstore.InputError
		if !errors.As(goErr, &g) || !errors.As(wireErr, &w) {
			t.Fatalf("%+v: want *InputError on both paths, got %v and %v", o, goErr, wireErr)
		}
		if !reflect.DeepEqual(*g, *w) {
			t.Errorf("%+v: Go path %+v, wire path %+v", o, *g, *w)
		}
	}
}
