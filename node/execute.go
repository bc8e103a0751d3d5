package node

import (
	"context"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/wire"
)

// executeJob runs a peer's command on an entity of a kind the node's
// program registered (messages/entities.proto). Without an engine, or when
// no kind owns the stream, the answer is an *eventstore.UnknownKindError:
// the stock `actorstore serve` registers none.
func (n *Node) executeJob(m *messages.ExecuteRequest) (runFunc, error) {
	stream := m.GetStream()
	if stream == "" {
		return nil, required("stream", "stream ID")
	}
	cmd := m.GetCommand()
	if cmd.GetTypeUrl() == "" {
		return nil, required("command", "the command (a google.protobuf.Any with its type URL)")
	}
	return func(ctx context.Context) proto.Message {
		if n.cfg.Engine == nil {
			return failExecute(wire.ErrorToProto(&eventstore.UnknownKindError{Stream: stream}))
		}
		r, err := n.cfg.Engine.Streams.ExecuteEncoded(ctx, stream, cmd.GetTypeUrl(), cmd.GetValue())
		if err != nil {
			return failExecute(wire.ErrorToProto(err))
		}
		res := &messages.ExecuteResult{}
		if r.TypeURL != "" {
			res.Reply = &anypb.Any{TypeUrl: r.TypeURL, Value: r.Value}
		}
		if r.Append.LastPosition > 0 {
			res.Append = wire.AppendResultToProto(r.Append)
		}
		return &messages.ExecuteReply{Outcome: &messages.ExecuteReply_Result{Result: res}}
	}, nil
}

func failExecute(e *messages.Error) proto.Message {
	return &messages.ExecuteReply{Outcome: &messages.ExecuteReply_Error{Error: e}}
}
