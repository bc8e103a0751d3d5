package client

import (
	"context"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/wire"
)

// Execute runs cmd on the entity of stream ("<kind>-<id>") on the node,
// which must serve a store whose program registered the kind with a remote
// codec (actorstore.Entity.Remote, actorstore.ProtoCommands; see
// docs/entities.md). It returns the handler's reply (nil when the handler
// replied nothing; unpack it with anypb.UnmarshalTo or UnmarshalNew) and
// the append result of the command's events (zero when it appended none).
//
// Errors: *eventstore.UnknownKindError (no kind owns the stream: the stock
// `actorstore serve` registers none), *eventstore.RejectedError (the
// handler refused the command; its Reason carries the handler's message),
// *eventstore.EntityError, *eventstore.InputError (the kind takes no
// commands from peers, or not this type), *eventstore.ConcurrencyError,
// *eventstore.TimeoutError (the outcome is unknown: the command may have
// been executed), and the connection errors of every call. A command is
// not retried by the client: a command that timed out may have run.
func (c *Client) Execute(ctx context.Context, stream string, cmd proto.Message) (*anypb.Any, eventstore.AppendResult, error) {
	a, err := anypb.New(cmd)
	if err != nil {
		return nil, eventstore.AppendResult{}, &eventstore.InputError{Stream: stream, Field: "command", Rule: "type",
			Message: "the command cannot be packed into a google.protobuf.Any: " + err.Error()}
	}
	req := &messages.ExecuteRequest{Stream: stream, Command: a}
	reply, err := c.call(ctx, req, &req.Options)
	if err != nil {
		return nil, eventstore.AppendResult{}, actors.OnStream(err, "execute", stream, eventstore.Any())
	}
	r, ok := reply.(*messages.ExecuteReply)
	if !ok {
		return nil, eventstore.AppendResult{}, unexpected(reply, "ExecuteReply")
	}
	if e := r.GetError(); e != nil {
		return nil, eventstore.AppendResult{}, remoteError("execute", e)
	}
	res := r.GetResult()
	var ar eventstore.AppendResult
	if res.GetAppend() != nil {
		ar = wire.AppendResultFromProto(res.GetAppend())
	}
	return res.GetReply(), ar, nil
}
