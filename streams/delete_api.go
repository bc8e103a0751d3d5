package streams

import (
	"context"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// Delete deletes a stream through its actor if r.Expected holds (see
// eventstore.DeleteRequest and docs/lifecycle.md): every append accepted
// before it is committed or answered first, and everything sent to the
// stream after it waits for its answer, so an append is wholly before or
// wholly after a delete. Errors are typed: *eventstore.InputError (nothing
// sent), *eventstore.ConcurrencyError, *eventstore.StreamNotFoundError (a
// soft delete of a stream that never had events),
// *eventstore.StreamDeletedError (the stream has a tombstone),
// *eventstore.ConnectionError, *eventstore.TimeoutError (the outcome is
// unknown: deleting again is safe), *StreamError. Safe for concurrent use.
func (n *Runtime) Delete(ctx context.Context, r eventstore.DeleteRequest) (eventstore.DeleteResult, error) {
	ctx, trace := eventstore.EnsureTraceID(ctx)
	if err := n.sh.cfg.Limits.ValidateDelete(r); err != nil {
		return eventstore.DeleteResult{}, forCaller(err, r.Stream)
	}
	if err := n.enter(); err != nil {
		return eventstore.DeleteResult{}, err
	}
	defer n.mu.RUnlock()
	ctx, cancel := withDefaultTimeout(ctx, n.sh.cfg.RequestTimeout)
	defer cancel()
	reply, err := actors.Request(ctx, n.sh.sys, n.registry, &routed{stream: r.Stream,
		msg: &deleteCmd{req: r, trace: trace}})
	if err != nil {
		return eventstore.DeleteResult{}, forCaller(actors.OnStream(err, "delete", r.Stream, r.Expected), r.Stream)
	}
	m, ok := reply.(*deleteReply)
	if !ok {
		return eventstore.DeleteResult{}, unexpected(r.Stream, reply)
	}
	return m.res, actors.OnStream(m.err, "delete", r.Stream, r.Expected)
}

// SetMetadata sets a stream's metadata (its retention: truncate-before,
// max-age, max-count; docs/lifecycle.md) through its actor, if r.Expected
// holds for the metadata's version, ordered with the stream's appends like
// Delete. From its return on, reads and the subscriptions of this Runtime's
// hub return no event outside the retention. Errors as Delete's; a
// conflict is a *eventstore.ConcurrencyError naming
// eventstore.MetadataStream(r.Stream). Safe for concurrent use.
func (n *Runtime) SetMetadata(ctx context.Context, r eventstore.MetadataRequest) (eventstore.MetadataResult, error) {
	ctx, trace := eventstore.EnsureTraceID(ctx)
	if err := n.sh.cfg.Limits.ValidateMetadata(r); err != nil {
		return eventstore.MetadataResult{}, forCaller(err, r.Stream)
	}
	if err := n.enter(); err != nil {
		return eventstore.MetadataResult{}, err
	}
	defer n.mu.RUnlock()
	ctx, cancel := withDefaultTimeout(ctx, n.sh.cfg.RequestTimeout)
	defer cancel()
	reply, err := actors.Request(ctx, n.sh.sys, n.registry, &routed{stream: r.Stream,
		msg: &metadataCmd{req: r, trace: trace}})
	if err != nil {
		return eventstore.MetadataResult{}, forCaller(actors.OnStream(err, "set_metadata", r.Stream, r.Expected), r.Stream)
	}
	m, ok := reply.(*metadataReply)
	if !ok {
		return eventstore.MetadataResult{}, unexpected(r.Stream, reply)
	}
	return m.res, actors.OnStream(m.err, "set_metadata", r.Stream, r.Expected)
}

// Metadata returns a stream's metadata and its version (0: never set),
// from the store. Safe for concurrent use.
func (n *Runtime) Metadata(ctx context.Context, stream string) (eventstore.MetadataResult, error) {
	if err := n.sh.cfg.Limits.ValidateStreamID("stream", stream); err != nil {
		return eventstore.MetadataResult{}, forCaller(err, stream)
	}
	sd, ok := n.sh.store.(persistence.StreamDeleter)
	if !ok {
		return eventstore.MetadataResult{Stream: stream}, nil
	}
	ctx, cancel := withDefaultTimeout(ctx, n.sh.cfg.RequestTimeout)
	defer cancel()
	res, err := sd.StreamMetadata(ctx, stream)
	return res, withStream(err, stream)
}
