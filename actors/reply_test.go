package actors_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
)

// holder keeps the sender of "hold" and answers it late: on "release" it
// first sends "late" to the held sender, then answers "fresh". On "twice"
// it answers twice. Every sender it sees goes to seen.
type holder struct {
	held *actors.PID
	seen chan<- *actors.PID
}

func (h *holder) Receive(c actors.Context) {
	switch c.Message() {
	case "hold":
		h.held = c.Sender()
		h.seen <- c.Sender()
	case "release":
		h.seen <- c.Sender()
		c.Send(h.held, "late")
		c.Respond("fresh")
	case "twice":
		h.seen <- c.Sender()
		c.Respond("one")
		c.Respond("two")
	}
}

// TestLateReplyNeverReachesTheNextRequest: Request reuses its reply
// address (the same registered process) for the next request, and a reply
// to a request that already ended (cancelled, timed out) or a second reply
// to one request is dropped: the next request gets its own reply.
func TestLateReplyNeverReachesTheNextRequest(t *testing.T) {
	sys := newSystem(t)
	seen := make(chan *actors.PID, 8)
	pid := sys.Spawn(actors.PropsOf(func() actors.Actor { return &holder{seen: seen} }))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := actors.Request(ctx, sys, pid, "hold")
		done <- err
	}()
	first := <-seen
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("held request: %v, want context.Canceled", err)
	}

	got, err := actors.Request(context.Background(), sys, pid, "release")
	second := <-seen
	if second.Id != first.Id || second.RequestId == first.RequestId {
		t.Fatalf("reply address not reused with a new request ID: %v then %v", first, second)
	}
	if err != nil || got != "fresh" {
		t.Fatalf("Request after a late reply = %v, %v; want fresh", got, err)
	}

	got, err = actors.Request(context.Background(), sys, pid, "twice")
	if err != nil || got != "one" {
		t.Fatalf("Request answered twice = %v, %v; want one", got, err)
	}
	<-seen
	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	_, err = actors.Request(ctx2, sys, pid, 42) // never answered: only a stale reply could end it
	var te *eventstore.TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("Request after a second reply = %v; want a timeout (the second reply must be dropped)", err)
	}
}
