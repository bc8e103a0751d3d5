package subscriptions

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/actorstore/actorstore/persistence"
)

// TestCatchUpToLive subscribes while writers append concurrently: every
// subscriber (all events, and single streams) sees every event once, in
// order, with no gap, across the switch from the store to live events.
func TestCatchUpToLive(t *testing.T) {
	for _, n := range []int{1, 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			eachBackend(t, func(t *testing.T, st persistence.Store, _ func(testing.TB) persistence.Store) {
				testCatchUpToLive(t, st, n)
			})
		})
	}
}

func testCatchUpToLive(t *testing.T, st persistence.Store, subscribers int) {
	sys := newSystem(t)
	hub := newHub(t, sys, st, Config{Window: 64, PageSize: 100})
	w := writer{st: st, hub: hub}
	const streams, writers, batches = 8, 4, 60
	for i := range streams {
		w.appendN(t, fmt.Sprintf("s-%d", i), 20, "e")
	}
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(g), 1))
			for range batches {
				w.appendN(t, fmt.Sprintf("s-%d", rnd.IntN(streams)), 1+rnd.IntN(10), "e")
			}
		}()
	}
	type sub struct {
		rec    *recorder
		stream string
		s      *Subscription
	}
	subs := make([]sub, subscribers)
	for i := range subs {
		rec, o := &recorder{}, HandlerOptions{Options: Options{Window: 16 + i%50}}
		if i%2 == 1 {
			o.Stream, rec.byStream = fmt.Sprintf("s-%d", i%streams), true
		}
		s, err := hub.Subscribe(context.Background(), o, rec.handle)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		subs[i] = sub{rec: rec, stream: o.Stream, s: s}
	}
	wg.Wait()
	last, err := st.LastPosition(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		want := last
		if s.stream != "" {
			h, err := st.Head(context.Background(), s.stream)
			if err != nil {
				t.Fatal(err)
			}
			want = h.Version
		}
		eventually(t, 60*time.Second, "subscriber to see every event", func() bool {
			got, _, _ := s.rec.state()
			return got >= want || s.s.Err() != nil
		})
		got, count, err := s.rec.state()
		if err != nil || s.s.Err() != nil || got != want || uint64(count) != want {
			t.Fatalf("stream %q: last %d count %d want %d, err %v, sub err %v", s.stream, got, count, want, err, s.s.Err())
		}
	}
}

// TestFromEndAndAt starts subscriptions at the end and at a position.
func TestFromEndAndAt(t *testing.T) {
	eachBackend(t, func(t *testing.T, st persistence.Store, _ func(testing.TB) persistence.Store) {
		sys := newSystem(t)
		hub := newHub(t, sys, st, Config{})
		w := writer{st: st, hub: hub}
		w.appendN(t, "a-1", 10, "e")
		endRec, atRec := &recorder{last: 10}, &recorder{last: 4}
		endSub, err := hub.Subscribe(context.Background(), HandlerOptions{Options: Options{Start: FromEnd}}, endRec.handle)
		if err != nil {
			t.Fatal(err)
		}
		defer endSub.Close()
		atSub, err := hub.Subscribe(context.Background(), HandlerOptions{Options: Options{Start: FromAt, At: 5}}, atRec.handle)
		if err != nil {
			t.Fatal(err)
		}
		defer atSub.Close()
		// FromEnd resolves its start asynchronously: wait for it before appending.
		eventually(t, 10*time.Second, "FromEnd to be live", func() bool { return subLive(t, hub, 2) })
		w.appendN(t, "a-1", 5, "e")
		for _, r := range []*recorder{endRec, atRec} {
			eventually(t, 10*time.Second, "events", func() bool { l, _, _ := r.state(); return l >= 15 })
			if l, _, err := r.state(); l != 15 || err != nil {
				t.Fatalf("last %d, err %v", l, err)
			}
		}
		if _, n, _ := endRec.state(); n != 5 {
			t.Fatalf("FromEnd saw %d events, want 5", n)
		}
	})
}
