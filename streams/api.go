package streams

import (
	"context"
	"errors"
	"fmt"
	"time"

	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
)

// Append appends events to stream if expected holds, through the stream's
// actor and the group-commit writer. It returns the committed versions and
// positions, or the original result (Idempotent set) when the same event
// IDs were appended before. Errors are typed (the API boundary above
// attaches the trace ID): *eventstore.InputError (nothing sent),
// *eventstore.ConcurrencyError (answered in memory, or from the store when
// another writer won), *eventstore.DuplicateEventError,
// *eventstore.ConnectionError, *eventstore.TimeoutError naming the stream and
// expected version (the outcome is unknown: retry with the same IDs),
// *StreamError (ErrNotWritten, ErrOutcomeUnknown, ErrClosed).
func (n *Runtime) Append(ctx context.Context, stream string, expected eventstore.ExpectedVersion,
	events []eventstore.EventData) (eventstore.AppendResult, error) {
	req := []eventstore.AppendRequest{{Stream: stream, Expected: expected, Events: events}}
	if err := n.sh.cfg.Limits.ValidateAppend(req); err != nil {
		return eventstore.AppendResult{}, forCaller(err, stream)
	}
	if err := n.enter(); err != nil {
		return eventstore.AppendResult{}, err
	}
	defer n.mu.RUnlock()
	// The trace ID of ctx, if any, names the append in the stream actor's
	// log lines (the API boundary above made one); none is made up here.
	cmd := &appendCmd{stream: stream, expected: expected, events: events, trace: eventstore.TraceID(ctx),
		span: oteltrace.SpanContextFromContext(ctx)}
	reply, err := n.request(ctx, stream, cmd)
	if err != nil {
		return eventstore.AppendResult{}, forCaller(actors.OnStream(err, "append", stream, expected), stream)
	}
	r, ok := reply.(*appendReply)
	if !ok {
		return eventstore.AppendResult{}, unexpected(stream, reply)
	}
	return r.res, actors.OnStream(r.err, "append", stream, expected)
}

// ReadStream reads events of one stream, like Store.ReadStream: from the
// stream actor's cache of recent events when it holds them all, else from
// the store. It sees every append acknowledged before it was called.
func (n *Runtime) ReadStream(ctx context.Context, r eventstore.StreamRead) ([]eventstore.RecordedEvent, error) {
	if err := n.sh.cfg.Limits.ValidateStreamID("stream", r.Stream); err != nil {
		return nil, forCaller(err, r.Stream)
	}
	if err := eventstore.ValidateLimit(r.Limit); err != nil {
		return nil, forCaller(err, r.Stream)
	}
	if err := n.enter(); err != nil {
		return nil, err
	}
	defer n.mu.RUnlock()
	start := time.Now()
	reply, err := n.request(ctx, r.Stream, &readCmd{read: r})
	if err != nil {
		return nil, forCaller(actors.OnStream(err, "read", r.Stream, eventstore.Any()), r.Stream)
	}
	switch m := reply.(type) {
	case *readReply:
		if m.hit {
			return m.events, forCaller(m.err, r.Stream)
		}
	case *notLive:
		n.sh.stats.misses.Add(1)
	default:
		return nil, unexpected(r.Stream, reply)
	}
	// The whole call is bounded by RequestTimeout when ctx has no deadline.
	ctx, cancel := withDeadline(ctx, start.Add(n.sh.cfg.RequestTimeout))
	defer cancel()
	evs, err := n.sh.store.ReadStream(ctx, r)
	return evs, withStream(err, r.Stream)
}

// request sends msg (an appendCmd or a readCmd, which the registry routes
// as they are) straight to the live actor of stream when the registry
// publishes one and is not stopping it, else to the registry (ADR 0026),
// and waits for the reply. A live actor that stopped for another reason
// than passivation (its PID is gone from the process registry: the
// message was delivered to nobody) is retried through the registry.
func (n *Runtime) request(ctx context.Context, stream string, msg any) (any, error) {
	if ref := n.sh.live.get(stream); ref != nil && n.lookedUp(stream) && ref.acquire() {
		reply, err := actors.RequestWithin(ctx, n.sh.sys, ref.pid, msg, n.sh.cfg.RequestTimeout)
		if !errors.Is(err, actors.ErrDeadLetter) {
			return reply, err
		}
		msg = resend(msg)
	}
	return actors.RequestWithin(ctx, n.sh.sys, n.registry, msg, n.sh.cfg.RequestTimeout)
}

// resend copies a message delivered to nobody for sending again (a dead
// letter may still be read by protoactor's dead-letter subscribers, and a
// request sets the copy's reply slot).
func resend(msg any) any {
	switch m := msg.(type) {
	case *appendCmd:
		c := *m
		return &c
	case *readCmd:
		c := *m
		return &c
	}
	return msg
}

// lookedUp runs the test hook of that name; it is always true.
func (n *Runtime) lookedUp(stream string) bool {
	if h := n.sh.cfg.hooks.lookedUp; h != nil {
		h(stream)
	}
	return true
}

func unexpected(stream string, reply any) error {
	return &StreamError{Stream: stream, Op: "request", Err: fmt.Errorf("unexpected reply %T", reply)}
}
