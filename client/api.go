package client

import (
	"context"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/wire"
)

// Append appends events to stream on the node if expected holds, exactly
// as actorstore.Store.Append does, with the same typed errors
// (*eventstore.ConcurrencyError with Stream, Expected, Actual;
// *eventstore.InputError; ...) and the call's trace ID attached. A timeout
// (*eventstore.TimeoutError naming the stream and expected version, errors.Is
// eventstore.ErrTimeout) leaves the outcome unknown: retry with the same
// event IDs.
func (c *Client) Append(ctx context.Context, stream string, expected eventstore.ExpectedVersion,
	events ...eventstore.EventData) (eventstore.AppendResult, error) {
	req := &messages.AppendRequest{Stream: stream, Expected: wire.ExpectedVersionToProto(expected),
		Events: wire.EventsToProto(events)}
	reply, err := c.callAppend(ctx, req)
	if err != nil {
		return eventstore.AppendResult{}, actors.OnStream(err, "append", stream, expected)
	}
	r, ok := reply.(*messages.AppendReply)
	if !ok {
		return eventstore.AppendResult{}, unexpected(reply, "AppendReply")
	}
	if e := r.GetError(); e != nil {
		return eventstore.AppendResult{}, remoteError("append", e)
	}
	return wire.AppendResultFromProto(r.GetResult()), nil
}

// callAppend sends an append through the coalescer when it may join a
// batch, else as a call of its own.
func (c *Client) callAppend(ctx context.Context, req *messages.AppendRequest) (any, error) {
	if !c.coalescable(ctx) {
		c.singles.Add(1)
		return c.call(ctx, req, &req.Options)
	}
	// No span is started from ctx here (coalescable), so the trace ID
	// travels only in options.trace_id (the node takes it from there when
	// the message has no trace header) and ctx is not wrapped: no context
	// and no header per append.
	trace := eventstore.TraceID(ctx)
	if trace == "" {
		trace = eventstore.NewTraceID().String()
	}
	reply, err := c.co.append(ctx, trace, req)
	return reply, eventstore.AttachTraceID(err, trace)
}

// Transact appends to several streams atomically on the node, as
// actorstore.Store.Transact does. A timeout (*eventstore.TimeoutError with Op
// "transact" and the streams) leaves the outcome unknown: retry with the
// same event IDs.
func (c *Client) Transact(ctx context.Context, reqs ...eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	req := &messages.TransactRequest{Appends: make([]*messages.StreamAppend, len(reqs))}
	for i, r := range reqs {
		req.Appends[i] = &messages.StreamAppend{Stream: r.Stream,
			Expected: wire.ExpectedVersionToProto(r.Expected), Events: wire.EventsToProto(r.Events)}
	}
	reply, err := c.call(ctx, req, &req.Options)
	if err != nil {
		streams := make([]string, len(reqs))
		for i := range reqs {
			streams[i] = reqs[i].Stream
		}
		return nil, actors.OnTransaction(err, streams)
	}
	r, ok := reply.(*messages.TransactReply)
	if !ok {
		return nil, unexpected(reply, "TransactReply")
	}
	if e := r.GetError(); e != nil {
		return nil, remoteError("transact", e)
	}
	out := make([]eventstore.AppendResult, len(r.GetResult().GetResults()))
	for i, res := range r.GetResult().GetResults() {
		out[i] = wire.AppendResultFromProto(res)
	}
	return out, nil
}

// Head returns the newest version and position of a stream.
func (c *Client) Head(ctx context.Context, stream string) (eventstore.StreamHead, error) {
	req := &messages.HeadRequest{Stream: stream}
	reply, err := c.call(ctx, req, &req.Options)
	if err != nil {
		return eventstore.StreamHead{}, err
	}
	r, ok := reply.(*messages.HeadReply)
	if !ok {
		return eventstore.StreamHead{}, unexpected(reply, "HeadReply")
	}
	if e := r.GetError(); e != nil {
		return eventstore.StreamHead{}, remoteError("head", e)
	}
	h := r.GetResult()
	return eventstore.StreamHead{Stream: h.GetStream(), Version: h.GetVersion(), LastPosition: h.GetLastPosition()}, nil
}

// Status returns the node's identity, store kind, limits and counters.
func (c *Client) Status(ctx context.Context) (*messages.NodeStatus, error) {
	req := &messages.StatusRequest{}
	reply, err := c.call(ctx, req, &req.Options)
	if err != nil {
		return nil, err
	}
	r, ok := reply.(*messages.StatusReply)
	if !ok {
		return nil, unexpected(reply, "StatusReply")
	}
	if e := r.GetError(); e != nil {
		return nil, remoteError("status", e)
	}
	return r.GetResult(), nil
}

// Health returns the node's readiness report: the same checks and answer
// as its /readyz (database, migrations, actors, ...). A node that is not
// ready answers with OK false and the failed checks' errors; an error
// means the node did not answer.
func (c *Client) Health(ctx context.Context) (*messages.HealthReport, error) {
	req := &messages.HealthRequest{}
	reply, err := c.call(ctx, req, &req.Options)
	if err != nil {
		return nil, err
	}
	r, ok := reply.(*messages.HealthReply)
	if !ok {
		return nil, unexpected(reply, "HealthReply")
	}
	if e := r.GetError(); e != nil {
		return nil, remoteError("health", e)
	}
	return r.GetResult(), nil
}
