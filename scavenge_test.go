package actorstore_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
)

// syncBuffer is a log sink safe for the scavenger's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestBackgroundScavenge: with Config.Scavenge the store removes a deleted
// stream's events from disk by itself (the database no longer has them),
// logs what it removed, and a subscriber catching up from the beginning
// afterwards sees the kept events at their positions, then new ones.
func TestBackgroundScavenge(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T, actorstore.Config) *actorstore.Store) {
		logs := &syncBuffer{}
		st := open(t, actorstore.Config{Logger: zerolog.New(logs),
			Scavenge: actorstore.ScavengeConfig{Every: 20 * time.Millisecond, EventsPerSecond: 1_000_000}})
		ctx := context.Background()
		var gone []actorstore.EventData
		var kept []actorstore.AppendResult
		for i := range 10 {
			e := ev("Gone")
			gone = append(gone, e)
			if _, err := st.Append(ctx, "gone-1", actorstore.Any(), e); err != nil {
				t.Fatal(err)
			}
			if i%3 == 0 {
				res, err := st.Append(ctx, "kept-1", actorstore.Any(), ev("Kept"))
				if err != nil {
					t.Fatal(err)
				}
				kept = append(kept, res)
			}
		}
		if _, err := st.Delete(ctx, actorstore.DeleteRequest{Stream: "gone-1", Expected: actorstore.Exact(10)}); err != nil {
			t.Fatal(err)
		}
		db := engineOf(st).DB
		eventuallyRoot(t, "the background scavenge to remove the deleted events", func() bool {
			evs, err := db.LookupEvents(ctx, "gone-1", eventIDs(gone))
			return err == nil && len(evs) == 0
		})
		eventuallyRoot(t, "the scavenge to be logged", func() bool {
			return strings.Contains(logs.String(), `"events":10`) && strings.Contains(logs.String(), "scavenge removed hidden events")
		})
		again, err := st.Append(ctx, "gone-1", actorstore.Exact(10), ev("Again"))
		if err != nil || again.FirstVersion != 11 {
			t.Fatalf("append after the scavenge: %+v, %v; want version 11", again, err)
		}
		sub := collect(t, st, actorstore.SubscribeOptions{Window: 4})
		got := sub.wait(t, len(kept)+1)
		for i, r := range kept {
			if got[i].Stream != "kept-1" || got[i].Position != r.FirstPosition {
				t.Fatalf("catch-up event %d is %s at %d, want kept-1 at %d", i, got[i].Stream, got[i].Position, r.FirstPosition)
			}
		}
		if last := got[len(kept)]; last.Stream != "gone-1" || last.Version != 11 || last.Position != again.FirstPosition {
			t.Fatalf("catch-up's last event %s@%d at %d", last.Stream, last.Version, last.Position)
		}
	})
}

func eventIDs(evs []actorstore.EventData) []eventstore.EventID {
	out := make([]eventstore.EventID, len(evs))
	for i := range evs {
		out[i] = evs[i].ID
	}
	return out
}
