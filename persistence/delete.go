package persistence

import (
	"context"

	"github.com/actorstore/actorstore/eventstore"
)

// StreamDeleter deletes streams (docs/lifecycle.md). Both backends
// implement it (storetest.Run checks them); it is a separate interface so
// that the event contract of Store stays as it is. Safe for concurrent use.
//
// Deleted events stay on disk until a scavenge removes them, but from the
// commit of the delete on, no read of the store returns them: ReadStream
// skips versions up to the deletion's Version (and returns
// *StreamNotFoundError when nothing is left), ReadAll skips them, and the
// positions of the other events do not change. Head keeps the stream's
// version (a soft-deleted stream's next append continues after it).
type StreamDeleter interface {
	// DeleteStream checks r.Expected against the stream's version under the
	// stream's lock (a *ConcurrencyError writes nothing), then hides every
	// event of the stream, removes its snapshot and, for a hard delete,
	// leaves a tombstone: AppendBatch then fails every request of the
	// stream with a *StreamDeletedError (the database fences it, whatever
	// process appends) and ReadStream returns one.
	//
	// A soft delete of a stream that never had an event returns a
	// *StreamNotFoundError; a soft delete of a stream with nothing left
	// to hide succeeds and changes nothing. Any delete of a hard-deleted
	// stream returns a *StreamDeletedError. A hard delete of a stream that
	// never had an event leaves a tombstone (the name stays reserved).
	DeleteStream(ctx context.Context, r eventstore.DeleteRequest) (eventstore.DeleteResult, error)

	// Deletion returns what deletes did to stream: the version up to which
	// its events are hidden (0: none) and whether it has a tombstone. Stream
	// actors read it when a stream they load has no visible events.
	Deletion(ctx context.Context, stream string) (Deletion, error)
}

// Deletion is the deleted state of one stream.
type Deletion struct {
	// Through is the newest hidden version (0 when none is).
	Through eventstore.Version
	// Tombstone is set by a hard delete.
	Tombstone bool
}

// DecideDelete is the pure decision of a delete of a stream at version
// whose deleted state is d: a *StreamDeletedError for a tombstone, a
// *ConcurrencyError when r.Expected does not hold, a *StreamNotFoundError
// for a soft delete of a stream that never had an event; nil to go on.
// Both backends call it under the stream's lock.
func DecideDelete(r eventstore.DeleteRequest, version eventstore.Version, d Deletion) error {
	if d.Tombstone {
		return &eventstore.StreamDeletedError{Stream: r.Stream}
	}
	if err := r.Expected.Check(r.Stream, version); err != nil {
		return err
	}
	if !r.Hard && version == 0 {
		return &eventstore.StreamNotFoundError{Stream: r.Stream}
	}
	return nil
}
