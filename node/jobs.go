package node

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/wire"
)

// maxReadEvents caps one read; a larger limit returns a truncated result.
const maxReadEvents = 10_000

type runFunc = func(ctx context.Context) proto.Message

func (n *Node) appendJob(m *messages.AppendRequest) (runFunc, error) {
	stream := m.GetStream()
	if stream == "" {
		return nil, required("stream", "stream ID")
	}
	exp, err := wire.ExpectedVersionFromProto("expected", m.GetExpected())
	if err != nil {
		return nil, err
	}
	events, err := wire.EventsFromProto("events", stream, m.GetEvents())
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) proto.Message {
		res, err := n.store.Append(ctx, stream, exp, events...)
		if err != nil {
			return failAppend(wire.ErrorToProto(err))
		}
		return &messages.AppendReply{Outcome: &messages.AppendReply_Result{Result: wire.AppendResultToProto(res)}}
	}, nil
}

func (n *Node) transactJob(m *messages.TransactRequest) (runFunc, error) {
	parts := m.GetAppends()
	if len(parts) == 0 {
		return nil, required("appends", "the list of appends")
	}
	reqs := make([]eventstore.AppendRequest, len(parts))
	for i, p := range parts {
		r, err := appendPart(i, p)
		if err != nil {
			return nil, err
		}
		reqs[i] = r
	}
	return func(ctx context.Context) proto.Message {
		res, err := n.store.Transact(ctx, reqs...)
		if err != nil {
			return failTransact(wire.ErrorToProto(err))
		}
		out := &messages.TransactResult{Results: make([]*messages.AppendResult, len(res))}
		for i := range res {
			out.Results[i] = wire.AppendResultToProto(res[i])
		}
		return &messages.TransactReply{Outcome: &messages.TransactReply_Result{Result: out}}
	}, nil
}

func appendPart(i int, p *messages.StreamAppend) (eventstore.AppendRequest, error) {
	field := "appends[" + itoa(i) + "]"
	if p.GetStream() == "" {
		return eventstore.AppendRequest{}, required(field+".stream", "stream ID")
	}
	exp, err := wire.ExpectedVersionFromProto(field+".expected", p.GetExpected())
	if err != nil {
		return eventstore.AppendRequest{}, err
	}
	events, err := wire.EventsFromProto(field+".events", p.GetStream(), p.GetEvents())
	if err != nil {
		return eventstore.AppendRequest{}, err
	}
	return eventstore.AppendRequest{Stream: p.GetStream(), Expected: exp, Events: events}, nil
}

func (n *Node) readStreamJob(m *messages.ReadStreamRequest) (runFunc, error) {
	if m.GetStream() == "" {
		return nil, required("stream", "stream ID")
	}
	dir, err := wire.DirectionFromProto(m.GetDirection())
	if err != nil {
		return nil, err
	}
	limit, err := readLimit(m.GetLimit())
	if err != nil {
		return nil, err
	}
	r := eventstore.StreamRead{Stream: m.GetStream(), From: m.GetFrom(), Direction: dir, Limit: limit}
	capped := int(m.GetLimit()) > limit
	return func(ctx context.Context) proto.Message {
		evs, err := n.store.ReadStream(ctx, r)
		if err != nil {
			return failRead(wire.ErrorToProto(err))
		}
		return n.readReply(evs, capped && len(evs) == limit)
	}, nil
}

func (n *Node) readAllJob(m *messages.ReadAllRequest) (runFunc, error) {
	dir, err := wire.DirectionFromProto(m.GetDirection())
	if err != nil {
		return nil, err
	}
	limit, err := readLimit(m.GetLimit())
	if err != nil {
		return nil, err
	}
	r := eventstore.AllRead{From: m.GetFrom(), Direction: dir, Limit: limit,
		Filter: eventstore.Filter{StreamPrefix: m.GetStreamPrefix(), EventTypes: m.GetEventTypes()}}
	capped := int(m.GetLimit()) > limit
	return func(ctx context.Context) proto.Message {
		evs, err := n.store.ReadAll(ctx, r)
		if err != nil {
			return failRead(wire.ErrorToProto(err))
		}
		return n.readReply(evs, capped && len(evs) == limit)
	}, nil
}

func (n *Node) headJob(m *messages.HeadRequest) (runFunc, error) {
	stream := m.GetStream()
	if err := n.cfg.Limits.ValidateStreamID("stream", stream); err != nil {
		return nil, err
	}
	return func(ctx context.Context) proto.Message {
		h, err := n.store.Head(ctx, stream)
		if err != nil {
			return failHead(wire.ErrorToProto(err))
		}
		return &messages.HeadReply{Outcome: &messages.HeadReply_Result{Result: &messages.StreamHead{
			Stream: h.Stream, Version: h.Version, LastPosition: h.LastPosition}}}
	}, nil
}
