package client

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/wire"
)

// ReadStream returns up to r.Limit events of r.Stream, as
// actorstore.Store.ReadStream does. When the node cuts a reply short to
// keep it under its message size, ReadStream asks again from after the
// last event, so fewer than r.Limit events still means the stream ended.
func (c *Client) ReadStream(ctx context.Context, r eventstore.StreamRead) ([]eventstore.RecordedEvent, error) {
	evs, err := c.readPages(ctx, r.Limit, r.From, r.Direction, func(from uint64, limit int) *pageReq {
		req := &messages.ReadStreamRequest{Stream: r.Stream, From: from, Direction: wire.DirectionToProto(r.Direction),
			Limit: clampLimit(limit)}
		return &pageReq{msg: req, opts: &req.Options, next: func(e *eventstore.RecordedEvent) uint64 { return e.Version }}
	})
	return evs, actors.OnStream(err, "read", r.Stream, eventstore.Any())
}

// ReadAll returns up to r.Limit events of all streams in global order that
// pass r.Filter, as actorstore.Store.ReadAll does (continuing truncated
// replies like ReadStream).
func (c *Client) ReadAll(ctx context.Context, r eventstore.AllRead) ([]eventstore.RecordedEvent, error) {
	return c.readPages(ctx, r.Limit, r.From, r.Direction, func(from uint64, limit int) *pageReq {
		req := &messages.ReadAllRequest{From: from, Direction: wire.DirectionToProto(r.Direction), Limit: clampLimit(limit),
			StreamPrefix: r.Filter.StreamPrefix, EventTypes: r.Filter.EventTypes}
		return &pageReq{msg: req, opts: &req.Options, next: func(e *eventstore.RecordedEvent) uint64 { return e.Position }}
	})
}

// pageReq is one read request and how to continue after its last event.
type pageReq struct {
	msg  proto.Message
	opts **messages.RequestOptions
	next func(*eventstore.RecordedEvent) uint64
}

func (c *Client) readPages(ctx context.Context, limit int, from uint64, dir eventstore.Direction,
	page func(from uint64, limit int) *pageReq) ([]eventstore.RecordedEvent, error) {
	if limit <= 0 {
		return nil, eventstore.ValidateLimit(limit)
	}
	var out []eventstore.RecordedEvent
	for {
		p := page(from, limit-len(out))
		evs, truncated, err := c.readOnce(ctx, p)
		out = append(out, evs...)
		if err != nil || !truncated || len(evs) == 0 || len(out) >= limit {
			return out, err
		}
		last := p.next(&evs[len(evs)-1])
		if dir == eventstore.Backward {
			if last <= 1 {
				return out, nil
			}
			from = last - 1
		} else {
			from = last + 1
		}
	}
}

func (c *Client) readOnce(ctx context.Context, p *pageReq) ([]eventstore.RecordedEvent, bool, error) {
	reply, err := c.call(ctx, p.msg, p.opts)
	if err != nil {
		return nil, false, err
	}
	r, ok := reply.(*messages.ReadReply)
	if !ok {
		return nil, false, unexpected(reply, "ReadReply")
	}
	if e := r.GetError(); e != nil {
		return nil, false, remoteError("read", e)
	}
	res := r.GetResult()
	out := make([]eventstore.RecordedEvent, 0, len(res.GetEvents()))
	for _, pe := range res.GetEvents() {
		e, err := wire.RecordedEventFromProto(pe)
		if err != nil {
			return out, false, err
		}
		out = append(out, e)
	}
	return out, res.GetTruncated(), nil
}

func clampLimit(limit int) uint32 { return uint32(min(limit, 1<<31)) }
