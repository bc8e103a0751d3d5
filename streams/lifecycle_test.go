package streams

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
)

func TestIdempotentRetry(t *testing.T) {
	store := newStore(t)
	// The actor of "s" must stay live until the test passivates it (an idle
	// timer of a few milliseconds fired between the steps under load and
	// let the store, which keeps no append boundaries, answer the partial
	// repeat): one live stream at most, and "other" evicts it.
	n := newNode(t, store, func(c *Config) { c.IdleTimeout = time.Minute; c.MaxLiveStreams = 1 })
	evs := events(3)
	orig := mustAppend(t, n, "s", eventstore.NoStream(), evs)
	mustAppend(t, n, "s", eventstore.Any(), events(1))

	// Remembered by the live actor: the original result, whatever the expectation.
	again := mustAppend(t, n, "s", eventstore.NoStream(), evs)
	want := orig
	want.Idempotent = true
	if again != want {
		t.Fatalf("retry = %+v, want %+v", again, want)
	}
	// A partial repeat is a retry of those events (TestPartialRepeatAnswersTheSame).
	if part := mustAppend(t, n, "s", eventstore.Any(), evs[:2]); !part.Idempotent || part.LastVersion != 2 {
		t.Fatalf("partial repeat: %+v", part)
	}
	if got := n.Stats().Passivations; got != 0 {
		t.Fatalf("%d passivations before the test asked for one", got)
	}
	// After passivation the store answers (any expectation).
	mustAppend(t, n, "other", eventstore.NoStream(), events(1))
	eventually(t, 5*time.Second, "passivation", func() bool { return n.Stats().Passivations > 0 })
	// The writer counts a commit after it answers, so wait until the 5
	// events appended so far (3 + 1 to "s", 1 to "other") are counted.
	eventually(t, 5*time.Second, "5 events counted", func() bool { return n.Stats().BatchedEvents == 5 })
	before := n.Stats()
	fromStore := mustAppend(t, n, "s", eventstore.Any(), evs)
	if fromStore != want {
		t.Fatalf("retry after passivation = %+v, want %+v", fromStore, want)
	}
	// The store's idempotent answer appended nothing: no event is counted.
	if after := n.Stats(); after.BatchedEvents != before.BatchedEvents || after.BatchedRequests != before.BatchedRequests {
		t.Fatalf("an idempotent retry was counted as appended: events %d -> %d, requests %d -> %d",
			before.BatchedEvents, after.BatchedEvents, before.BatchedRequests, after.BatchedRequests)
	}
	if got := len(checkContiguous(t, store, "s")); got != 4 {
		t.Fatalf("stream has %d events, want 4", got)
	}
}

func TestPassivationThenReactivationKeepsTheVersion(t *testing.T) {
	store := newStore(t)
	n := newNode(t, store, func(c *Config) { c.IdleTimeout = 20 * time.Millisecond })
	mustAppend(t, n, "s", eventstore.NoStream(), events(2))
	eventually(t, 5*time.Second, "passivation", func() bool {
		s := n.Stats()
		return s.Passivations == 1 && s.LiveStreams == 0
	})
	res := mustAppend(t, n, "s", eventstore.Exact(2), events(1))
	if res.FirstVersion != 3 {
		t.Fatalf("after reactivation: %+v", res)
	}
	// Counted before the next call: with a 20 ms idle timeout the actor
	// may passivate again before it (a third activation, not a bug).
	if s := n.Stats(); s.Activations != 2 {
		t.Fatalf("activations = %d, want 2", s.Activations)
	}
	if _, err := n.Append(ctxT(t), "s", eventstore.Exact(2), events(1)); !errors.Is(err, eventstore.ErrConcurrency) {
		t.Fatalf("stale exact after reactivation: %v", err)
	}
}

func TestLiveActorCapPassivatesLeastRecentlyUsed(t *testing.T) {
	store := newStore(t)
	n := newNode(t, store, func(c *Config) { c.MaxLiveStreams = 4; c.IdleTimeout = time.Hour })
	for i := 0; i < 20; i++ {
		mustAppend(t, n, fmt.Sprintf("s-%d", i), eventstore.NoStream(), events(1))
	}
	eventually(t, 5*time.Second, "the cap", func() bool { return n.Stats().LiveStreams <= 5 })
	// The newest streams are the live ones; every stream keeps its version.
	for i := 0; i < 20; i++ {
		res := mustAppend(t, n, fmt.Sprintf("s-%d", i), eventstore.Exact(1), events(1))
		if res.FirstVersion != 2 {
			t.Fatalf("s-%d: %+v", i, res)
		}
	}
	if s := n.Stats(); s.Passivations < 16 {
		t.Fatalf("passivations = %d, want >= 16", s.Passivations)
	}
}

// TestPanicDuringFlushLosesNothing kills a stream actor (a panic injected
// by a hook) while its flush is being committed, with another append
// queued: the committed one is acknowledged by the next incarnation, the
// others get a typed, retryable error, and the stream goes on.
func TestPanicDuringFlushLosesNothing(t *testing.T) {
	base := newStore(t)
	gate := newGateStore(base)
	var appends atomic.Int32
	queued := make(chan struct{}, 1)
	n := newNode(t, gate, func(c *Config) {
		c.hooks.beforeMessage = func(stream string, msg any, inflight bool) {
			if _, ok := msg.(*appendCmd); !ok || !inflight {
				return
			}
			switch appends.Add(1) {
			case 1:
				queued <- struct{}{}
			case 2:
				panic(errors.New("injected failure"))
			}
		}
	})
	mustAppend(t, n, "s", eventstore.NoStream(), events(1)) // the actor is live
	gate.close()
	type result struct {
		res eventstore.AppendResult
		err error
	}
	results := make(chan result, 3)
	send := func(exp eventstore.ExpectedVersion) {
		go func() {
			r, err := n.Append(ctxT(t), "s", exp, events(1))
			results <- result{r, err}
		}()
	}
	send(eventstore.Exact(1)) // A: in flight, held at the gate
	<-gate.entered
	send(eventstore.Exact(2)) // B: queued behind A
	<-queued
	send(eventstore.Any()) // C: its handling panics
	var ok, failed int
	for i := 0; i < 3; i++ {
		if i == 2 {
			gate.open() // A's commit returns to the restarted actor
		}
		select {
		case r := <-results:
			switch {
			case r.err == nil:
				ok++
			case errors.Is(r.err, ErrNotWritten) && eventstore.IsRetryable(r.err):
				failed++
			default:
				t.Fatalf("unexpected outcome: %+v", r)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a caller got no answer")
		}
	}
	if ok != 1 || failed != 2 {
		t.Fatalf("ok %d, failed %d; want 1 and 2", ok, failed)
	}
	if res := mustAppend(t, n, "s", eventstore.Exact(2), events(1)); res.FirstVersion != 3 {
		t.Fatalf("after restart: %+v", res)
	}
	if got := len(checkContiguous(t, base, "s")); got != 3 {
		t.Fatalf("stored %d events, want 3", got)
	}
	if n.Stats().Restarts != 1 {
		t.Fatalf("restarts = %d", n.Stats().Restarts)
	}
}

// TestConflictFromAnotherWriter writes the stream behind the actor's back:
// an exact append that was right in memory gets the store's actual
// version, an any append goes through after the reload, and the actor
// carries on.
func TestConflictFromAnotherWriter(t *testing.T) {
	store := newStore(t)
	n := newNode(t, store, nil)
	mustAppend(t, n, "s", eventstore.NoStream(), events(1))
	foreign := func() {
		v, _ := store.Head(ctxT(t), "s")
		rs, err := store.AppendBatch(ctxT(t), []eventstore.AppendRequest{{Stream: "s",
			Expected: eventstore.Exact(v.Version), Events: events(1)}})
		if err != nil || rs[0].Err != nil {
			t.Fatalf("foreign append: %v %v", err, rs)
		}
	}
	foreign() // the stream is at 2; the actor believes 1
	_, err := n.Append(ctxT(t), "s", eventstore.Exact(1), events(1))
	var ce *eventstore.ConcurrencyError
	if !errors.As(err, &ce) || ce.Actual != 2 {
		t.Fatalf("err = %v, want ConcurrencyError with actual 2", err)
	}
	if res := mustAppend(t, n, "s", eventstore.Exact(2), events(1)); res.FirstVersion != 3 {
		t.Fatalf("after reload: %+v", res)
	}
	foreign() // 4
	if res := mustAppend(t, n, "s", eventstore.Any(), events(1)); res.FirstVersion != 5 {
		t.Fatalf("any after a foreign write: %+v", res)
	}
	checkContiguous(t, store, "s")

	// A second node on the same store is another writer too.
	other := newNode(t, store, nil)
	mustAppend(t, other, "s", eventstore.Exact(5), events(1))
	if _, err := n.Append(ctxT(t), "s", eventstore.Exact(5), events(1)); !errors.As(err, &ce) || ce.Actual != 6 {
		t.Fatalf("err = %v, want actual 6", err)
	}
}
