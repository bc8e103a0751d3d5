package storetest

import (
	"context"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// testShared runs when Features.Shared is set: two stores opened on one
// storage, as two processes sharing a database would. Each reads what the
// other committed, positions stay gapless and in commit order across both,
// an expectation is checked against the other's commits, and with
// Features.MultiProcess the Notifications of one report the other's
// commits.
func testShared(t *testing.T, features Features) {
	pair := func(t *testing.T) (a, b persistence.Store) {
		a, b = features.Shared(t)
		if a == nil || b == nil {
			t.Fatal("Features.Shared returned a nil store")
		}
		t.Cleanup(func() { _ = a.Close(); _ = b.Close() })
		return a, b
	}
	t.Run("each reads the other's commits", func(t *testing.T) {
		t.Parallel()
		a, b := pair(t)
		first := appendOK(t, a, req("shared-1", eventstore.NoStream(), evs(2, "A")...))
		second := appendOK(t, b, req("shared-1", eventstore.Exact(2), evs(3, "B")...))
		if second.FirstVersion != 3 || second.FirstPosition != first.LastPosition+1 {
			t.Fatalf("second store appended at version %d position %d, want 3 and %d",
				second.FirstVersion, second.FirstPosition, first.LastPosition+1)
		}
		for _, st := range []persistence.Store{a, b} {
			got := readAll(t, st)
			if len(got) != 5 {
				t.Fatalf("ReadAll sees %d events, want 5", len(got))
			}
			for i, e := range got {
				if e.Position != first.FirstPosition+uint64(i) || e.Version != uint64(i+1) {
					t.Fatalf("event %d at version %d position %d", i, e.Version, e.Position)
				}
			}
			if p := lastPosition(t, st); p != second.LastPosition {
				t.Fatalf("LastPosition %d, want %d", p, second.LastPosition)
			}
		}
	})
	t.Run("expectations see the other's commits", func(t *testing.T) {
		t.Parallel()
		a, b := pair(t)
		appendOK(t, a, req("shared-2", eventstore.NoStream(), ev("A")))
		res, err := b.AppendBatch(ctxFor(t), []eventstore.AppendRequest{req("shared-2", eventstore.NoStream(), ev("B"))})
		if err != nil {
			t.Fatalf("AppendBatch: %v", err)
		}
		wantConcurrency(t, res[0].Err, "shared-2", eventstore.NoStream(), 1)
		if got := readStream(t, a, "shared-2"); len(got) != 1 {
			t.Fatalf("a refused append wrote: the stream has %d events, want 1", len(got))
		}
	})
	if !features.MultiProcess {
		return
	}
	t.Run("notifications report the other's commits", func(t *testing.T) {
		t.Parallel()
		a, b := pair(t)
		ctx, cancel := context.WithCancel(ctxFor(t))
		defer cancel()
		ch, err := a.Notifications(ctx)
		if err != nil {
			t.Fatalf("Notifications: %v", err)
		}
		for round := range 3 {
			res := appendOK(t, b, req("shared-3", eventstore.Any(), evs(round+1, "B")...))
			waitPosition(t, ch, res.LastPosition)
		}
	})
}
