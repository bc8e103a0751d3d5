package node

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/wire"
)

// Deleter is the part of the data-plane API that deletes streams
// (*actorstore.Store has it). A node whose Store lacks it answers delete
// requests with ERROR_CODE_INVALID_INPUT.
type Deleter interface {
	Delete(ctx context.Context, r eventstore.DeleteRequest) (eventstore.DeleteResult, error)
}

func (n *Node) deleteJob(m *messages.DeleteStreamRequest) (runFunc, error) {
	r, err := wire.DeleteRequestFromProto(m)
	if err != nil {
		return nil, err
	}
	d, ok := n.store.(Deleter)
	if !ok {
		return nil, &eventstore.InputError{Field: "message", Rule: "supported",
			Message: "this node's store does not delete streams"}
	}
	return func(ctx context.Context) proto.Message {
		res, err := d.Delete(ctx, r)
		if err != nil {
			return failDelete(wire.ErrorToProto(err))
		}
		return &messages.DeleteStreamReply{Outcome: &messages.DeleteStreamReply_Result{Result: wire.DeleteResultToProto(res)}}
	}, nil
}

func failDelete(e *messages.Error) proto.Message {
	return &messages.DeleteStreamReply{Outcome: &messages.DeleteStreamReply_Error{Error: e}}
}
