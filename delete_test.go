package actorstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/actorstore/actorstore"
)

// TestSubscribersAcrossASoftDelete: a live subscriber that holds events of
// a stream it has not been granted credits for yet gets none of them once
// the stream is deleted (only the event it was handling and at most its
// window already sent), and a subscriber that catches up from the
// beginning after the delete sees only the kept events, at their
// unchanged positions, then the stream's new events.
func TestSubscribersAcrossASoftDelete(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T, actorstore.Config) *actorstore.Store) {
		st := open(t, actorstore.Config{})
		ctx := context.Background()
		release := make(chan struct{})
		handling := make(chan struct{}, 1)
		live := &collector{}
		sub, err := st.Subscribe(ctx, actorstore.SubscribeOptions{Window: 1}, func(_ context.Context, e actorstore.RecordedEvent) error {
			live.mu.Lock()
			live.got = append(live.got, e)
			first := len(live.got) == 1
			live.mu.Unlock()
			if first {
				handling <- struct{}{}
				<-release
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sub.Close() })
		var kept []actorstore.RecordedEvent
		for i := range 20 {
			if _, err := st.Append(ctx, "gone-1", actorstore.Any(), ev("Gone")); err != nil {
				t.Fatal(err)
			}
			if i%5 == 0 {
				res, err := st.Append(ctx, fmt.Sprintf("kept-%d", i), actorstore.NoStream(), ev("Kept"))
				if err != nil {
					t.Fatal(err)
				}
				kept = append(kept, actorstore.RecordedEvent{Stream: res.Stream, Position: res.FirstPosition, Version: 1})
			}
		}
		<-handling // the first event of gone-1 is being handled; the rest wait for credits
		if _, err := st.Delete(ctx, actorstore.DeleteRequest{Stream: "gone-1", Expected: actorstore.Exact(20)}); err != nil {
			t.Fatal(err)
		}
		close(release)
		marker, err := st.Append(ctx, "marker-1", actorstore.NoStream(), ev("Marker"))
		if err != nil {
			t.Fatal(err)
		}
		var got []actorstore.RecordedEvent
		eventuallyRoot(t, "the live subscriber to reach the marker appended after the delete", func() bool {
			live.mu.Lock()
			defer live.mu.Unlock()
			got = append(got[:0], live.got...)
			return len(got) > 0 && got[len(got)-1].Position == marker.FirstPosition
		})
		if n := countStream(got, "gone-1"); n > 2 {
			t.Fatalf("the live subscriber got %d events of the deleted stream after it held them; want at most 2 (handling + window)", n)
		}
		if n := countStream(got, "kept-"); n != len(kept) {
			t.Fatalf("the live subscriber got %d kept events, want %d", n, len(kept))
		}
		res, err := st.Append(ctx, "gone-1", actorstore.Exact(20), ev("Again"))
		if err != nil || res.FirstVersion != 21 {
			t.Fatalf("append after the delete: %+v, %v; want version 21", res, err)
		}
		late := collect(t, st, actorstore.SubscribeOptions{Window: 8})
		all := late.wait(t, len(kept)+2)
		all = append(all[:len(kept)], all[len(kept)+1:]...) // the marker
		for i, e := range all[:len(kept)] {
			if e.Stream != kept[i].Stream || e.Position != kept[i].Position {
				t.Fatalf("catch-up event %d is %s at %d, want %s at %d", i, e.Stream, e.Position, kept[i].Stream, kept[i].Position)
			}
		}
		if e := all[len(kept)]; e.Stream != "gone-1" || e.Version != 21 || e.Position != res.FirstPosition {
			t.Fatalf("catch-up's last event is %s@%d at %d, want gone-1@21", e.Stream, e.Version, e.Position)
		}
		_, err = st.ReadStream(ctx, actorstore.StreamRead{Stream: "gone-1", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Delete(ctx, actorstore.DeleteRequest{Stream: "gone-1", Expected: actorstore.Any(), Hard: true}); err != nil {
			t.Fatal(err)
		}
		_, err = st.Append(ctx, "gone-1", actorstore.Any(), ev("Never"))
		var de *actorstore.StreamDeletedError
		if !errors.As(err, &de) || !errors.Is(err, actorstore.ErrStreamDeleted) {
			t.Fatalf("append after a hard delete: %v", err)
		}
	})
}

func eventuallyRoot(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func countStream(evs []actorstore.RecordedEvent, prefix string) int {
	n := 0
	for _, e := range evs {
		if len(e.Stream) >= len(prefix) && e.Stream[:len(prefix)] == prefix {
			n++
		}
	}
	return n
}

// TestSubscribersWithinTheRetention: once a max-count retention is set, a
// live subscriber that holds older events of the stream gets none of them
// (only the event it was handling and at most its window already sent),
// and a subscriber catching up from the beginning sees only the retained
// events.
func TestSubscribersWithinTheRetention(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T, actorstore.Config) *actorstore.Store) {
		st := open(t, actorstore.Config{})
		ctx := context.Background()
		release := make(chan struct{})
		handling := make(chan struct{}, 1)
		live := &collector{}
		sub, err := st.Subscribe(ctx, actorstore.SubscribeOptions{Window: 1}, func(_ context.Context, e actorstore.RecordedEvent) error {
			live.mu.Lock()
			live.got = append(live.got, e)
			first := len(live.got) == 1
			live.mu.Unlock()
			if first {
				handling <- struct{}{}
				<-release
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sub.Close() })
		for range 12 { // fewer than the subscription buffers (16), so it holds them
			if _, err := st.Append(ctx, "ret-1", actorstore.Any(), ev("R")); err != nil {
				t.Fatal(err)
			}
		}
		<-handling
		md, err := st.SetStreamMetadata(ctx, actorstore.MetadataRequest{Stream: "ret-1",
			Metadata: actorstore.StreamMetadata{MaxCount: 3}})
		if err != nil || md.Version != 1 {
			t.Fatalf("SetStreamMetadata = %+v, %v", md, err)
		}
		close(release)
		marker, err := st.Append(ctx, "marker-1", actorstore.NoStream(), ev("Marker"))
		if err != nil {
			t.Fatal(err)
		}
		var got []actorstore.RecordedEvent
		eventuallyRoot(t, "the live subscriber to reach the marker", func() bool {
			live.mu.Lock()
			defer live.mu.Unlock()
			got = append(got[:0], live.got...)
			return len(got) > 0 && got[len(got)-1].Position == marker.FirstPosition
		})
		for i, e := range got[:len(got)-1] {
			if i >= 2 && e.Version < 10 {
				t.Fatalf("live event %d is ret-1@%d, outside max-count 3 (from 10) set before it was sent", i, e.Version)
			}
		}
		if len(got) < 4 || got[len(got)-2].Version != 12 {
			t.Fatalf("the live subscriber got %d events, the retained ones missing", len(got))
		}
		late := collect(t, st, actorstore.SubscribeOptions{Window: 8})
		all := late.wait(t, 4)
		for i, v := range []uint64{10, 11, 12} {
			if all[i].Stream != "ret-1" || all[i].Version != v {
				t.Fatalf("catch-up event %d is %s@%d, want ret-1@%d", i, all[i].Stream, all[i].Version, v)
			}
		}
	})
}
