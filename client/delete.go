package client

import (
	"context"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/wire"
)

// Delete deletes a stream on the node if r.Expected holds, exactly as
// actorstore.Store.Delete does (docs/lifecycle.md), with the same typed
// errors (*eventstore.ConcurrencyError, *eventstore.StreamNotFoundError,
// *eventstore.StreamDeletedError for a stream with a tombstone, ...) and the
// call's trace ID attached. After a timeout the outcome is unknown:
// deleting again is safe.
func (c *Client) Delete(ctx context.Context, r eventstore.DeleteRequest) (eventstore.DeleteResult, error) {
	req := wire.DeleteRequestToProto(r, nil)
	reply, err := c.call(ctx, req, &req.Options)
	if err != nil {
		return eventstore.DeleteResult{}, actors.OnStream(err, "delete", r.Stream, r.Expected)
	}
	m, ok := reply.(*messages.DeleteStreamReply)
	if !ok {
		return eventstore.DeleteResult{}, unexpected(reply, "DeleteStreamReply")
	}
	if e := m.GetError(); e != nil {
		return eventstore.DeleteResult{}, remoteError("delete", e)
	}
	return wire.DeleteResultFromProto(m.GetResult()), nil
}
