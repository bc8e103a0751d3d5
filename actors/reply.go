package actors

import (
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// Request's replies arrive at a reply slot: a protoactor process that is
// registered once and reused by one request after another, so a request
// registers nothing and allocates no channel and no timer of its own.
//
// Reply correlation: every request through a slot gets the next number of
// that slot (its generation), sent as the RequestId of the sender PID it
// gives the target. protoactor hands that PID back with the reply
// (Respond, Send to the PID, a dead-letter response, and over remote: the
// PID's request_id crosses the wire). The slot takes one reply for the
// generation it is armed with and drops every other message: a reply that
// comes after its request ended (timed out, cancelled) never reaches a
// later request using the same slot, nor does a second reply to one
// request.

// maxFreeReplySlots bounds the slots a System keeps for reuse (more
// concurrent requests than that register and drop their extra slots).
const maxFreeReplySlots = 1024

// replySlot is a reusable reply address with room for one reply.
type replySlot struct {
	id    string // its ID in the process registry
	ch    chan any
	timer *time.Timer // reused by requests without a deadline (nil until needed)

	mu    sync.Mutex
	gen   uint32 // generation of the last request armed
	armed bool   // a request of generation gen waits for its reply
}

var _ actor.Process = (*replySlot)(nil)

// SendUserMessage takes the reply of the armed request and drops anything
// else (see the correlation rule above).
func (r *replySlot) SendUserMessage(pid *actor.PID, message any) {
	if pid == nil {
		return
	}
	_, msg, _ := actor.UnwrapEnvelope(message)
	r.deliver(pid.RequestId, msg)
}

// deliver takes msg as the reply of the request of generation gen if that
// request is still waiting, and drops it otherwise.
func (r *replySlot) deliver(gen uint32, msg any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.armed || gen != r.gen {
		return
	}
	r.armed = false
	r.ch <- msg // never blocks: one reply per generation, taken before re-arming
}

// Replier is the in-process shortcut to a request's reply slot: an actor
// that holds it answers the request by handing the reply straight to the
// waiting caller, without a process lookup or a message envelope (ADR
// 0026). It follows the same rule as the slot's PID: it answers only the
// request it was made for (its generation), and a reply through it and
// one through the request's sender PID are one reply; the first counts.
// The zero Replier answers nothing (Valid is false). It never crosses a
// process boundary.
type Replier struct {
	slot *replySlot
	gen  uint32
}

// Valid reports whether r was made for a request.
func (r Replier) Valid() bool { return r.slot != nil }

// Reply answers the request r was made for with msg, if it still waits.
// Safe for concurrent use; it never blocks.
func (r Replier) Reply(msg any) {
	if r.slot != nil {
		r.slot.deliver(r.gen, msg)
	}
}

// RepliedDirectly is implemented by a request message (a pointer) that
// carries a Replier: Request hands it the Replier of its reply slot
// before sending it, so the receiving actor can answer through Reply.
type RepliedDirectly interface {
	SetReplier(Replier)
}

// SendSystemMessage drops system messages: a reply slot watches nothing
// and is never stopped.
func (r *replySlot) SendSystemMessage(*actor.PID, any) {}

// Stop does nothing: slots live as long as their System.
func (r *replySlot) Stop(*actor.PID) {}

// arm prepares the slot for one request and returns the sender PID that
// request must carry.
func (r *replySlot) arm(address string) *PID {
	r.mu.Lock()
	r.gen++
	if r.gen == 0 { // wrapped: 0 is what a PID without a request ID carries
		r.gen = 1
	}
	r.armed = true
	gen := r.gen
	r.mu.Unlock()
	return &actor.PID{Address: address, Id: r.id, RequestId: gen}
}

// disarm ends the request: a reply still on its way is dropped, and one
// that arrived meanwhile is discarded, so the slot is empty for the next.
func (r *replySlot) disarm() {
	r.mu.Lock()
	r.armed = false
	select {
	case <-r.ch:
	default:
	}
	r.mu.Unlock()
}

// replySlots is a System's free list of reply slots.
type replySlots struct {
	free chan *replySlot
}

func newReplySlots() replySlots {
	return replySlots{free: make(chan *replySlot, maxFreeReplySlots)}
}

// getReplySlot returns a free slot, registering a new one when none is free.
func (s *System) getReplySlot() *replySlot {
	select {
	case r := <-s.replies.free:
		return r
	default:
	}
	r := &replySlot{ch: make(chan any, 1)}
	pid, _ := s.as.ProcessRegistry.Add(r, "reply"+s.as.ProcessRegistry.NextId())
	r.id = pid.Id
	return r
}

// putReplySlot gives a disarmed slot back; beyond the free list's room it
// is unregistered.
func (s *System) putReplySlot(r *replySlot) {
	select {
	case s.replies.free <- r:
	default:
		s.as.ProcessRegistry.Remove(&actor.PID{Address: s.as.Address(), Id: r.id})
	}
}

// wait returns the timer channel of a request that ends after d, reusing
// the slot's timer. Call stopTimer when the request ends.
func (r *replySlot) startTimer(d time.Duration) <-chan time.Time {
	if r.timer == nil {
		r.timer = time.NewTimer(d)
	} else {
		r.timer.Reset(d)
	}
	return r.timer.C
}

// stopTimer stops the slot's timer; since Go 1.23 no stale tick is
// received after Stop, so the timer is ready for Reset by the next request.
func (r *replySlot) stopTimer() {
	if r.timer != nil {
		r.timer.Stop()
	}
}
