package actors_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/actorstore/actorstore/actors"
)

// inlineProbe records the strings it handles; "first" makes it send
// itself "second" and "third", "boom" panics, "ping" is answered.
type inlineProbe struct {
	mu  *sync.Mutex
	got *[]string
}

func (p *inlineProbe) Receive(c actors.Context) {
	m, ok := c.Message().(string)
	if !ok {
		return
	}
	p.mu.Lock()
	*p.got = append(*p.got, m)
	p.mu.Unlock()
	switch m {
	case "first":
		c.Send(c.Self(), "second")
		c.Send(c.Self(), "third")
	case "boom":
		panic("boom")
	case "ping":
		c.Respond("pong")
	}
}

// TestInlineRunsOnTheSender: an Inline actor that is idle handles a
// message on the sender's goroutine, before Send returns, and the
// messages it is sent while it runs are handled after, in order, before
// that Send returns too. A panic in Receive does not reach the sender:
// the mailbox recovers it and the supervisor restarts the actor, which
// answers the next request.
func TestInlineRunsOnTheSender(t *testing.T) {
	sys := newSystem(t)
	var mu sync.Mutex
	var got []string
	pid := sys.Spawn(actors.Inline(actors.PropsOf(func() actors.Actor { return &inlineProbe{mu: &mu, got: &got} })))
	seen := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}
	sys.Send(pid, "first")
	if s := seen(); !slices.Equal(s, []string{"first", "second", "third"}) {
		t.Fatalf("after Send returned the actor had handled %q, want first, second, third", s)
	}
	sys.Send(pid, "boom") // must return: the panic stays in the actor
	reply, err := actors.Request(context.Background(), sys, pid, "ping")
	if err != nil || reply != "pong" {
		t.Fatalf("after the panic: %v, %v", reply, err)
	}
}
