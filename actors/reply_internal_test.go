package actors

import (
	"context"
	"testing"
	"time"
)

type echoActor struct{}

func (echoActor) Receive(c Context) {
	if s, ok := c.Message().(string); ok {
		c.Respond(s)
	}
}

// TestRequestReusesItsSlotAndTimer: requests take their reply slot from
// the free list and give it back; a request whose context has a deadline
// starts no timer, one without reuses the slot's timer.
func TestRequestReusesItsSlotAndTimer(t *testing.T) {
	sys, err := NewSystem(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Shutdown()
	pid := sys.Spawn(PropsOf(func() Actor { return echoActor{} }))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if got, err := Request(ctx, sys, pid, "a"); err != nil || got != "a" {
		t.Fatalf("Request = %v, %v", got, err)
	}
	if len(sys.replies.free) != 1 {
		t.Fatalf("%d free slots after one request, want 1", len(sys.replies.free))
	}
	r := <-sys.replies.free
	if r.timer != nil {
		t.Fatal("a request with a deadline started a timer")
	}
	sys.replies.free <- r

	if got, err := Request(context.Background(), sys, pid, "b"); err != nil || got != "b" {
		t.Fatalf("Request = %v, %v", got, err)
	}
	r2 := <-sys.replies.free
	if r2 != r || r2.timer == nil {
		t.Fatalf("slot reused: %v, timer: %v", r2 == r, r2.timer != nil)
	}
	timer := r2.timer
	sys.replies.free <- r2
	if _, err := Request(context.Background(), sys, pid, "c"); err != nil {
		t.Fatal(err)
	}
	if r3 := <-sys.replies.free; r3.timer != timer {
		t.Fatal("the slot's timer was not reused")
	}
}
