package actors

import (
	"context"
	"fmt"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/asynkron/protoactor-go/actor"
)

// Request sends msg to pid and waits for the reply. It returns ctx's error
// when ctx is cancelled, a *eventstore.TimeoutError when ctx's deadline (or the
// system's default timeout when ctx has none) passes first, and
// ErrDeadLetter when pid does not exist. The trace ID of ctx is put on the
// timeout error, and a request to another process carries ctx's trace in
// its message header (see TraceContext). Safe for concurrent use.
func Request(ctx context.Context, sys *System, pid *PID, msg any) (any, error) {
	return RequestWithin(ctx, sys, pid, msg, sys.requestTimeout)
}

// RequestWithin is Request with the timeout def when ctx has no deadline
// (the caller need not wrap ctx in a context.WithTimeout of its own). A
// request allocates no channel, registers no process and starts no
// goroutine: the reply comes back through a reused reply slot (reply.go),
// and only a ctx without a deadline uses the slot's reused timer.
func RequestWithin(ctx context.Context, sys *System, pid *PID, msg any, def time.Duration) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	timeout := def
	var expired <-chan time.Time
	r := sys.getReplySlot()
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	} else {
		expired = r.startTimer(def)
	}
	sender := r.arm(sys.as.Address())
	if d, ok := msg.(RepliedDirectly); ok && pid.Address == sender.Address { // in process only
		d.SetReplier(Replier{slot: r, gen: sender.RequestId})
	}
	sys.sendRequest(ctx, pid, msg, sender)
	var reply any
	var err error
	select {
	case reply = <-r.ch:
		if _, dead := reply.(*actor.DeadLetterResponse); dead {
			reply, err = nil, fmt.Errorf("%w: %s", ErrDeadLetter, pid)
		}
	case <-ctx.Done():
		r.disarm()
		err = ctx.Err()
		if err == context.DeadlineExceeded {
			err = &eventstore.TimeoutError{Target: pid.String(), Timeout: timeout}
		}
	case <-expired:
		r.disarm()
		err = &eventstore.TimeoutError{Target: pid.String(), Timeout: timeout}
	}
	if expired != nil {
		r.stopTimer() // before the slot goes back: the next request resets it
	}
	sys.putReplySlot(r)
	return reply, err
}

// Poison stops pid after the messages already in its mailbox and waits
// until it has terminated, ctx ends, or the default timeout passes.
func (s *System) Poison(ctx context.Context, pid *PID) error {
	mb := s.newMailbox(4, true)
	defer mb.Close()
	mb.Watch(pid)
	s.root.Poison(pid)
	return mb.awaitTerminated(ctx, s.requestTimeout, pid)
}

// StopWait stops pid at once and waits until it has terminated.
func (s *System) StopWait(ctx context.Context, pid *PID) error {
	mb := s.newMailbox(4, true)
	defer mb.Close()
	mb.Watch(pid)
	s.root.Stop(pid)
	return mb.awaitTerminated(ctx, s.requestTimeout, pid)
}

func (m *Mailbox) awaitTerminated(ctx context.Context, def time.Duration, pid *PID) error {
	t := time.NewTimer(def)
	defer t.Stop()
	for {
		select {
		case msg := <-m.ch:
			if term, ok := msg.(*Terminated); ok && SamePID(term.Who, pid) {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return &eventstore.TimeoutError{Target: pid.String(), Timeout: def}
		}
	}
}
