package subscriptions

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// seenSet records the positions a handler processed (at least once).
type seenSet struct {
	mu   sync.Mutex
	seen map[uint64]int
	max  uint64
}

func newSeenSet() *seenSet { return &seenSet{seen: map[uint64]int{}} }

func (s *seenSet) add(p uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen[p]++
	s.max = max(s.max, p)
}

func (s *seenSet) count(p uint64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[p]
}

func (s *seenSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen)
}

// TestDurableResumesFromCheckpoint: a durable subscription stopped with
// its hub and actor system resumes on a new system from its checkpoint:
// every event is processed at least once, in order within each run, and
// the second run does not start from the beginning.
func TestDurableResumesFromCheckpoint(t *testing.T) {
	eachBackend(t, func(t *testing.T, st persistence.Store, _ func(testing.TB) persistence.Store) {
		seen := newSeenSet()
		run := func(appendN int, until uint64) (first uint64) {
			sys, err := actors.NewSystem(actors.Config{})
			if err != nil {
				t.Fatal(err)
			}
			defer sys.Shutdown() // a restart: a new actor system each run
			hub := newHub(t, sys, st, Config{AckEvery: 10, AckInterval: 10 * time.Millisecond})
			w := writer{st: st, hub: hub}
			var mu sync.Mutex
			var last uint64
			s, err := hub.Subscribe(context.Background(), HandlerOptions{Options: Options{Durable: "billing", Window: 16}},
				func(_ context.Context, e eventstore.RecordedEvent) error {
					mu.Lock()
					defer mu.Unlock()
					if first == 0 {
						first = e.Position
					}
					if last != 0 && e.Position != last+1 {
						return errors.New("out of order") // parks: the test then fails on counts
					}
					last = e.Position
					seen.add(e.Position)
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			for range appendN / 10 {
				w.appendN(t, "acct-1", 10, "e")
			}
			eventually(t, 20*time.Second, "processing", func() bool { return seen.count(until) > 0 })
			_ = s.Close()
			if err := hub.Close(); err != nil { // waits for the last checkpoint
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			return first
		}
		run(300, 150)
		cp, ok, err := st.Checkpoint(context.Background(), checkpointName("billing"))
		if err != nil || !ok || cp < 100 {
			t.Fatalf("checkpoint %d %v %v", cp, ok, err)
		}
		first := run(200, 500)
		if first == 0 || first > cp+1 || first == 1 {
			t.Fatalf("second run started at %d, checkpoint %d", first, cp)
		}
		for p := uint64(1); p <= 500; p++ {
			if seen.count(p) == 0 {
				t.Fatalf("position %d never processed", p)
			}
		}
		if parked, _ := Parked(context.Background(), st, "billing", 1, 10); len(parked) != 0 {
			t.Fatalf("parked %v", parked)
		}
	})
}

// TestNackRetryPark: an event whose handler keeps failing is retried with
// backoff, then parked (kept in "$parked-<name>" with its origin), and the
// subscription goes on; the checkpoint passes it; Parked lists it and
// ReplayParked hands it to a handler once.
func TestNackRetryPark(t *testing.T) {
	eachBackend(t, func(t *testing.T, st persistence.Store, _ func(testing.TB) persistence.Store) {
		sys := newSystem(t)
		hub := newHub(t, sys, st, Config{AckEvery: 1})
		w := writer{st: st, hub: hub}
		w.appendN(t, "pay-1", 3, "ok")
		bad := w.appendN(t, "pay-2", 1, "bad")[0]
		w.appendN(t, "pay-1", 3, "ok")
		attempts := 0
		seen := newSeenSet()
		s, err := hub.Subscribe(context.Background(), HandlerOptions{
			Options: Options{Durable: "payments"},
			Retry:   persistence.RetryPolicy{MaxAttempts: 3, Base: time.Millisecond, Cap: 2 * time.Millisecond},
		}, func(_ context.Context, e eventstore.RecordedEvent) error {
			if e.Type == "bad" {
				attempts++
				return errors.New("cannot handle")
			}
			seen.add(e.Position)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		eventually(t, 10*time.Second, "the events after the bad one", func() bool { return seen.count(7) > 0 })
		var parked []ParkedEvent
		eventually(t, 10*time.Second, "the parked event", func() bool {
			parked, err = Parked(context.Background(), st, "payments", 1, 10)
			return err == nil && len(parked) == 1
		})
		p := parked[0]
		if attempts != 3 || p.Reason != "cannot handle" || p.Original.Stream != "pay-2" ||
			p.Original.Position != bad.Position || p.Original.Version != 1 || p.Original.ID != bad.ID {
			t.Fatalf("attempts %d, parked %+v, want %+v", attempts, p, bad)
		}
		eventually(t, 10*time.Second, "the checkpoint past the parked event", func() bool {
			cp, _, err := st.Checkpoint(context.Background(), checkpointName("payments"))
			return err == nil && cp >= 7
		})
		var replayed []eventstore.RecordedEvent
		n, err := ReplayParked(context.Background(), st, "payments", func(_ context.Context, e eventstore.RecordedEvent) error {
			replayed = append(replayed, e)
			return nil
		})
		if err != nil || n != 1 || replayed[0].Position != bad.Position || string(replayed[0].Data) != string(bad.Data) {
			t.Fatalf("replay: %d %v %+v", n, err, replayed)
		}
		if n, err := ReplayParked(context.Background(), st, "payments", nil); n != 0 || err != nil {
			t.Fatalf("second replay: %d %v", n, err)
		}
		if s.Err() != nil {
			t.Fatal(s.Err())
		}
	})
}

// TestHandlerErrorStopsEphemeral: a non-durable subscription whose handler
// keeps failing ends with a *HandlerError naming the event.
func TestHandlerErrorStopsEphemeral(t *testing.T) {
	st, _ := backends[0].open(t)
	sys := newSystem(t)
	hub := newHub(t, sys, st, Config{})
	w := writer{st: st, hub: hub}
	w.appendN(t, "h-1", 2, "e")
	boom := errors.New("boom")
	s, err := hub.Subscribe(context.Background(), HandlerOptions{Retry: persistence.RetryPolicy{MaxAttempts: 2, Base: time.Millisecond}},
		func(_ context.Context, e eventstore.RecordedEvent) error {
			if e.Version == 2 {
				return boom
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("subscription did not stop")
	}
	var he *HandlerError
	if !errors.As(s.Err(), &he) || he.Position != 2 || !errors.Is(s.Err(), boom) {
		t.Fatalf("Err = %v", s.Err())
	}
	eventually(t, 5*time.Second, "subscription actor gone", func() bool {
		st, err := hub.Stats(context.Background())
		return err == nil && st.Subscriptions == 0
	})
}
