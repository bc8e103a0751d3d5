package streams

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
)

// TestOnCommitGetsEveryCommittedEventInPositionOrder checks the node-level
// fan-out hook against the store's global order.
func TestOnCommitGetsEveryCommittedEventInPositionOrder(t *testing.T) {
	store := newStore(t)
	var (
		mu  sync.Mutex
		got []eventstore.RecordedEvent
	)
	n := newNode(t, store, func(c *Config) {
		c.OnCommit = func(evs []eventstore.RecordedEvent) {
			mu.Lock()
			got = append(got, evs...)
			mu.Unlock()
		}
	})
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Go(func() { mustAppend(t, n, fmt.Sprintf("s-%d", i%7), eventstore.Any(), events(1+i%3)) })
	}
	wg.Go(func() {
		_, _ = n.Transact(ctxT(t), txReqs(map[string]eventstore.ExpectedVersion{}, "tx-a", "tx-b"))
	})
	wg.Wait()
	all, err := store.ReadAll(ctxT(t), eventstore.AllRead{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	// The writer calls OnCommit after it has answered the callers: wait
	// for the last batch to reach the hook.
	seen := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }
	eventually(t, 5*time.Second, "OnCommit to see every committed event", func() bool { return seen() >= len(all) })
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(all) {
		t.Fatalf("OnCommit saw %d events, the store has %d", len(got), len(all))
	}
	for i := range all {
		if got[i].ID != all[i].ID || got[i].Position != all[i].Position || got[i].Version != all[i].Version ||
			got[i].Stream != all[i].Stream {
			t.Fatalf("event %d: hook %+v, store %+v", i, got[i], all[i])
		}
	}
}
