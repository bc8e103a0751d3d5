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
	timeout := sys.requestTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	mb := sys.newMailbox(1, true)
	defer mb.Close()
	sys.sendRequest(ctx, pid, msg, mb.pid)

	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case reply := <-mb.ch:
		if _, dead := reply.(*actor.DeadLetterResponse); dead {
			return nil, fmt.Errorf("%w: %s", ErrDeadLetter, pid)
		}
		return reply, nil
	case <-ctx.Done():
		if ctx.Err() == context.DeadlineExceeded {
			return nil, &eventstore.TimeoutError{Target: pid.String(), Timeout: timeout}
		}
		return nil, ctx.Err()
	case <-t.C:
		return nil, &eventstore.TimeoutError{Target: pid.String(), Timeout: timeout}
	}
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
