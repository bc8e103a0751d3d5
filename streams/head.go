package streams

import (
	"context"
	"errors"

	"github.com/actorstore/actorstore/eventstore"
)

// Head returns the stream's newest version and position (Version 0 when it
// has no events; a soft-deleted stream keeps its version). It asks the stream's actor like ReadStream does (the
// newest event from its cache, or the store once no flush of the stream is
// in flight), so Head, ReadStream and Append of one stream are
// linearizable with each other: a Head that saw version v is never followed
// by a read that sees less. Safe for concurrent use.
func (n *Runtime) Head(ctx context.Context, stream string) (eventstore.StreamHead, error) {
	evs, err := n.ReadStream(ctx, eventstore.StreamRead{Stream: stream, From: eventstore.End,
		Direction: eventstore.Backward, Limit: 1})
	var nf *eventstore.StreamNotFoundError
	switch {
	case errors.As(err, &nf):
		// No visible event: none ever, or every one deleted (the version
		// stays, docs/lifecycle.md). The store knows which; it has every
		// append acknowledged before the read above.
		h, err := n.sh.store.Head(ctx, stream)
		return h, withStream(err, stream)
	case err != nil:
		return eventstore.StreamHead{}, err
	case len(evs) == 0: // not reached: a stream with events has a newest one
		return eventstore.StreamHead{Stream: stream}, nil
	}
	return eventstore.StreamHead{Stream: stream, Version: evs[0].Version, LastPosition: evs[0].Position}, nil
}
