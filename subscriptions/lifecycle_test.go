package subscriptions

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/wire"
)

// TestSubscriberStopLeavesNothing: when the subscriber stops (normally or
// by a panic), its subscription actor stops and every goroutine it had
// ends; the hub counts no subscription. Not parallel: it compares
// goroutines with a snapshot.
func TestSubscriberStopLeavesNothing(t *testing.T) {
	for _, how := range []string{"stop", "panic", "handler-close"} {
		t.Run(how, func(t *testing.T) {
			eachBackend(t, func(t *testing.T, st persistence.Store, _ func(testing.TB) persistence.Store) {
				testStopLeavesNothing(t, st, how)
			})
		})
	}
}

func testStopLeavesNothing(t *testing.T, st persistence.Store, how string) {
	sys := newSystem(t)
	hub := newHub(t, sys, st, Config{Window: 4, PageSize: 4})
	w := writer{st: st, hub: hub}
	w.appendN(t, "x-1", 50, "e")
	if _, err := st.LastPosition(context.Background()); err != nil { // warm the pool
		t.Fatal(err)
	}
	baseline := goleak.IgnoreCurrent()
	subs := make([]*actors.PID, 0, 3)
	var stop func()
	if how == "handler-close" {
		block := make(chan struct{})
		s, err := hub.Subscribe(context.Background(), HandlerOptions{Options: Options{Window: 4}},
			func(ctx context.Context, _ eventstore.RecordedEvent) error {
				select { // a handler stuck in I/O until its ctx ends
				case <-block:
				case <-ctx.Done():
				}
				return ctx.Err()
			})
		if err != nil {
			t.Fatal(err)
		}
		stop = func() { _ = s.Close() }
	} else {
		who, out := spawnCollector(t, sys)
		for _, o := range []Options{{Window: 4}, {Stream: "x-1", Window: 4}, {Start: FromEnd}} {
			pid, _, err := hub.SubscribeActor(context.Background(), who, o)
			if err != nil {
				t.Fatal(err)
			}
			subs = append(subs, pid)
		}
		expect[*messages.SubscriptionEvent](t, out, 5*time.Second)
		stop = func() {
			if how == "panic" {
				sys.Send(who, errors.New("boom"))
			} else {
				sys.Stop(who)
			}
		}
	}
	w.appendN(t, "x-1", 20, "e") // live traffic while stopping
	stop()
	eventually(t, 10*time.Second, "no subscription left", func() bool {
		s, err := hub.Stats(context.Background())
		return err == nil && s.Subscriptions == 0
	})
	for _, pid := range subs {
		if _, err := actors.Request(context.Background(), sys, pid, statsRequest{}); !errors.Is(err, actors.ErrDeadLetter) {
			t.Fatalf("subscription %s still answers: %v", pid, err)
		}
	}
	goleak.VerifyNone(t, baseline, ignoreOpenPool)
}

// TestHubCloseDropsSubscribers: closing the hub tells subscribers
// (SubscriptionDropped, ERROR_CODE_CLOSED) and ends handler subscriptions
// with a *DroppedError.
func TestHubCloseDropsSubscribers(t *testing.T) {
	_, st := backends[0], func() persistence.Store { s, _ := backends[0].open(t); return s }()
	sys := newSystem(t)
	hub := newHub(t, sys, st, Config{})
	who, out := spawnCollector(t, sys)
	if _, _, err := hub.SubscribeActor(context.Background(), who, Options{}); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	s, err := hub.Subscribe(context.Background(), HandlerOptions{}, rec.handle)
	if err != nil {
		t.Fatal(err)
	}
	if err := hub.Close(); err != nil {
		t.Fatal(err)
	}
	d := expect[*messages.SubscriptionDropped](t, out, 5*time.Second)
	if d.GetError().GetCode() != messages.ErrorCode_ERROR_CODE_CLOSED {
		t.Fatalf("dropped with %v", d.GetError())
	}
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("handler subscription did not end")
	}
	var de *DroppedError
	if !errors.As(s.Err(), &de) || !errors.Is(s.Err(), eventstore.ErrClosed) {
		t.Fatalf("Err = %v, want *DroppedError wrapping ErrClosed", s.Err())
	}
	if _, _, err := hub.SubscribeActor(context.Background(), who, Options{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("subscribe after Close: %v", err)
	}
}

// TestBadRequestIsRefused: a request without a subscriber is answered with
// a typed error, and nothing is spawned.
func TestBadRequestIsRefused(t *testing.T) {
	st, _ := backends[0].open(t)
	sys := newSystem(t)
	hub := newHub(t, sys, st, Config{})
	reply, err := actors.Request(context.Background(), sys, hub.PID(), &messages.SubscribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(wire.ErrorFromProto(reply.(*messages.Subscribed).GetError()), eventstore.ErrInvalidInput) {
		t.Fatalf("reply %v", reply)
	}
	_, _, err = hub.SubscribeActor(context.Background(), hub.PID(), Options{Stream: "a", Filter: eventstore.Filter{StreamPrefix: "b"}})
	var ie *eventstore.InputError
	if !errors.As(err, &ie) || ie.Field != "stream_prefix" {
		t.Fatalf("err = %v", err)
	}
}

// TestHubCloseLeavesNoGoroutines: a hub with live, catching-up, durable
// and group subscriptions leaves no goroutine behind once closed.
func TestHubCloseLeavesNoGoroutines(t *testing.T) {
	eachBackend(t, func(t *testing.T, st persistence.Store, _ func(testing.TB) persistence.Store) {
		sys := newSystem(t)
		// The store's own goroutines (pool, notification listener) live as
		// long as the store: start them before the snapshot.
		ctx, cancel := context.WithCancel(context.Background())
		if _, err := st.Notifications(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		if _, err := st.LastPosition(context.Background()); err != nil {
			t.Fatal(err)
		}
		baseline := goleak.IgnoreCurrent()
		hub, err := NewHub(context.Background(), sys, st, Config{})
		if err != nil {
			t.Fatal(err)
		}
		w := writer{st: st, hub: hub}
		w.appendN(t, "z-1", 30, "e")
		var subs []*Subscription
		for _, o := range []Options{{}, {Stream: "z-1"}, {Durable: "d"}, {Durable: "g", Group: true}, {Window: 1}} {
			s, err := hub.Subscribe(context.Background(), HandlerOptions{Options: o},
				func(context.Context, eventstore.RecordedEvent) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			subs = append(subs, s)
		}
		w.appendN(t, "z-1", 30, "e")
		if err := hub.Close(); err != nil {
			t.Fatal(err)
		}
		for _, s := range subs {
			select {
			case <-s.Done():
			case <-time.After(5 * time.Second):
				t.Fatal("a subscription outlived its hub")
			}
		}
		goleak.VerifyNone(t, baseline, ignoreOpenPool)
	})
}

// TestUnsubscribe: Unsubscribe stops the subscription without a
// SubscriptionDropped.
func TestUnsubscribe(t *testing.T) {
	st, _ := backends[0].open(t)
	sys := newSystem(t)
	hub := newHub(t, sys, st, Config{})
	who, out := spawnCollector(t, sys)
	pid, id, err := hub.SubscribeActor(context.Background(), who, Options{})
	if err != nil {
		t.Fatal(err)
	}
	expect[*messages.CaughtUp](t, out, 5*time.Second)
	sys.Send(pid, &messages.Unsubscribe{SubscriptionId: id})
	eventually(t, 5*time.Second, "no subscription", func() bool {
		s, err := hub.Stats(context.Background())
		return err == nil && s.Subscriptions == 0
	})
	select {
	case m := <-out:
		if _, dropped := m.(*messages.SubscriptionDropped); dropped {
			t.Fatalf("got %v after Unsubscribe", m)
		}
	default:
	}
}

// ignoreOpenPool ignores the background reader of a pgx connection: the
// test's PostgreSQL store stays open after the subscription is gone, and
// its pool may open (and read on) a connection after the baseline. The
// reader may be blocked in a read (the poller is then the top function),
// for example finishing a catch-up read that the stopped subscription
// cancelled, so any frame of the stack may match.
var ignoreOpenPool = goleak.IgnoreAnyFunction("github.com/jackc/pgx/v5/pgconn/internal/bgreader.(*BGReader).bgRead")
