package node

import (
	"context"
	"errors"

	"connectrpc.com/connect"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/subscriptions"
	"github.com/actorstore/actorstore/wire"
)

// Subscribe serves a server stream from a handler subscription of the
// store's own hub (the one peers subscribe through): history, then live
// events, each sent on the handler goroutine. Send blocks while the
// caller does not read (HTTP/2 flow control), so the handler holds its
// credits and the subscription stops reading at its window: a slow caller
// costs the node at most the window of events, and falls back to catch-up
// from the store when live events outrun it (invariant 9).
func (s *connectService) Subscribe(ctx context.Context, r *connect.Request[messages.TailRequest],
	out *connect.ServerStream[messages.TailResponse]) error {
	return s.subscribe(ctx, r.Header(), r.Msg, out.Send)
}

// subscribe serves the subscription m of a call with headers h: each
// message goes to send (which blocks while the caller does not read).
// Its errors are *connect.Error values.
func (s *connectService) subscribe(ctx context.Context, h headerGetter, m *messages.TailRequest,
	send func(*messages.TailResponse) error) error {
	ctx = callContext(ctx, h)
	ctx, id := eventstore.EnsureTraceID(ctx)
	if s.n.cfg.Engine == nil || s.n.cfg.Engine.Hub == nil {
		return connect.NewError(connect.CodeUnimplemented, errors.New("actorstore: this node serves no subscriptions"))
	}
	fail := func(err error) error {
		e := wire.ErrorToProto(eventstore.AttachTraceID(err, id))
		s.n.logFailure("subscribe", e)
		return wire.ErrorToConnect(e)
	}
	if err := s.n.cfg.Limits.ValidateStreamID("stream", m.GetStream()); m.GetStream() != "" && err != nil {
		return fail(err)
	}
	o := tailOptions(m, func(pos uint64) error {
		return send(&messages.TailResponse{Kind: &messages.TailResponse_CaughtUp{
			CaughtUp: &messages.CaughtUp{Position: pos}}})
	})
	sub, err := s.n.cfg.Engine.Hub.Subscribe(ctx, o, func(_ context.Context, e eventstore.RecordedEvent) error {
		return send(&messages.TailResponse{Kind: &messages.TailResponse_Event{Event: wire.RecordedEventToProto(&e)}})
	})
	if err != nil {
		return fail(err)
	}
	defer func() { _ = sub.Close() }()
	select {
	case <-ctx.Done(): // the caller cancelled or went away
		return nil
	case <-s.streams.Done():
		return connect.NewError(connect.CodeUnavailable, errors.New("actorstore: node is shutting down"))
	case <-sub.Done():
		if err := sub.Err(); err != nil && ctx.Err() == nil {
			return fail(err)
		}
		return nil
	}
}

// tailOptions are the hub's options for a TailRequest. A send that fails
// (the caller is gone) is not retried: the subscription ends.
func tailOptions(m *messages.TailRequest, caughtUp func(uint64) error) subscriptions.HandlerOptions {
	return subscriptions.HandlerOptions{
		Options: subscriptions.Options{Stream: m.GetStream(), Start: subscriptions.Start(m.GetStart()),
			At: m.GetStartAt(), Filter: eventstore.Filter{StreamPrefix: m.GetStreamPrefix(), EventTypes: m.GetEventTypes()},
			IncludeSystemStreams: m.GetIncludeSystemStreams(), Window: int(m.GetWindow())},
		Retry:      persistence.RetryPolicy{MaxAttempts: 1},
		OnCaughtUp: func(pos uint64) { _ = caughtUp(pos) },
	}
}
