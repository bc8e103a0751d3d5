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

// SetStreamMetadata sets a stream's metadata (its retention) on the node,
// as actorstore.Store.SetStreamMetadata does.
func (c *Client) SetStreamMetadata(ctx context.Context, r eventstore.MetadataRequest) (eventstore.MetadataResult, error) {
	req := &messages.SetStreamMetadataRequest{Stream: r.Stream, Expected: wire.ExpectedVersionToProto(r.Expected),
		Metadata: wire.MetadataToProto(r.Metadata)}
	reply, err := c.call(ctx, req, &req.Options)
	if err != nil {
		return eventstore.MetadataResult{}, actors.OnStream(err, "set_metadata", r.Stream, r.Expected)
	}
	return metadataResult(reply, "set_metadata")
}

// StreamMetadata reads a stream's metadata and its version (0: never set).
func (c *Client) StreamMetadata(ctx context.Context, stream string) (eventstore.MetadataResult, error) {
	req := &messages.GetStreamMetadataRequest{Stream: stream}
	reply, err := c.call(ctx, req, &req.Options)
	if err != nil {
		return eventstore.MetadataResult{}, err
	}
	return metadataResult(reply, "get_metadata")
}

func metadataResult(reply any, op string) (eventstore.MetadataResult, error) {
	m, ok := reply.(*messages.StreamMetadataReply)
	if !ok {
		return eventstore.MetadataResult{}, unexpected(reply, "StreamMetadataReply")
	}
	if e := m.GetError(); e != nil {
		return eventstore.MetadataResult{}, remoteError(op, e)
	}
	return wire.MetadataResultFromProto(m.GetResult()), nil
}

// Forget destroys a crypto-shredding subject's data key on the node, as
// actorstore.Store.Forget does; it reports whether the subject had one.
func (c *Client) Forget(ctx context.Context, subject string) (bool, error) {
	req := &messages.ForgetSubjectRequest{Subject: subject}
	reply, err := c.call(ctx, req, &req.Options)
	if err != nil {
		return false, err
	}
	m, ok := reply.(*messages.ForgetSubjectReply)
	if !ok {
		return false, unexpected(reply, "ForgetSubjectReply")
	}
	if e := m.GetError(); e != nil {
		return false, remoteError("forget", e)
	}
	return m.GetResult().GetForgotten(), nil
}
