package actors_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
)

// direct is a request that carries the Replier of its reply slot.
type direct struct {
	op    string
	reply actors.Replier
}

func (d *direct) SetReplier(r actors.Replier) { d.reply = r }

// replierActor answers through the Replier: "now" at once; "hold" keeps
// it; "release" first answers the held request late, then its own; "both"
// answers through the Replier and then again through the sender PID.
type replierActor struct {
	held actors.Replier
	seen chan<- string
}

func (a *replierActor) Receive(c actors.Context) {
	m, ok := c.Message().(*direct)
	if !ok {
		return
	}
	if !m.reply.Valid() {
		c.Respond("no replier")
		return
	}
	switch m.op {
	case "now":
		m.reply.Reply("direct")
	case "hold":
		a.held = m.reply
		a.seen <- "held"
	case "release":
		a.held.Reply("late")
		m.reply.Reply("fresh")
	case "both":
		m.reply.Reply("first")
		c.Respond("second")
	}
}

// TestReplierAnswersOnlyItsRequest: a request that carries a Replier is
// answered straight through it (the actor does not use the sender PID),
// and the Replier follows the reply slot's rule: a late reply to a request
// that ended never reaches the next request through the same slot, and a
// reply through the Replier and one through the PID are one reply.
func TestReplierAnswersOnlyItsRequest(t *testing.T) {
	sys := newSystem(t)
	seen := make(chan string, 4)
	pid := sys.Spawn(actors.PropsOf(func() actors.Actor { return &replierActor{seen: seen} }))

	if got, err := actors.Request(context.Background(), sys, pid, &direct{op: "now"}); err != nil || got != "direct" {
		t.Fatalf("direct reply = %v, %v; want direct", got, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := actors.Request(ctx, sys, pid, &direct{op: "hold"})
		done <- err
	}()
	<-seen
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("held request: %v, want context.Canceled", err)
	}
	if got, err := actors.Request(context.Background(), sys, pid, &direct{op: "release"}); err != nil || got != "fresh" {
		t.Fatalf("Request after a late direct reply = %v, %v; want fresh", got, err)
	}

	if got, err := actors.Request(context.Background(), sys, pid, &direct{op: "both"}); err != nil || got != "first" {
		t.Fatalf("Request answered twice = %v, %v; want first", got, err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	_, err := actors.Request(ctx2, sys, pid, 42) // never answered: only a stale reply could end it
	var te *eventstore.TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("Request after a second reply = %v; want a timeout (the second reply must be dropped)", err)
	}
}
