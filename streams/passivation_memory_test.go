package streams

import (
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"weak"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
)

// TestPassivatedStreamReleasesItsState: once a stream actor passivated,
// what it held (here its read cache, with the stream's events) can be
// collected, although protoactor may still reach the stopped actor
// through a stale slot of its parent's set of children. Without this a
// passivated stream keeps all its state (issue 13: <= 2 KiB per
// passivated stream).
func TestPassivatedStreamReleasesItsState(t *testing.T) {
	var (
		mu     sync.Mutex
		caches []weak.Pointer[eventCache]
	)
	n := newNode(t, newStore(t), func(c *Config) {
		c.IdleTimeout = time.Hour
		c.hooks.started = func(stream string, cache *eventCache) {
			if stream == "release-1" {
				mu.Lock()
				caches = append(caches, weak.Make(cache))
				mu.Unlock()
			}
		}
	})
	data := []byte(`{"p":"` + strings.Repeat("x", 190) + `"}`)
	evs := make([]eventstore.EventData, 10)
	for i := range evs {
		evs[i] = eventstore.EventData{ID: uuid.New(), Type: "Held", Data: data}
	}
	if _, err := n.Append(ctxBackground(), "release-1", eventstore.NoStream(), evs); err != nil {
		t.Fatal(err)
	}
	n.PassivateIdle("release-1")
	for deadline := time.Now().Add(30 * time.Second); n.Stats().LiveStreams > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("release-1 did not passivate")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(caches) != 1 {
		t.Fatalf("%d incarnations of release-1 started, want 1", len(caches))
	}
	for deadline := time.Now().Add(10 * time.Second); caches[0].Value() != nil; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the passivated stream's cache is still reachable")
		}
		runtime.GC()
	}
}
