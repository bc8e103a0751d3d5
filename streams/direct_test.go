package streams

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
)

// TestCallsGoStraightToTheLiveActor: once a stream's actor is live,
// appends and reads go to it without passing through the registry (ADR
// 0026), and see each other's writes; after passivation the next call
// goes through the registry again and the stream continues at its version.
func TestCallsGoStraightToTheLiveActor(t *testing.T) {
	var routed atomic.Int64
	n := newNode(t, newStore(t), func(c *Config) {
		c.IdleTimeout = time.Hour
		c.hooks.routed = func(stream string, _ any) {
			if stream == "s" {
				routed.Add(1)
			}
		}
	})
	mustAppend(t, n, "s", eventstore.NoStream(), events(1))
	if got := routed.Load(); got != 1 {
		t.Fatalf("the first append was routed %d times by the registry, want 1", got)
	}
	for v := eventstore.Version(1); v <= 10; v++ {
		if res := mustAppend(t, n, "s", eventstore.Exact(v), events(1)); res.LastVersion != v+1 {
			t.Fatalf("append at %d: %+v", v, res)
		}
		evs, err := n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "s", From: 1, Limit: 10000})
		if err != nil || len(evs) != int(v+1) {
			t.Fatalf("read after append %d: %d events, %v", v, len(evs), err)
		}
	}
	if got := routed.Load(); got != 1 {
		t.Fatalf("the registry routed %d messages to a live actor's stream, want only the first", got)
	}
	eventually(t, 5*time.Second, "passivation", func() bool {
		n.PassivateIdle("s")
		return n.Stats().Passivations == 1
	})
	if res := mustAppend(t, n, "s", eventstore.Exact(11), events(1)); res.LastVersion != 12 {
		t.Fatalf("append after passivation: %+v", res)
	}
	if got := routed.Load(); got != 2 {
		t.Fatalf("after passivation the registry routed %d messages in all, want 2", got)
	}
}

// TestPassivationRacingADirectCall: a caller that found the live actor
// and is about to send to it while the registry passivates that actor
// loses nothing: it goes through the registry, which starts a new actor,
// and the append commits at the next version. Each round passivates the
// actor between the caller's lookup and its send; a message sent to the
// stopping actor would be dropped (the call would time out) or answered
// from a stale head.
func TestPassivationRacingADirectCall(t *testing.T) {
	var armed atomic.Bool
	var n *Runtime
	n = newNode(t, newStore(t), func(c *Config) {
		c.IdleTimeout = time.Hour
		c.hooks.lookedUp = func(stream string) {
			if !armed.CompareAndSwap(true, false) {
				return
			}
			// Ask until the registry has decided to stop the actor, and
			// go on at once (before the actor has stopped).
			before := n.Stats().Passivations
			deadline := time.Now().Add(5 * time.Second)
			var asked time.Time
			for n.Stats().Passivations == before && time.Now().Before(deadline) {
				if time.Since(asked) > time.Millisecond {
					n.PassivateIdle(stream)
					asked = time.Now()
				}
				runtime.Gosched()
			}
		}
	})
	mustAppend(t, n, "s", eventstore.NoStream(), events(1))
	const rounds = 30
	for v := eventstore.Version(1); v <= rounds; v++ {
		armed.Store(true)
		ctx, cancel := context.WithTimeout(ctxT(t), 3*time.Second) // a lost message fails the test sooner
		res, err := n.Append(ctx, "s", eventstore.Exact(v), events(1))
		cancel()
		if err != nil || res.LastVersion != v+1 {
			t.Fatalf("round %d: %+v, %v", v, res, err)
		}
	}
	if got := n.Stats().Passivations; got != rounds {
		t.Fatalf("%d passivations, want one per round (%d)", got, rounds)
	}
	evs, err := n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "s", From: 1, Limit: 10000})
	if err != nil || len(evs) != rounds+1 {
		t.Fatalf("read: %d events, %v", len(evs), err)
	}
	for i, e := range evs {
		if e.Version != eventstore.Version(i+1) {
			t.Fatalf("event %d at version %d", i, e.Version)
		}
	}
}

// TestPassivationUnderDirectCalls: writers append to a few streams
// straight to their actors while every idle actor is asked to passivate
// over and over: every append commits once, at contiguous versions.
func TestPassivationUnderDirectCalls(t *testing.T) {
	n := newNode(t, newStore(t), func(c *Config) {
		c.IdleTimeout = time.Hour
		c.RequestTimeout = 3 * time.Second
	})
	const streams, writers, each = 4, 16, 40
	done := make(chan struct{})
	var passivator sync.WaitGroup
	passivator.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
				n.PassivateIdle()
				time.Sleep(100 * time.Microsecond) // a steady stream of requests, not ordering
			}
		}
	})
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				stream := fmt.Sprintf("s%d", (w+i)%streams)
				if _, err := n.Append(ctxT(t), stream, eventstore.Any(), events(1)); err != nil {
					errs <- fmt.Errorf("writer %d append %d: %w", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	passivator.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	total := 0
	for s := range streams {
		evs, err := n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: fmt.Sprintf("s%d", s), From: 1, Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range evs {
			if e.Version != eventstore.Version(i+1) {
				t.Fatalf("s%d: event %d at version %d", s, i, e.Version)
			}
		}
		total += len(evs)
	}
	if total != writers*each {
		t.Fatalf("%d events stored, want %d", total, writers*each)
	}
	if n.Stats().Passivations == 0 {
		t.Fatal("no passivation happened: the test raced nothing")
	}
}
