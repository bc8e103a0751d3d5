package client_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/eventstore"
)

// TestTailDeliversHistoryThenLive: three stored events, then two appended
// while the tail runs, in order, then the tail ends with its ctx.
func TestTailDeliversHistoryThenLive(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for range 3 {
		if _, err := cl.Append(ctx, "tail-1", eventstore.Any(), ev("Old", `{}`)); err != nil {
			t.Fatal(err)
		}
	}
	got := make(chan eventstore.RecordedEvent, 16)
	tctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- cl.Tail(tctx, client.TailOptions{Stream: "tail-1", Window: 2}, func(e eventstore.RecordedEvent) error {
			got <- e
			return nil
		})
	}()
	for v := uint64(1); v <= 5; v++ {
		if v == 4 {
			for range 2 {
				if _, err := cl.Append(ctx, "tail-1", eventstore.Any(), ev("New", `{}`)); err != nil {
					t.Fatal(err)
				}
			}
		}
		select {
		case e := <-got:
			if e.Version != v || (v > 3) != (e.Type == "New") {
				t.Fatalf("event %d: got version %d type %s", v, e.Version, e.Type)
			}
		case err := <-done:
			t.Fatalf("tail ended early: %v", err)
		case <-ctx.Done():
			t.Fatalf("no event %d", v)
		}
	}
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("tail returned %v, want context.Canceled", err)
	}
}

func TestTailHandlerErrorEndsIt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := cl.Append(ctx, "tail-2", eventstore.Any(), ev("E", `{}`)); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := cl.Tail(ctx, client.TailOptions{Stream: "tail-2"}, func(eventstore.RecordedEvent) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("tail returned %v, want the handler's error", err)
	}
}
