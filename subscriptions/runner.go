package subscriptions

import (
	"context"
	"fmt"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/wire"
)

// handle processes one message on the handler goroutine. A non-nil error
// ends the subscription.
func (r *runner) handle(ctx context.Context, id string, msg any) error {
	switch m := msg.(type) {
	case *messages.Subscribed:
		r.sub, r.id = PIDOf(m.GetSubscription()), m.GetSubscriptionId()
	case *delivery:
		r.localEvents++
		if err := r.sequence(m.sequence); err != nil {
			return err
		}
		if err := r.process(ctx, id, &m.event); err != nil {
			return err
		}
		r.grant(len(r.in) == 0)
	case *messages.SubscriptionEvent: // a consumer group's member
		r.wireEvents++
		if err := r.sequence(m.GetSequence()); err != nil {
			return err
		}
		e, err := wire.RecordedEventFromProto(m.GetEvent())
		if err != nil {
			return fmt.Errorf("%w: %v", ErrProtocol, err)
		}
		if err := r.process(ctx, id, &e); err != nil {
			return err
		}
		r.grant(len(r.in) == 0)
	case *messages.Checkpoint:
		if err := r.sequence(m.GetSequence()); err != nil {
			return err
		}
		r.pending = max(r.pending, m.GetPosition())
		r.doneSeq = r.seq
		r.grant(len(r.in) == 0)
	case *messages.CaughtUp:
		if r.opts.OnCaughtUp != nil {
			r.opts.OnCaughtUp(m.GetPosition())
		}
	case *messages.SubscriptionDropped:
		return &DroppedError{SubscriptionID: id, Cause: wire.ErrorFromProto(m.GetError())}
	}
	return nil
}

func (r *runner) sequence(seq uint64) error {
	if seq != r.seq+1 {
		return fmt.Errorf("%w: message %d after %d", ErrProtocol, seq, r.seq)
	}
	r.seq = seq
	return nil
}

// process runs the handler with retries. A durable subscription parks an
// event that keeps failing (Nack) and goes on.
func (r *runner) process(ctx context.Context, id string, e *eventstore.RecordedEvent) error {
	_, _, err := persistence.Retry(ctx, r.opts.Retry, func(error) bool { return true },
		func(ctx context.Context) (struct{}, error) { return struct{}{}, r.fn(ctx, *e) })
	pos := e.Position
	if r.opts.Stream != "" {
		pos = e.Version
	}
	switch {
	case err == nil:
		r.pending = max(r.pending, pos)
		r.doneSeq = r.seq
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case r.opts.Durable != "":
		r.flushAck()
		r.send(&messages.Nack{SubscriptionId: id, Position: pos, Reason: err.Error()})
		r.acked = max(r.acked, pos)
		r.doneSeq = r.seq
		return nil
	default:
		return &HandlerError{SubscriptionID: id, Stream: e.Stream, Position: pos, Err: err}
	}
}

// grant earns one credit; credits (and the durable ack) are sent in
// batches of a quarter window, or as soon as nothing else is waiting.
func (r *runner) grant(idle bool) {
	r.owed++
	if idle || r.owed >= max(1, r.opts.Window/4) {
		r.flushCredits()
	}
}

// flushCredits sends the credits earned (and the durable ack), if any.
func (r *runner) flushCredits() {
	if r.owed == 0 || r.sub == nil {
		return
	}
	r.flushAck()
	r.send(&messages.Credit{SubscriptionId: r.id, N: uint32(r.owed)})
	r.owed = 0
}

func (r *runner) flushAck() {
	if r.opts.Durable == "" {
		return
	}
	// A group member acknowledges by sequence too: with several slots the
	// group hands it positions out of order, and an event below one it
	// acknowledged already would never be acknowledged by position.
	if r.pending > r.acked || r.opts.Group && r.doneSeq > r.ackedSeq {
		ack := &messages.Ack{SubscriptionId: r.id, Position: r.pending}
		if r.opts.Group {
			ack.Sequence = r.doneSeq
		}
		r.send(ack)
		r.acked, r.ackedSeq = r.pending, r.doneSeq
	}
}

// send delivers msg to the subscription with the runner as its sender.
func (r *runner) send(msg any) { r.sys.SendFrom(r.sub, msg, r.self) }
