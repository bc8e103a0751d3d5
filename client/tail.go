package client

import (
	"context"
	"fmt"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/wire"
)

// HubActorName is the name of a node's subscription hub.
const HubActorName = "subscriptions"

// Where a tail starts.
const (
	// FromBeginning: the oldest event (of all streams, or of the stream).
	FromBeginning = messages.StartKind_START_KIND_BEGINNING
	// FromEnd: only events committed after the tail started.
	FromEnd = messages.StartKind_START_KIND_END
	// FromAt: TailOptions.At, a position (all streams) or a version (one
	// stream), inclusive.
	FromAt = messages.StartKind_START_KIND_AT
)

// TailOptions select what Tail delivers.
type TailOptions struct {
	// Stream is one stream, or empty for all streams.
	Stream string
	// Start and At say where it starts (default FromBeginning).
	Start messages.StartKind
	At    uint64
	// Filter keeps streams with a prefix and events of some types (all
	// streams only for the prefix).
	Filter eventstore.Filter
	// Window is how many events may be in flight to this client; 0 means
	// the node's default (256).
	Window uint32
}

// Tail subscribes this client to the node's events that o selects and
// calls fn for each, in order, with no gap: first the stored history,
// then live events as they commit. It returns when ctx ends (ctx's
// error), fn returns an error (that error), the subscription is dropped by
// the node, or the connection to the node is lost (a retryable
// *eventstore.ConnectionError). Flow control is credit-based: at most
// o.Window events wait for fn, so a slow fn never slows the node.
func (c *Client) Tail(ctx context.Context, o TailOptions, fn func(eventstore.RecordedEvent) error) error {
	t := &tail{c: c, fn: fn, window: o.Window, next: 1}
	if t.window == 0 {
		t.window = 256
	}
	// Room for a full window plus control messages: the transport must
	// never block delivering into it.
	t.mb = c.sys.NewMailbox(2*int(t.window) + 64)
	defer t.mb.Close()
	rctx, gen, release := c.conn.bind(ctx)
	defer release()
	c.sys.SendFrom(actors.NewPID(c.cfg.NodeAddress, HubActorName), t.request(o), t.mb.PID())
	err := t.loop(rctx)
	t.unsubscribe()
	return eventstore.AttachTraceID(c.conn.lostError(err, ctx, gen), eventstore.TraceID(ctx))
}

// tail is one running Tail: only its own goroutine touches it.
type tail struct {
	c      *Client
	fn     func(eventstore.RecordedEvent) error
	mb     *actors.Mailbox
	window uint32
	id     string
	sub    *actors.PID
	next   uint64 // sequence number expected next
	owed   uint32 // credits earned and not yet granted
}

func (t *tail) request(o TailOptions) *messages.SubscribeRequest {
	pid := t.mb.PID()
	return &messages.SubscribeRequest{
		Subscriber: &messages.ActorRef{Address: pid.GetAddress(), Id: pid.GetId()},
		Stream:     o.Stream, Start: o.Start, StartAt: o.At,
		StreamPrefix: o.Filter.StreamPrefix, EventTypes: o.Filter.EventTypes, Window: t.window,
	}
}

func (t *tail) loop(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case msg := <-t.mb.C():
			done, err := t.handle(msg)
			if done || err != nil {
				return err
			}
		}
	}
}

// handle processes one message; done reports the end of the subscription.
func (t *tail) handle(msg any) (done bool, err error) {
	switch m := msg.(type) {
	case *messages.Subscribed:
		if m.GetError() != nil {
			return true, wire.ErrorFromProto(m.GetError())
		}
		t.id = m.GetSubscriptionId()
		t.sub = &actors.PID{Address: m.GetSubscription().GetAddress(), Id: m.GetSubscription().GetId()}
		t.grant(false)
	case *messages.SubscriptionEvent:
		if err := t.sequence(m.GetSequence()); err != nil {
			return true, err
		}
		e, err := wire.RecordedEventFromProto(m.GetEvent())
		if err == nil {
			err = t.fn(e)
		}
		if err != nil {
			return true, err
		}
		t.grant(len(t.mb.C()) == 0)
	case *messages.Checkpoint:
		if err := t.sequence(m.GetSequence()); err != nil {
			return true, err
		}
		t.grant(len(t.mb.C()) == 0)
	case *messages.SubscriptionDropped:
		return true, wire.ErrorFromProto(m.GetError())
	}
	return false, nil // CaughtUp, FellBehind: nothing to do
}

// sequence checks that no credited message was lost, and earns a credit.
func (t *tail) sequence(seq uint64) error {
	if seq != t.next {
		return fmt.Errorf("client: tail lost messages: got sequence %d, want %d", seq, t.next)
	}
	t.next++
	t.owed++
	return nil
}

// grant sends the credits owed once they are a quarter of the window, or
// whenever the mailbox is drained (idle), so the node never waits on us.
func (t *tail) grant(idle bool) {
	if t.sub == nil || t.owed == 0 || (!idle && t.owed < max(t.window/4, 1)) {
		return
	}
	t.c.sys.Send(t.sub, &messages.Credit{SubscriptionId: t.id, N: t.owed})
	t.owed = 0
}

func (t *tail) unsubscribe() {
	if t.sub != nil {
		t.c.sys.Send(t.sub, &messages.Unsubscribe{SubscriptionId: t.id})
	}
}
