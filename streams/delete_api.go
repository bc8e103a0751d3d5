package streams

import (
	"context"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
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
