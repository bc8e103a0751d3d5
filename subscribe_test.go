package actorstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/actorstore/actorstore"
)

// TestSubscribersSeeEveryEventOnceInOrder starts subscribers to all events
// and to one stream while writers append, with history already stored, so
// every subscription crosses the catch-up-to-live switch under load. Each
// must see every event of its selection exactly once, in position (or
// version) order.
func TestSubscribersSeeEveryEventOnceInOrder(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T, actorstore.Config) *actorstore.Store) {
		st := open(t, actorstore.Config{})
		ctx := context.Background()
		for i := 0; i < 50; i++ {
			if _, err := st.Append(ctx, fmt.Sprintf("s-%d", i%5), actorstore.Any(), ev("Before")); err != nil {
				t.Fatal(err)
			}
		}
		all := collect(t, st, actorstore.SubscribeOptions{Window: 16})
		one := collect(t, st, actorstore.SubscribeOptions{Stream: "s-3", Window: 4})

		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 25; i++ {
					if _, err := st.Append(ctx, fmt.Sprintf("s-%d", (w+i)%5), actorstore.Any(), ev("During")); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		total := 50 + 8*25
		gotAll := all.wait(t, total)
		for i, e := range gotAll {
			if e.Position != uint64(i+1) {
				t.Fatalf("all-stream subscriber: event %d has position %d (gap, duplicate or disorder)", i, e.Position)
			}
		}
		want, err := st.ReadStream(ctx, actorstore.StreamRead{Stream: "s-3", Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		gotOne := one.wait(t, len(want))
		for i, e := range gotOne {
			if e.Stream != "s-3" || e.Version != uint64(i+1) || e.ID != want[i].ID {
				t.Fatalf("stream subscriber: event %d is %s@%d, want s-3@%d", i, e.Stream, e.Version, i+1)
			}
		}
	})
}

type collector struct {
	mu  sync.Mutex
	got []actorstore.RecordedEvent
	sub *actorstore.Subscription
}

func collect(t *testing.T, st *actorstore.Store, o actorstore.SubscribeOptions) *collector {
	t.Helper()
	c := &collector{}
	sub, err := st.Subscribe(context.Background(), o, func(_ context.Context, e actorstore.RecordedEvent) error {
		c.mu.Lock()
		c.got = append(c.got, e)
		c.mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c.sub = sub
	t.Cleanup(func() { sub.Close() })
	return c
}

// wait returns the events once n have arrived, and fails on more, on a
// subscription that ended, or after 30s.
func (c *collector) wait(t *testing.T, n int) []actorstore.RecordedEvent {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c.mu.Lock()
		got := append([]actorstore.RecordedEvent(nil), c.got...)
		c.mu.Unlock()
		switch {
		case len(got) > n:
			t.Fatalf("got %d events, want %d (duplicates)", len(got), n)
		case len(got) == n:
			return got
		case time.Now().After(deadline):
			t.Fatalf("got %d of %d events in 30s (err %v)", len(got), n, c.sub.Err())
		}
		select {
		case <-c.sub.Done():
			t.Fatalf("subscription ended after %d of %d events: %v", len(got), n, c.sub.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
