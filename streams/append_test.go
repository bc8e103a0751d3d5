package streams

import (
	"errors"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
)

func TestAppendThenReadFromCacheAndStore(t *testing.T) {
	store := newStore(t)
	n := newNode(t, store, nil)
	first := mustAppend(t, n, "order-1", eventstore.NoStream(), events(2))
	if first.FirstVersion != 1 || first.LastVersion != 2 || first.FirstPosition == 0 ||
		first.LastPosition != first.FirstPosition+1 || first.Idempotent {
		t.Fatalf("first result = %+v", first)
	}
	second := mustAppend(t, n, "order-1", eventstore.Exact(2), events(1))
	if second.FirstVersion != 3 || second.LastVersion != 3 {
		t.Fatalf("second result = %+v", second)
	}
	before := n.Stats()
	evs, err := n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "order-1", Limit: 10})
	if err != nil || len(evs) != 3 || evs[2].Version != 3 || evs[2].Position != second.LastPosition {
		t.Fatalf("read = %+v, %v", evs, err)
	}
	back, err := n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "order-1", From: eventstore.End,
		Direction: eventstore.Backward, Limit: 2})
	if err != nil || len(back) != 2 || back[0].Version != 3 || back[1].Version != 2 {
		t.Fatalf("backward read = %+v, %v", back, err)
	}
	if hits := n.Stats().CacheHits - before.CacheHits; hits != 2 {
		t.Fatalf("cache hits = %d, want 2", hits)
	}
	stored := readAll(t, store, "order-1")
	for i := range stored {
		if stored[i].ID != evs[i].ID || stored[i].Position != evs[i].Position {
			t.Fatalf("cached event %d = %+v, stored %+v", i, evs[i], stored[i])
		}
	}
	if _, err := n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "nobody", Limit: 1}); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("read of a missing stream: %v", err)
	}
}

func TestCacheBudgetMissesGoToStore(t *testing.T) {
	store := newStore(t)
	n := newNode(t, store, func(c *Config) { c.CacheBytes = 300 }) // about two events
	for i := 0; i < 5; i++ {
		mustAppend(t, n, "s", eventstore.Any(), events(1))
	}
	before := n.Stats()
	evs, err := n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "s", From: 1, Limit: 5})
	if err != nil || len(evs) != 5 {
		t.Fatalf("read = %d events, %v", len(evs), err)
	}
	if misses := n.Stats().CacheMisses - before.CacheMisses; misses != 1 {
		t.Fatalf("misses = %d, want 1", misses)
	}
	tail, err := n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "s", From: 5, Limit: 5})
	if err != nil || len(tail) != 1 || tail[0].Version != 5 {
		t.Fatalf("tail read = %+v, %v", tail, err)
	}
	if hits := n.Stats().CacheHits - before.CacheHits; hits != 1 {
		t.Fatalf("hits = %d, want 1", hits)
	}
}

// TestExpectedVersionInMemory checks every kind of expectation against a
// stream at version 2: a mismatch is a ConcurrencyError with the actual
// version, answered without using a global position.
func TestExpectedVersionInMemory(t *testing.T) {
	store := newStore(t)
	n := newNode(t, store, nil)
	mustAppend(t, n, "s", eventstore.NoStream(), events(2))
	// exp maps the stream's version before the append to the expectation.
	tests := []struct {
		name string
		exp  func(v eventstore.Version) eventstore.ExpectedVersion
		ok   bool
	}{
		{"any", func(eventstore.Version) eventstore.ExpectedVersion { return eventstore.Any() }, true},
		{"stream exists", func(eventstore.Version) eventstore.ExpectedVersion { return eventstore.StreamExists() }, true},
		{"exact current", eventstore.Exact, true},
		{"no stream", func(eventstore.Version) eventstore.ExpectedVersion { return eventstore.NoStream() }, false},
		{"exact behind", func(v eventstore.Version) eventstore.ExpectedVersion { return eventstore.Exact(v - 1) }, false},
		{"exact ahead", func(v eventstore.Version) eventstore.ExpectedVersion { return eventstore.Exact(v + 1) }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			head, _ := store.Head(ctxT(t), "s")
			lastPos, _ := store.LastPosition(ctxT(t))
			exp := tc.exp(head.Version)
			res, err := n.Append(ctxT(t), "s", exp, events(1))
			if tc.ok {
				if err != nil || res.FirstVersion != head.Version+1 {
					t.Fatalf("append = %+v, %v", res, err)
				}
				return
			}
			var ce *eventstore.ConcurrencyError
			if !errors.As(err, &ce) || ce.Actual != head.Version || ce.Stream != "s" || ce.Expected != exp {
				t.Fatalf("err = %#v, want ConcurrencyError actual %d", err, head.Version)
			}
			if now, _ := store.LastPosition(ctxT(t)); now != lastPos {
				t.Fatalf("a failed expectation used a position: %d -> %d", lastPos, now)
			}
		})
	}
	checkContiguous(t, store, "s")
}

func TestInvalidInputIsRejectedAtTheAPI(t *testing.T) {
	n := newNode(t, newStore(t), nil)
	evs := events(1)
	evs[0].Type = ""
	_, err := n.Append(ctxT(t), "s", eventstore.Any(), evs)
	var ie *eventstore.InputError
	if !errors.As(err, &ie) || ie.Field != "requests[0].events[0].type" {
		t.Fatalf("err = %v, want InputError naming the event type", err)
	}
	if _, err := n.Append(ctxT(t), "", eventstore.Any(), events(1)); !errors.Is(err, eventstore.ErrInvalidInput) {
		t.Fatalf("empty stream: %v", err)
	}
	if n.Stats().Activations != 0 {
		t.Fatal("invalid input reached an actor")
	}
}
