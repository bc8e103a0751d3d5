package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/google/uuid"
)

// testHead checks the head of missing and existing streams.
func testHead(t *testing.T, f Factory) {
	st := open(t, f)
	h := head(t, st, "acct-1")
	if h.Exists() || h.Version != 0 || h.LastPosition != 0 {
		t.Fatalf("head of a missing stream: %+v", h)
	}
	appendOK(t, st, req("acct-1", eventstore.Any(), evs(2, "X")...))
	appendOK(t, st, req("acct-2", eventstore.Any(), evs(2, "X")...))
	res := appendOK(t, st, req("acct-1", eventstore.Any(), evs(3, "X")...))
	h = head(t, st, "acct-1")
	if !h.Exists() || h.Version != 5 || h.LastPosition != res.LastPosition || h.Stream != "acct-1" {
		t.Fatalf("head %+v, want version 5 position %d", h, res.LastPosition)
	}
}

// testLookupEvents checks that LookupEvents finds the stream's events by
// ID, in version order, and nothing of other streams.
func testLookupEvents(t *testing.T, f Factory) {
	st := open(t, f)
	a := evs(4, "X")
	other := ev("X")
	appendOK(t, st, req("acct-1", eventstore.Any(), a[:2]...))
	appendOK(t, st, req("acct-2", eventstore.Any(), other))
	appendOK(t, st, req("acct-1", eventstore.Any(), a[2:]...))
	got, err := st.LookupEvents(ctxFor(t), "acct-1", []eventstore.EventID{a[3].ID, other.ID, uuid.New(), a[0].ID, a[2].ID})
	if err != nil {
		t.Fatalf("LookupEvents: %v", err)
	}
	if len(got) != 3 || got[0].ID != a[0].ID || got[1].ID != a[2].ID || got[2].ID != a[3].ID {
		t.Fatalf("LookupEvents returned versions %v, want 1, 3, 4", versions(got))
	}
	if got[0].Version != 1 || got[1].Version != 3 || got[2].Version != 4 || got[1].Stream != "acct-1" {
		t.Fatalf("LookupEvents returned versions %v, want 1, 3, 4", versions(got))
	}
	none, err := st.LookupEvents(ctxFor(t), "acct-3", []eventstore.EventID{a[0].ID})
	if err != nil || len(none) != 0 {
		t.Fatalf("LookupEvents in a missing stream: %v, %d events", err, len(none))
	}
}

// testCheckpoints checks get, set, overwrite and missing checkpoints.
func testCheckpoints(t *testing.T, f Factory) {
	st := open(t, f)
	ctx := ctxFor(t)
	get := func(name string) (eventstore.Position, bool) {
		t.Helper()
		p, ok, err := st.Checkpoint(ctx, name)
		if err != nil {
			t.Fatalf("Checkpoint(%q): %v", name, err)
		}
		return p, ok
	}
	if p, ok := get("sub-a"); ok || p != 0 {
		t.Fatalf("missing checkpoint: %d, %v", p, ok)
	}
	for _, step := range []struct {
		name string
		pos  eventstore.Position
	}{{"sub-a", 5}, {"sub-b", 9}, {"sub-a", 42}, {"sub-a", 3}, {"sub-c", 0}} {
		if err := st.SetCheckpoint(ctx, step.name, step.pos); err != nil {
			t.Fatalf("SetCheckpoint(%q, %d): %v", step.name, step.pos, err)
		}
		if p, ok := get(step.name); !ok || p != step.pos {
			t.Fatalf("Checkpoint(%q) = %d, %v after setting %d", step.name, p, ok, step.pos)
		}
	}
	if p, _ := get("sub-b"); p != 9 {
		t.Fatalf("sub-b changed to %d by other checkpoints", p)
	}
}

// testNotifications checks the signal after an append and the channel's end.
func testNotifications(t *testing.T, f Factory) {
	t.Run("signal after append", func(t *testing.T) {
		t.Parallel()
		st := open(t, f)
		ctx, cancel := context.WithCancel(ctxFor(t))
		defer cancel()
		ch, err := st.Notifications(ctx)
		if err != nil {
			t.Fatalf("Notifications: %v", err)
		}
		for round := range 3 {
			res := appendOK(t, st, req("acct-1", eventstore.Any(), evs(round+1, "X")...))
			waitPosition(t, ch, res.LastPosition)
		}
	})
	t.Run("closed when ctx ends", func(t *testing.T) {
		t.Parallel()
		st := open(t, f)
		ctx, cancel := context.WithCancel(ctxFor(t))
		ch, err := st.Notifications(ctx)
		if err != nil {
			t.Fatalf("Notifications: %v", err)
		}
		appendOK(t, st, req("acct-1", eventstore.Any(), ev("X")))
		cancel()
		waitClosed(t, ch)
		// The store keeps working for other listeners.
		ch2, err := st.Notifications(ctxFor(t))
		if err != nil {
			t.Fatalf("Notifications: %v", err)
		}
		res := appendOK(t, st, req("acct-1", eventstore.Any(), ev("X")))
		waitPosition(t, ch2, res.LastPosition)
	})
	t.Run("closed when the store closes", func(t *testing.T) {
		t.Parallel()
		st := open(t, f)
		ch, err := st.Notifications(ctxFor(t))
		if err != nil {
			t.Fatalf("Notifications: %v", err)
		}
		if err := st.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		waitClosed(t, ch)
	})
	t.Run("slow reader sees the newest position", func(t *testing.T) {
		t.Parallel()
		st := open(t, f)
		ch, err := st.Notifications(ctxFor(t))
		if err != nil {
			t.Fatalf("Notifications: %v", err)
		}
		var last eventstore.Position
		for range 5 { // nobody reads meanwhile
			last = appendOK(t, st, req("acct-1", eventstore.Any(), ev("X"))).LastPosition
		}
		waitPosition(t, ch, last)
	})
}

// waitPosition receives from ch until it sees a position >= want.
func waitPosition(t *testing.T, ch <-chan eventstore.Position, want eventstore.Position) {
	t.Helper()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case p, ok := <-ch:
			if !ok {
				t.Fatalf("notification channel closed before position %d", want)
			}
			if p >= want {
				return
			}
		case <-timeout.C:
			t.Fatalf("no notification of position >= %d within 10s", want)
		}
	}
}

// waitClosed drains ch until it is closed.
func waitClosed(t *testing.T, ch <-chan eventstore.Position) {
	t.Helper()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timeout.C:
			t.Fatal("notification channel not closed within 10s")
		}
	}
}

// testClose checks that calls after Close return ErrClosed.
func testClose(t *testing.T, f Factory) {
	st := open(t, f)
	appendOK(t, st, req("acct-1", eventstore.Any(), ev("X")))
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx := ctxFor(t)
	calls := map[string]func() error{
		"AppendBatch": func() error {
			_, err := st.AppendBatch(ctx, []eventstore.AppendRequest{req("acct-1", eventstore.Any(), ev("X"))})
			return err
		},
		"ReadStream": func() error {
			_, err := st.ReadStream(ctx, eventstore.StreamRead{Stream: "acct-1", Limit: 1})
			return err
		},
		"ReadAll": func() error {
			_, err := st.ReadAll(ctx, eventstore.AllRead{Limit: 1})
			return err
		},
		"Head": func() error { _, err := st.Head(ctx, "acct-1"); return err },
		"LookupEvents": func() error {
			_, err := st.LookupEvents(ctx, "acct-1", []eventstore.EventID{uuid.New()})
			return err
		},
		"Checkpoint":    func() error { _, _, err := st.Checkpoint(ctx, "c"); return err },
		"SetCheckpoint": func() error { return st.SetCheckpoint(ctx, "c", 1) },
		"Notifications": func() error { _, err := st.Notifications(ctx); return err },
		"LastPosition":  func() error { _, err := st.LastPosition(ctx); return err },
	}
	names := make([]string, 0, len(calls))
	for n := range calls {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if err := calls[n](); !errors.Is(err, eventstore.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", n, err)
		}
	}
}
